"""Rendering a :class:`Determination` as a Final Determination Letter: text, HTML or PDF.

The letter follows the structure of the published letters (header fields, how the
determination was made with the reviewer's credentials, clinical case summary, and per item
the decision, both guidelines and the rationale) in our own words. Templates live in
``templates/``; this module only prepares values. The same determination always gives the
same bytes (no clock, no randomness; the PDF's dates come from the decision date).

Only a signed determination gives a final letter. Any other (the engine's proposal, a
reviewer's unsigned draft) is rendered as a draft: marked DRAFT at its head and foot, in the
PDF on every page, and never titled final, so that a draft cannot pass for the letter.
"""

from __future__ import annotations

import os
import re
import textwrap
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from importlib import resources
from typing import Any, Literal

from openimr.domain import Determination, ItemDetermination
from openimr.errors import LetterError, RenderError
from openimr.knowledge.citations import format_citations
from openimr.letters._fields import (
    NO_RATIONALE_SENTENCE,
    NO_REVIEWER_SENTENCE,
    NO_SUMMARY_SENTENCE,
    NOT_STATED,
)

__all__ = ["Addressee", "LetterFormat", "LetterSettings", "is_signed", "render_letter"]

LetterFormat = Literal["text", "html", "pdf"]
TEXT_WIDTH = 88
_PARAGRAPHS = re.compile(r"\n\s*\n")
_WS = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class LetterSettings:
    """Who issues the letter. ``OPENIMR_ORGANIZATION`` overrides the default name."""

    organization: str = "OpenIMR"

    @classmethod
    def from_environment(cls) -> LetterSettings:
        from openimr.settings import Settings

        name = Settings.load().organization.strip()
        return cls(organization=name) if name else cls()


@dataclass(frozen=True, slots=True)
class Addressee:
    """Whom the letter sent to the parties concerns, as the application names them. Never part
    of the determination, so the published (de-identified) letter, rendered from the
    determination alone, cannot carry them."""

    employee: str | None = None
    claim_number: str | None = None


def _how_made(org: str) -> str:
    return (
        f"{org}, the independent medical review organization, sent the complete case file to "
        "an expert reviewer: a physician with no material professional, family or financial "
        "tie to the injured worker, the employer, the claims administrator or the treating "
        "providers. The reviewer is licensed to practise medicine, is in active clinical "
        "practice, and was chosen for training and experience in evaluating or treating the "
        "condition and the treatment in dispute. The reviewer read every record in the file "
        "and decided each disputed item on medical necessity alone, applying the Medical "
        "Treatment Utilization Schedule (MTUS) first and other evidence-based guidelines only "
        "where the MTUS does not address the treatment (8 CCR 9792.21.1)."
    )


REVIEWER_INTRO = "The expert reviewer's credentials:"
SUMMARY_INTRO = (
    "The expert reviewer prepared the following summary from the medical records and other "
    "documents in the case file:"
)
ISSUES_INTRO = (
    "The final determination consists of the decisions below, one for each disputed item "
    "or service. Upheld means that the expert reviewer found the treatment not medically "
    "necessary, so the utilization review decision stands. Overturned means that the expert "
    "reviewer found the treatment medically necessary, so the utilization review decision is "
    "reversed. The decisions and their reasons follow:"
)
CLOSING = (
    "This determination is the determination of the Administrative Director of the Division "
    "of Workers' Compensation and binds all parties (Labor Code section "
    "4610.6(g)). Where an item is overturned, the claims administrator must authorize the "
    "treatment promptly.",
    "A party may appeal this determination to the Workers' Compensation Appeals Board by "
    "filing a verified petition within 30 days of the date this letter was mailed. An appeal "
    "may succeed only on the limited grounds listed in Labor Code section 4610.6(h); a "
    "disagreement with the medical judgment is not one of them.",
)


DRAFT_TITLE = "DRAFT DETERMINATION LETTER"
DRAFT_NOTICE = (
    "DRAFT: not signed, not a final determination. The expert reviewer has not signed this "
    "determination; it binds no one and may change before it is signed."
)


def is_signed(determination: Determination) -> bool:
    """Whether ``determination`` is one a reviewer signed: the reviewer's, with the reviewer's
    credentials and the decision date that signing fills in. Anything else is a draft."""
    d = determination
    return d.source == "reviewer" and d.reviewer is not None and d.decision_date is not None


def _date(value: date | None) -> str:
    return value.strftime("%m/%d/%Y") if value else NOT_STATED


def _paragraphs(text: str) -> list[str]:
    return [_WS.sub(" ", p).strip() for p in _PARAGRAPHS.split(text) if p.strip()]


def _one_line(text: str | None) -> str:
    return _WS.sub(" ", text or "").strip()


def _item(number: int, item: ItemDetermination) -> dict[str, Any]:
    ca = _one_line(item.claims_administrator_guideline)
    return {
        "number": number,
        "request": _one_line(item.request),
        "decision": item.decision.value.capitalize(),
        "claims_administrator_guideline": ca or f"{NOT_STATED}.",
        "imr_guideline": format_citations(item.citations),
        "rationale": _paragraphs(item.rationale) or [NO_RATIONALE_SENTENCE],
    }


def _context(
    determination: Determination,
    settings: LetterSettings,
    draft: bool | None,
    addressee: Addressee | None = None,
) -> dict[str, Any]:
    d = determination
    draft = not is_signed(d) if draft is None else draft
    org = _one_line(settings.organization) or "OpenIMR"
    case_number = _one_line(d.case_id) or "Not assigned"
    named = addressee or Addressee()
    fields = [
        ("Case Number", case_number),
        *([("Employee", _one_line(named.employee))] if _one_line(named.employee) else []),
        *(
            [("Claim Number", _one_line(named.claim_number))]
            if _one_line(named.claim_number)
            else []
        ),
        ("Date Assigned", _date(d.date_assigned)),
        ("Date of Injury", _date(d.date_of_injury)),
        ("Decision Date", _date(d.decision_date)),
        ("UR Denial Date", _date(d.ur_decision_date)),
        ("Priority", d.priority.capitalize()),
        ("Application Received", _date(d.application_received)),
    ]
    reviewer = None
    if d.reviewer is not None:
        r = d.reviewer
        reviewer = {
            "licensure": ", ".join(_one_line(s) for s in r.licensure) or NOT_STATED,
            "certifications": "; ".join(_one_line(s) for s in r.certifications) or NOT_STATED,
            "specialty": _one_line(r.specialty) or NOT_STATED,
        }
    return {
        "org": org,
        "case_number": case_number,
        "running_header": (
            f"{org} · DRAFT, not a final determination · Case Number {case_number}"
            if draft
            else f"{org} · Final Determination Letter · Case Number {case_number}"
        ),
        "draft": draft,
        "title": DRAFT_TITLE if draft else "FINAL DETERMINATION LETTER",
        "draft_notice": DRAFT_NOTICE,
        "fields": fields,
        "field_rows": [fields[i : i + 2] for i in range(0, len(fields), 2)],
        "label_width": max(len(label) for label, _ in fields) + 1,
        "created": d.decision_date.isoformat() if d.decision_date else None,
        "how_made": _how_made(org),
        "reviewer_intro": REVIEWER_INTRO,
        "reviewer": reviewer,
        "no_reviewer": NO_REVIEWER_SENTENCE,
        "summary_intro": SUMMARY_INTRO,
        "summary": _paragraphs(d.clinical_case_summary) or [NO_SUMMARY_SENTENCE],
        "documents": [_one_line(x) for x in d.documents_reviewed if x.strip()],
        "issues_intro": ISSUES_INTRO,
        "items": [_item(n, item) for n, item in enumerate(d.items, start=1)],
        "closing": CLOSING,
    }


def _wrap(text: str, width: int = TEXT_WIDTH, subsequent_indent: str = "") -> str:
    return textwrap.fill(
        text,
        width=width,
        subsequent_indent=subsequent_indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


_CITATION_LABEL = re.compile(r"(Page\(s\)|Sections?|Chapter): ")


def _keep_labels(text: str) -> str:
    """A citation with each label kept on the line of its value (no-break space)."""
    return _CITATION_LABEL.sub("\\1:\u00a0", text)


def _css_string(text: str) -> Any:
    """Text as the inside of a CSS string in a <style> element (no way out of either)."""
    import markupsafe

    escaped = "".join(f"\\{ord(ch):x} " if ch in '\\"<>&\n' or ord(ch) < 32 else ch for ch in text)
    return markupsafe.Markup(escaped)


@cache
def _environment(autoescape: bool) -> Any:
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("openimr.letters", "templates"),
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["wrap"] = _wrap
    environment.filters["css_string"] = _css_string
    environment.filters["keep_labels"] = _keep_labels
    return environment


@cache
def _css() -> str:
    return (resources.files("openimr.letters") / "templates" / "letter.css").read_text("utf-8")


def render_text(
    determination: Determination,
    settings: LetterSettings | None = None,
    addressee: Addressee | None = None,
    *,
    draft: bool | None = None,
) -> str:
    """The letter as plain text, wrapped at 88 columns (a draft unless signed, or ``draft``)."""
    context = _context(determination, settings or LetterSettings(), draft, addressee)
    text = _environment(False).get_template("letter.txt.j2").render(context)
    return re.sub(r"\n{3,}", "\n\n", text).rstrip("\n") + "\n"


def render_html(
    determination: Determination,
    settings: LetterSettings | None = None,
    addressee: Addressee | None = None,
    *,
    draft: bool | None = None,
) -> str:
    """The letter as a self-contained HTML page (also the source of the PDF)."""
    context = _context(determination, settings or LetterSettings(), draft, addressee)
    import markupsafe

    context["css"] = markupsafe.Markup(_css())
    return _environment(True).get_template("letter.html.j2").render(context)


_PDF_LOCK = threading.Lock()


def render_pdf(
    determination: Determination,
    settings: LetterSettings | None = None,
    addressee: Addressee | None = None,
    *,
    draft: bool | None = None,
) -> bytes:
    """The letter as a PDF, printed from the HTML with WeasyPrint.

    The PDF's dates come from the decision date (HTML metadata). Font subsetting stamps the
    current time into each embedded font unless ``SOURCE_DATE_EPOCH`` is set, so it is set to
    the decision date while the PDF is written: the same determination gives the same bytes.
    """
    import logging
    import warnings

    with warnings.catch_warnings():  # a note about an optional system library, not for users
        warnings.simplefilter("ignore", DeprecationWarning)
        import weasyprint

    html = render_html(determination, settings, addressee, draft=draft)
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    decided = determination.decision_date
    epoch = (
        int(datetime(decided.year, decided.month, decided.day, tzinfo=UTC).timestamp())
        if decided
        else 0
    )
    with _PDF_LOCK:
        previous = os.environ.get("SOURCE_DATE_EPOCH")
        os.environ["SOURCE_DATE_EPOCH"] = str(max(epoch, 0))
        try:
            return weasyprint.HTML(string=html, base_url=None).write_pdf()  # type: ignore[no-any-return]
        except Exception as exc:  # WeasyPrint raises many kinds; none may escape as a traceback
            # Our fault, not the determination's: a server error, never "bad input".
            raise RenderError(
                f"the PDF could not be produced ({type(exc).__name__}: {exc})"
            ) from None
        finally:
            if previous is None:
                os.environ.pop("SOURCE_DATE_EPOCH", None)
            else:
                os.environ["SOURCE_DATE_EPOCH"] = previous


def render_letter(
    determination: Determination,
    fmt: LetterFormat = "text",
    *,
    settings: LetterSettings | None = None,
    draft: bool | None = None,
    employee: str | None = None,
    claim_number: str | None = None,
) -> bytes:
    """The letter for ``determination`` in ``fmt`` (``text``, ``html`` or ``pdf``) as bytes,
    headed with the employee's name and claim number when given (the letter sent to the
    parties; the published letter is rendered without them).

    Text and HTML are UTF-8. The same determination and settings always give the same bytes.
    ``draft`` marks the letter DRAFT; by default a letter is a draft unless the determination
    is signed (:func:`is_signed`). ``draft=False`` on an unsigned one is refused.
    """
    if draft is False and not is_signed(determination):
        raise LetterError(
            "only a signed determination (the reviewer's, with credentials and a decision "
            "date) gives a final letter"
        )
    settings = settings or LetterSettings.from_environment()
    addressee = Addressee(employee, claim_number) if employee or claim_number else None
    if fmt == "text":
        return render_text(determination, settings, addressee, draft=draft).encode("utf-8")
    if fmt == "html":
        return render_html(determination, settings, addressee, draft=draft).encode("utf-8")
    if fmt == "pdf":
        return render_pdf(determination, settings, addressee, draft=draft)
    raise LetterError(f"unknown letter format {fmt!r} (expected text, html or pdf)")
