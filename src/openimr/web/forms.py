"""HTML forms of the workbench: read them, keep what was typed, turn them into workflow input.

What a person typed is kept as strings (:class:`ItemValues`) until it is valid, so a page
shown again after an error or an edit conflict shows exactly what they typed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from pydantic import ValidationError

from openimr.casefile.load import describe_validation_error
from openimr.domain import Decision, GuidelineCitation, GuidelineFamily, ItemDetermination
from openimr.errors import InputError
from openimr.workflow.schemas import Application, DeterminationEdit, ItemEdit

#: The guideline families a reviewer may cite, in Medical Evidence Search Sequence order.
FAMILY_CHOICES: tuple[tuple[str, str], ...] = (
    (GuidelineFamily.MTUS_CPMTG.value, "MTUS: Chronic Pain Guidelines"),
    (GuidelineFamily.MTUS_ACOEM.value, "MTUS: ACOEM Practice Guidelines"),
    (GuidelineFamily.MTUS_OPIOIDS.value, "MTUS: Opioids Guideline"),
    (GuidelineFamily.MTUS_POSTSURGICAL.value, "MTUS: Postsurgical Guidelines"),
    (GuidelineFamily.MTUS_ACUPUNCTURE.value, "MTUS: Acupuncture Guidelines"),
    (GuidelineFamily.MTUS_FORMULARY.value, "MTUS: Drug Formulary"),
    (GuidelineFamily.ODG.value, "ODG (not MTUS)"),
    (GuidelineFamily.OTHER.value, "Other guideline (not MTUS)"),
    (GuidelineFamily.NONE.value, "None applies"),
)


def text_field(form: Any, name: str) -> str:
    """A text field with browser line endings made plain (textareas send CR LF)."""
    value = form.get(name)
    if not isinstance(value, str):
        return ""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def is_number(raw: str) -> bool:
    """ASCII digits only: ``str.isdigit`` also passes "²", which ``int`` refuses."""
    return raw.isascii() and raw.isdigit()


def _opt(value: str) -> str | None:
    value = value.strip()
    return value or None


@dataclass(frozen=True)
class ItemValues:
    """One disputed item's editable fields as the form shows them."""

    decision: str
    family: str
    title: str
    chapter: str
    sections: str
    pages: str
    edition: str
    rationale: str

    @classmethod
    def from_item(cls, item: ItemDetermination) -> ItemValues:
        g = item.guideline
        return cls(
            decision=item.decision.value,
            family=g.family.value,
            title=g.title or "",
            chapter=g.chapter or "",
            sections="; ".join(g.sections),
            pages=g.pages or "",
            edition=g.edition or "",
            rationale=item.rationale,
        )

    @classmethod
    def blank(cls) -> ItemValues:
        return cls("", GuidelineFamily.NONE.value, "", "", "", "", "", "")

    @classmethod
    def from_form(cls, form: Any, index: int) -> ItemValues:
        values = {f.name: text_field(form, f"item-{index}-{f.name}") for f in fields(cls)}
        return cls(**values)

    def citation_key(self) -> tuple[str, ...]:
        return (
            self.family,
            self.title.strip(),
            self.chapter.strip(),
            "; ".join(s.strip() for s in self.sections.split(";") if s.strip()),
            self.pages.strip(),
            self.edition.strip(),
        )

    def decision_value(self, index: int) -> Decision:
        try:
            return Decision(self.decision)
        except ValueError:
            raise InputError(
                "choose Upheld or Overturned", location=f"item-{index}-decision"
            ) from None

    def citation(self, index: int, *, same_clause: bool = False) -> GuidelineCitation:
        try:
            family = GuidelineFamily(self.family)
        except ValueError:
            raise InputError("choose a guideline", location=f"item-{index}-family") from None
        return GuidelineCitation(
            family=family,
            title=_opt(self.title),
            chapter=_opt(self.chapter),
            sections=[s.strip() for s in self.sections.split(";") if s.strip()],
            pages=_opt(self.pages),
            edition=_opt(self.edition),
            same_clause=same_clause,
        )


@dataclass(frozen=True)
class DraftValues:
    """The whole determination form: the version it was loaded at, summary and items."""

    version: int
    summary: str
    items: list[ItemValues]

    @classmethod
    def from_form(cls, form: Any, count: int) -> DraftValues:
        raw = text_field(form, "version").strip()
        if not is_number(raw):
            raise InputError(
                "the form lost its version number; reload the page", location="version"
            )
        return cls(
            version=int(raw),
            summary=text_field(form, "summary"),
            items=[ItemValues.from_form(form, i) for i in range(count)],
        )


def _item_edit(
    index: int,
    values: ItemValues,
    proposed: ItemDetermination | None,
    current: ItemDetermination | None,
) -> ItemEdit:
    """Accept when the form equals the proposal; otherwise send every editable field, taking
    untouched ones from the saved item so that nothing is re-typed by the round trip."""
    if proposed is not None and _same(values, ItemValues.from_item(proposed)):
        return ItemEdit(action="accept")
    shown = ItemValues.from_item(current) if current is not None else None
    if shown is not None and current is not None and values.decision == shown.decision:
        decision = current.decision
    else:
        decision = values.decision_value(index)
    if shown is not None and current is not None and values.citation_key() == shown.citation_key():
        guideline = current.guideline
    else:
        same_clause = current.guideline.same_clause if current is not None else False
        guideline = values.citation(index, same_clause=same_clause)
    if shown is not None and current is not None and values.rationale == shown.rationale:
        rationale = current.rationale
    else:
        rationale = values.rationale
    if not rationale.strip():
        raise InputError("the rationale is empty", location=f"item-{index}-rationale")
    return ItemEdit(action="edit", decision=decision, guideline=guideline, rationale=rationale)


def _same(a: ItemValues, b: ItemValues) -> bool:
    return (
        a.decision == b.decision
        and a.citation_key() == b.citation_key()
        and a.rationale == b.rationale
    )


def determination_edit(
    values: DraftValues,
    proposed: list[ItemDetermination] | None,
    current: list[ItemDetermination] | None,
    current_summary: str | None,
) -> DeterminationEdit:
    """The workflow's edit for what the form holds (one entry per disputed item)."""
    items = []
    for index, item in enumerate(values.items):
        p = proposed[index] if proposed and index < len(proposed) else None
        c = current[index] if current and index < len(current) else p
        items.append(_item_edit(index, item, p, c))
    summary = values.summary if values.summary != (current_summary or "") else None
    try:
        return DeterminationEdit(version=values.version, items=items, clinical_case_summary=summary)
    except ValidationError as exc:
        message, location = describe_validation_error(exc)
        raise InputError(message, location=location) from None


# -- intake --------------------------------------------------------------------------------

_TRI = {"yes": True, "no": False, "": None}


def _date(form: Any, name: str) -> date | None:
    raw = text_field(form, name).strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InputError("write the date as YYYY-MM-DD", location=name) from None


#: The application form's fields, in the order the form shows them.
APPLICATION_FIELDS = (
    "review_type",
    "received_on",
    "ur_decision_served_on",
    "ur_service_method",
    "signed",
    "ur_decision_attached",
    "ur_contains_cnc",
    "disputes_medical_necessity",
    "formulary_dispute",
    "claim_number",
    "employer",
    "employee_name",
    "requesting_physician",
    "providers",
    "notice_method",
)


def application_values(form: Any) -> dict[str, str]:
    """The application fields as typed, to show the form again after an error."""
    return {name: text_field(form, name) for name in APPLICATION_FIELDS}


def application(form: Any) -> Application:
    """The DWC Form IMR facts from the intake form; unknown answers stay unknown."""
    values = application_values(form)
    for name in ("signed", "ur_decision_attached"):
        if values[name] not in _TRI:
            raise InputError("answer yes, no or not known", location=name)
    if values["review_type"] not in {"", "regular", "expedited"}:
        raise InputError("choose regular or expedited review", location="review_type")
    data: dict[str, Any] = {
        "review_type": values["review_type"] or None,
        "received_on": _date(form, "received_on"),
        "ur_decision_served_on": _date(form, "ur_decision_served_on"),
        "ur_service_method": values["ur_service_method"] or None,
        "signed": _TRI[values["signed"]],
        "ur_decision_attached": _TRI[values["ur_decision_attached"]],
        "ur_contains_cnc": values["ur_contains_cnc"] == "on",
        "disputes_medical_necessity": values["disputes_medical_necessity"] == "on",
        "formulary_dispute": values["formulary_dispute"] == "on",
        "claim_number": _opt(values["claim_number"]),
        "employer": _opt(values["employer"]),
        "employee_name": _opt(values["employee_name"]),
        "requesting_physician": _opt(values["requesting_physician"]),
        "providers": [p.strip() for p in values["providers"].splitlines() if p.strip()],
        "notice_method": values["notice_method"] or "electronic",
    }
    try:
        return Application.model_validate(data)
    except ValidationError as exc:
        message, location = describe_validation_error(exc)
        raise InputError(message, location=location) from None


def application_defaults(app: dict[str, Any] | None = None) -> dict[str, str]:
    """Form values for stored application facts (or a new application's defaults)."""
    app = app or {}

    def tri(value: Any) -> str:
        return "" if value is None else ("yes" if value else "no")

    return {
        "review_type": str(app.get("review_type") or ""),
        "received_on": str(app.get("received_on") or ""),
        "ur_decision_served_on": str(app.get("ur_decision_served_on") or ""),
        "ur_service_method": str(app.get("ur_service_method") or ""),
        "signed": tri(app.get("signed")),
        "ur_decision_attached": tri(app.get("ur_decision_attached")),
        "ur_contains_cnc": "on" if app.get("ur_contains_cnc") else "",
        "disputes_medical_necessity": "on" if app.get("disputes_medical_necessity", True) else "",
        "formulary_dispute": "on" if app.get("formulary_dispute") else "",
        "claim_number": str(app.get("claim_number") or ""),
        "employer": str(app.get("employer") or ""),
        "employee_name": str(app.get("employee_name") or ""),
        "requesting_physician": str(app.get("requesting_physician") or ""),
        "providers": "\n".join(app.get("providers") or []),
        "notice_method": str(app.get("notice_method") or "electronic"),
    }
