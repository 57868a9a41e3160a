"""The physician's sign-off on the engine's proposal (pure functions).

The proposal is kept as the engine made it; the reviewer's determination starts as a copy.
For every disputed item the reviewer either accepts the proposal or edits the decision, the
citation or the rationale; a determination can be signed only when every item has been
looked at. What changed from the proposal is always computable, for the workbench and audit.

A determination whose letter would be inconsistent cannot be signed: the letter checker
(:func:`openimr.letters.check.check_determination`) reads the determination as signing would
produce it; an error (a decision its rationale contradicts, a page outside the cited chapter,
an item without a rationale) blocks signing, a warning is passed only with a written reason,
and every item the engine flagged is acknowledged by the reviewer, item by item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openimr.casefile import CaseFile
from openimr.domain import Determination, GuidelineCitation, GuidelineFamily, ItemDetermination
from openimr.domain.determination import ReviewerCredentials
from openimr.errors import InputError, WorkflowError
from openimr.workflow.schemas import DeterminationEdit, ItemChange, ItemReview, SignoffFinding

#: Fields of an item the reviewer may change.
EDITABLE_FIELDS = ("decision", "guideline", "additional_guidelines", "rationale")


def initial_review_state(count: int) -> list[str]:
    return [ItemReview.PENDING] * count


def apply_edit(
    case_file: CaseFile,
    proposal: Determination | None,
    current: Determination | None,
    review: list[str] | None,
    edit: DeterminationEdit,
) -> tuple[Determination, list[str]]:
    """The new draft and per-item review state after the reviewer's edit."""
    base = current or proposal
    count = len(base.items) if base else len(case_file.disputed_items)
    if len(edit.items) != count:
        raise InputError(
            f"expected {count} item(s), one per disputed item, got {len(edit.items)}",
            location="items",
        )
    states = list(review or initial_review_state(count))
    items: list[ItemDetermination] = []
    for index, change in enumerate(edit.items):
        where = f"items[{index}]"
        previous = base.items[index] if base else None
        proposed = proposal.items[index] if proposal and index < len(proposal.items) else None
        if change.action == "accept":
            if proposed is None:
                raise InputError("there is no proposal to accept; edit the item", location=where)
            if any(getattr(change, name) is not None for name in EDITABLE_FIELDS):
                raise InputError("an accepted item takes no changes", location=where)
            items.append(proposed.model_copy(deep=True))
            states[index] = ItemReview.ACCEPTED
            continue
        if previous is None:
            missing = [n for n in ("decision", "guideline") if getattr(change, n) is None]
            if missing:
                raise InputError(
                    f"without a proposal the item needs: {', '.join(missing)}",
                    location=f"{where}.{missing[0]}",
                )
            previous = ItemDetermination(
                request=case_file.disputed_items[index].request,
                decision=change.decision,  # type: ignore[arg-type]
                guideline=change.guideline or GuidelineCitation(family=GuidelineFamily.NONE),
            )
        updates = {
            name: getattr(change, name)
            for name in EDITABLE_FIELDS
            if getattr(change, name) is not None
        }
        if not updates:
            raise InputError(
                "an edited item must change decision, citation or rationale", location=where
            )
        data = previous.model_dump(exclude={"medically_necessary"})
        data.update({k: _plain(v) for k, v in updates.items()})
        items.append(ItemDetermination.model_validate(data))
        states[index] = ItemReview.EDITED
    template = base or _blank(case_file, items)
    draft = template.model_copy(update={"items": items, "source": "reviewer"}, deep=True)
    if edit.clinical_case_summary is not None:
        draft = draft.model_copy(update={"clinical_case_summary": edit.clinical_case_summary})
    # A JSON round trip re-runs every validator (computed fields checked, not trusted).
    return Determination.model_validate_json(draft.model_dump_json()), states


def _plain(value: object) -> object:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "model_dump"):
        return value.model_dump(exclude={"section"})  # type: ignore[attr-defined]
    return value


def _blank(case_file: CaseFile, items: list[ItemDetermination]) -> Determination:
    return Determination(
        case_id=case_file.case_id,
        source="reviewer",
        priority="expedited" if case_file.review_type == "expedited" else "standard",
        date_of_injury=case_file.claimant.date_of_injury,
        ur_decision_date=case_file.ur_decision_date,
        items=items,
    )


def changes(
    proposal: Determination | None, determination: Determination, review: list[str]
) -> list[ItemChange]:
    """Per item: the review state and which editable fields differ from the proposal."""
    result = []
    for index, item in enumerate(determination.items):
        proposed = proposal.items[index] if proposal and index < len(proposal.items) else None
        if proposed is None:
            changed = list(EDITABLE_FIELDS)
        else:
            changed = [
                name for name in EDITABLE_FIELDS if getattr(item, name) != getattr(proposed, name)
            ]
        state = review[index] if index < len(review) else ItemReview.PENDING
        result.append(ItemChange(index=index, review=ItemReview(state), changed_fields=changed))
    return result


def ready_to_sign(review: list[str]) -> None:
    pending = [str(i + 1) for i, state in enumerate(review) if state == ItemReview.PENDING]
    if pending:
        raise WorkflowError(
            f"item(s) {', '.join(pending)} have been neither accepted nor edited; "
            "every item needs the reviewer's decision before signing"
        )


def letter_findings(determination: Determination) -> list[SignoffFinding]:
    """What the letter of ``determination`` would get wrong, item by item (errors first)."""
    from openimr.letters.check import check_determination

    return [
        SignoffFinding(
            item=f.item, severity=f.severity, code=f.code, message=f.message, quote=f.quote
        )
        for f in check_determination(determination)
    ]


def describe(finding: SignoffFinding) -> str:
    """A finding as one line naming its item and code, with the words it rests on."""
    text = finding.message
    if finding.item is not None and not text.startswith(f"item {finding.item} "):
        text = f"item {finding.item}: {text}"
    text += f" [{finding.code}]"
    if finding.quote:
        text += f" (“{finding.quote}”)"
    return text


@dataclass(frozen=True, slots=True)
class Clearance:
    """Why a determination may be signed, for the audit log: the items whose flags the
    reviewer acknowledged, the warnings signed past, and the reviewer's reason for that."""

    acknowledged_flags: list[int]
    overridden: list[SignoffFinding]
    reason: str | None

    def audit(self) -> dict[str, object]:
        return {
            "flags_acknowledged": self.acknowledged_flags,
            "warnings_overridden": [{"item": f.item, "code": f.code} for f in self.overridden],
            "reason": self.reason,
        }


def clear_to_sign(
    review: list[str],
    determination: Determination,
    findings: Sequence[SignoffFinding],
    *,
    acknowledged_flags: Sequence[int] = (),
    reason: str | None = None,
) -> Clearance:
    """Refuse to sign unless every item was looked at, the letter has no error, every flagged
    item is acknowledged, and a warning comes with the reviewer's written reason."""
    ready_to_sign(review)
    count = len(determination.items)
    unknown = sorted({n for n in acknowledged_flags if not 1 <= n <= count})
    if unknown:
        raise InputError(
            f"there is no item {', '.join(map(str, unknown))}; the determination has {count} "
            "item(s), numbered from 1",
            location="acknowledged_flags",
        )
    errors = [f for f in findings if f.severity == "error"]
    if errors:
        raise WorkflowError(
            "the letter would be inconsistent; correct the determination before signing: "
            + "; ".join(describe(f) for f in errors)
        )
    acknowledged = sorted(set(acknowledged_flags))
    unacknowledged = [
        f"item {n} ({', '.join(dict.fromkeys(flag.code for flag in item.flags))})"
        for n, item in enumerate(determination.items, start=1)
        if item.flags and n not in acknowledged
    ]
    if unacknowledged:
        raise InputError(
            "acknowledge the flags the engine raised before signing: " + "; ".join(unacknowledged),
            location="acknowledged_flags",
        )
    warnings = [f for f in findings if f.severity == "warning"]
    written = (reason or "").strip() or None
    if warnings and written is None:
        raise InputError(
            "the letter checker warns: "
            + "; ".join(describe(f) for f in warnings)
            + ". Sign past a warning only with a written reason",
            location="reason",
        )
    return Clearance(
        acknowledged_flags=[n for n in acknowledged if determination.items[n - 1].flags],
        overridden=warnings,
        reason=written if warnings else None,
    )


def finalize(
    draft: Determination,
    *,
    case_id: str,
    credentials: ReviewerCredentials,
    decision_date: date,
    date_assigned: date | None,
    application_received: date,
    priority: str,
) -> Determination:
    """The determination as signed: the reviewer's source, credentials and dates filled in."""
    return draft.model_copy(
        update={
            "case_id": case_id,
            "source": "reviewer",
            "reviewer": credentials,
            "decision_date": decision_date,
            "date_assigned": date_assigned,
            "application_received": application_received,
            "priority": priority,
        },
        deep=True,
    )
