"""What the pages show, prepared from workflow results (no database access here).

Templates stay logic-free: the queue order, each criterion's evidence located in its record,
and each item's differences from the engine's proposal are computed in these functions.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

from openimr.domain import Determination, ItemDetermination
from openimr.knowledge.citations import format_citation
from openimr.web.forms import DraftValues, ItemValues
from openimr.web.highlight import Span, anchor_id, locate, page_count, render_record
from openimr.workflow.rules import workflow_rules
from openimr.workflow.schemas import (
    CasePage,
    CaseSummary,
    DeadlineView,
    DeterminationStatus,
    DeterminationView,
    ItemReview,
    QueueItem,
    Role,
)
from openimr.workflow.states import CLOSED, REVIEWABLE, CaseStatus

STATUS_LABELS = {
    CaseStatus.APPLICATION_RECEIVED: "Application received",
    CaseStatus.NEEDS_INFORMATION: "Needs information",
    CaseStatus.ELIGIBLE: "Eligible, to assign",
    CaseStatus.INELIGIBLE: "Ineligible",
    CaseStatus.ASSIGNED: "Assigned, awaiting records",
    CaseStatus.RECORDS_COMPLETE: "Ready for review",
    CaseStatus.IN_REVIEW: "In review",
    CaseStatus.DETERMINATION_SIGNED: "Signed",
    CaseStatus.LETTER_ISSUED: "Letter issued",
    CaseStatus.WITHDRAWN: "Withdrawn",
    CaseStatus.TERMINATED: "Terminated",
}

#: What the intake desk acts on: screening, assignment, records, the letter after signing.
INTAKE_WORK = frozenset(
    {
        CaseStatus.APPLICATION_RECEIVED,
        CaseStatus.NEEDS_INFORMATION,
        CaseStatus.ELIGIBLE,
        CaseStatus.ASSIGNED,
        CaseStatus.DETERMINATION_SIGNED,
    }
)

_NEXT_STEP = {
    Role.REVIEWER: {
        CaseStatus.ASSIGNED: "Wait for records",
        CaseStatus.RECORDS_COMPLETE: "Review",
        CaseStatus.IN_REVIEW: "Finish and sign",
        CaseStatus.DETERMINATION_SIGNED: "Letter pending",
    },
    Role.INTAKE: {
        CaseStatus.APPLICATION_RECEIVED: "Screen",
        CaseStatus.NEEDS_INFORMATION: "Complete the application",
        CaseStatus.ELIGIBLE: "Assign a reviewer",
        CaseStatus.ASSIGNED: "Collect records",
        CaseStatus.RECORDS_COMPLETE: "With the reviewer",
        CaseStatus.IN_REVIEW: "With the reviewer",
        CaseStatus.DETERMINATION_SIGNED: "Issue the letter",
    },
}

MET_LABELS = {True: "Met", False: "Not met", None: "Not documented"}
MET_CLASSES = {True: "met", False: "unmet", None: "undocumented"}
FIELD_LABELS = {
    "decision": "Decision",
    "guideline": "Guideline citation",
    "additional_guidelines": "Additional guidelines",
    "rationale": "Rationale",
}


def status_label(status: str) -> str:
    try:
        return STATUS_LABELS[CaseStatus(status)]
    except ValueError:
        return status.replace("_", " ")


def format_date(value: date | str | None) -> str:
    """Dates month first with the month named (no day-month ambiguity); ISO strings too."""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            return value
    return value.strftime("%b %d, %Y").replace(" 0", " ") if value else "not stated"


@cache
def zone() -> ZoneInfo:
    """California, where deadlines are counted and letters dated (the rules' time zone)."""
    return ZoneInfo(workflow_rules().timezone)


def local(moment: datetime) -> datetime:
    """A stored moment (UTC; SQLite gives it back without its zone) in California."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone())


def local_date(moment: datetime | None) -> str:
    """The California date of a stored moment, month first: the day it was in California,
    which is the next UTC day for anything done after 4 or 5 p.m. there."""
    return format_date(local(moment).date()) if moment is not None else "not stated"


def local_time(moment: datetime | None) -> str:
    """A stored moment as California date and time, with PST or PDT."""
    if moment is None:
        return "not stated"
    shown = local(moment)
    clock = shown.strftime("%I:%M %p").lstrip("0")
    return f"{format_date(shown.date())}, {clock} {shown.tzname()}"


def sentence(text: str) -> str:
    """A message from the workflow as a sentence (they start in lower case)."""
    return text[:1].upper() + text[1:]


def decision_label(decision: str) -> str:
    return {"upheld": "Upheld", "overturned": "Overturned"}.get(decision, decision)


def decision_meaning(decision: str) -> str:
    return {
        "upheld": "not medically necessary",
        "overturned": "medically necessary",
    }.get(decision, "")


# -- the queue ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueRow:
    case: CaseSummary
    status_label: str
    next_deadline: DeadlineView | None
    next_step: str
    closed: bool
    #: The disputed treatments, least sure proposal first (what the physician reads first).
    items: list[QueueItem] = field(default_factory=list)


def next_deadline(deadlines: Sequence[DeadlineView]) -> DeadlineView | None:
    """The earliest deadline not yet met (the one the case is working toward)."""
    open_ = [d for d in deadlines if d.met_on is None]
    return min(open_, key=lambda d: (d.due_on, d.name)) if open_ else None


def _least_sure_first(items: Sequence[QueueItem]) -> list[QueueItem]:
    order = sorted(
        enumerate(items),
        key=lambda pair: (pair[1].confidence is None, pair[1].confidence or 0.0, pair[0]),
    )
    return [item for _, item in order]


def queue(page: CasePage, role: Role) -> list[QueueRow]:
    """The rows of a page of the queue, in the order the workflow gave them."""
    closed_states = {s.value for s in CLOSED}
    rows = []
    for case in page.cases:
        closed = case.status in closed_states
        due = None if closed else next_deadline(case.deadlines)
        try:
            step = _NEXT_STEP.get(role, _NEXT_STEP[Role.INTAKE]).get(CaseStatus(case.status), "")
        except ValueError:
            step = ""
        rows.append(
            QueueRow(
                case,
                status_label(case.status),
                due,
                "" if closed else step,
                closed,
                _least_sure_first(page.items.get(case.id, [])),
            )
        )
    return rows


def days_phrase(deadline: DeadlineView) -> str:
    if deadline.met_on is not None:
        return "late" if deadline.late else "met"
    if deadline.days_left is None:
        return ""
    if deadline.overdue or deadline.days_left < 0:
        days = abs(deadline.days_left)
        return f"overdue by {days} day{'s' if days != 1 else ''}"
    if deadline.days_left == 0:
        return "due today"
    return f"{deadline.days_left} day{'s' if deadline.days_left != 1 else ''} left"


# -- records and evidence ----------------------------------------------------------------


@dataclass
class EvidenceView:
    anchor: str | None
    record_index: int
    record_label: str
    quote: str
    page: int | None = None
    document_id: int | None = None
    #: Where the quote is in its record: the page picture marks it by place, not by words.
    start: int = 0
    end: int = 0


@dataclass
class CriterionView:
    text: str
    met_label: str
    met_class: str
    required: bool
    finding: str | None
    evidence: list[EvidenceView]


@dataclass
class RecordView:
    index: int
    label: str
    kind: str
    date: str
    author: str
    pages: int
    html: Markup
    spans: int
    document_id: int | None = None
    #: The document's pages the record was read from (pictures of them can be shown).
    source_pages: list[int] = field(default_factory=list)


RECORD_KINDS = {
    "progress_report": "Progress report",
    "consultation": "Consultation",
    "imaging": "Imaging",
    "ur_determination": "UR determination",
    "clinical_summary": "Clinical summary",
    "operative_report": "Operative report",
    "other": "Other record",
}


def record_kind(kind: str | None) -> str:
    return RECORD_KINDS.get(kind or "other", (kind or "record").replace("_", " ").capitalize())


def record_label(index: int, record: dict[str, Any]) -> str:
    return f"Record {index + 1}: {record_kind(record.get('kind'))}"


def _document_of(documents: Sequence[int | None], index: int) -> int | None:
    return documents[index] if 0 <= index < len(documents) else None


def _source_pages(record: dict[str, Any]) -> list[int]:
    source = record.get("source") or {}
    first, last = source.get("first_page"), source.get("last_page")
    return list(range(first, last + 1)) if isinstance(first, int) and isinstance(last, int) else []


def _page_of(record: dict[str, Any], position: int) -> int | None:
    """The page of the record's document holding ``position`` of its text, if it has one."""
    for span in (record.get("source") or {}).get("page_map") or []:
        if span["start"] <= position < span["end"]:
            return int(span["page"])
    return None


def _records_and_spans(
    records: list[dict[str, Any]], items: Sequence[ItemDetermination]
) -> tuple[list[list[Span]], dict[tuple[int, int, int, str], str | None]]:
    texts = [str(r.get("text") or "") for r in records]
    spans: list[list[Span]] = [[] for _ in records]
    located: dict[tuple[int, int, int, str], str | None] = {}
    for item in items:
        for criterion in item.criteria:
            for ev in criterion.evidence:
                key = (ev.record_index, ev.start, ev.end, ev.quote)
                if key in located:
                    continue
                where = locate(ev, texts)
                if where is None:
                    located[key] = None
                    continue
                anchor = anchor_id(ev.record_index, *where)
                located[key] = anchor
                spans[ev.record_index].append(Span(where[0], where[1], anchor))
    return spans, located


def records_view(
    records: list[dict[str, Any]],
    items: Sequence[ItemDetermination],
    documents: Sequence[int | None] = (),
) -> tuple[list[RecordView], dict[tuple[int, int, int, str], str | None]]:
    """Every record rendered with the spans any criterion cites, and where each span went;
    ``documents`` names the stored document each record was read from, if any."""
    spans, located = _records_and_spans(records, items)
    views = []
    for index, record in enumerate(records):
        text = str(record.get("text") or "")
        author = ", ".join(str(record[k]) for k in ("author", "specialty") if record.get(k))
        record_date = record.get("date")
        views.append(
            RecordView(
                index=index,
                label=record_label(index, record),
                kind=record_kind(record.get("kind")),
                date=format_date(date.fromisoformat(record_date)) if record_date else "undated",
                author=author,
                pages=page_count(text),
                html=render_record(text, spans[index]),
                spans=len({s.anchor for s in spans[index]}),
                document_id=(document := _document_of(documents, index)),
                source_pages=_source_pages(record) if document is not None else [],
            )
        )
    return views, located


def criteria_view(
    item: ItemDetermination,
    records: list[dict[str, Any]],
    located: dict[tuple[int, int, int, str], str | None],
    documents: Sequence[int | None] = (),
) -> list[CriterionView]:
    out = []
    for criterion in item.criteria:
        evidence = []
        for ev in criterion.evidence:
            known = 0 <= ev.record_index < len(records)
            label = (
                record_label(ev.record_index, records[ev.record_index])
                if known
                else f"Record {ev.record_index + 1} (not in the file)"
            )
            page = ev.page
            if page is None and known:  # a draft saved before evidence named its page
                page = _page_of(records[ev.record_index], ev.start)
            evidence.append(
                EvidenceView(
                    anchor=located.get((ev.record_index, ev.start, ev.end, ev.quote)),
                    record_index=ev.record_index,
                    record_label=label,
                    quote=ev.quote,
                    page=page,
                    document_id=_document_of(documents, ev.record_index),
                    start=ev.start,
                    end=ev.end,
                )
            )
        out.append(
            CriterionView(
                text=criterion.text,
                met_label=MET_LABELS[criterion.met],
                met_class=MET_CLASSES[criterion.met],
                required=criterion.required,
                finding=criterion.finding,
                evidence=evidence,
            )
        )
    return out


# -- differences ---------------------------------------------------------------------------

_TOKENS = re.compile(r"\s+|[^\s]+")


#: Unchanged words kept on each side of a change; longer unchanged stretches are cut.
DIFF_CONTEXT_TOKENS = 24
_ELIDED = '<span class="elided" title="unchanged words left out">…</span>'


def _unchanged(tokens: list[str], *, first: bool, last: bool) -> str:
    """An unchanged stretch, cut to the words next to the changes around it."""
    keep = DIFF_CONTEXT_TOKENS
    if len(tokens) <= keep * 2 + 8:
        return str(escape("".join(tokens)))
    head = "" if first else str(escape("".join(tokens[:keep])))
    tail = "" if last else str(escape("".join(tokens[-keep:])))
    return f"{head}{_ELIDED}{tail}"


@dataclass(frozen=True)
class WordChanges:
    """A text's change shown on two sides, never interleaved: the old text with the removed
    words struck (``<del>``), then the new text with the added words marked (``<ins>``)."""

    before: Markup
    after: Markup


#: A change, an unchanged stretch of at most one short word, and a change read as one
#: rewritten phrase: "patient has improved" -> "worker has not improved" strikes "patient has"
#: and marks "worker has not", rather than alternating fragments.
_GAP_WORD_CHARS = 4


def _small_gap(tokens: list[str]) -> bool:
    words = [t for t in tokens if not t.isspace()]
    return not words or (len(words) == 1 and len(words[0]) <= _GAP_WORD_CHARS)


def _blocks(a: list[str], b: list[str]) -> list[tuple[bool, int, int, int, int]]:
    """(changed, i1, i2, j1, j2) runs of ``a`` -> ``b``, with changes separated only by a
    small gap merged into one."""
    opcodes = difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes()
    blocks: list[tuple[bool, int, int, int, int]] = []
    for index, (op, i1, i2, j1, j2) in enumerate(opcodes):
        changed = op != "equal"
        inner = 0 < index < len(opcodes) - 1
        if not changed and inner and _small_gap(a[i1:i2]):
            changed = True
        if changed and blocks and blocks[-1][0]:
            _, p1, _, q1, _ = blocks.pop()
            blocks.append((True, p1, i2, q1, j2))
        else:
            blocks.append((changed, i1, i2, j1, j2))
    return blocks


def word_changes(before: str, after: str) -> WordChanges:
    """How ``after`` changes ``before``, word by word (difflib), shown on two sides; long
    unchanged stretches are cut so that a small edit to a long rationale stands out."""
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    old: list[str] = []
    new: list[str] = []
    blocks = _blocks(a, b)
    for index, (changed, i1, i2, j1, j2) in enumerate(blocks):
        if not changed:
            edge = {"first": index == 0, "last": index == len(blocks) - 1}
            old.append(_unchanged(a[i1:i2], **edge))
            new.append(_unchanged(b[j1:j2], **edge))
            continue
        if i2 > i1:
            old.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            new.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return WordChanges(Markup("".join(old)), Markup("".join(new)))


@dataclass
class FieldDiff:
    label: str
    before: str
    after: str
    inline: WordChanges | None = None


def item_differences(before: ItemValues | None, after: ItemValues) -> list[FieldDiff]:
    """What ``after`` changes in ``before`` (the decision, the citation, the rationale)."""
    if before is None:
        return []
    diffs = []
    if before.decision != after.decision:
        diffs.append(
            FieldDiff("Decision", decision_label(before.decision), decision_label(after.decision))
        )
    if before.citation_key() != after.citation_key():
        diffs.append(FieldDiff("Guideline citation", citation_text(before), citation_text(after)))
    if before.rationale != after.rationale:
        diffs.append(
            FieldDiff(
                "Rationale",
                before.rationale,
                after.rationale,
                word_changes(before.rationale, after.rationale),
            )
        )
    return diffs


def citation_text(values: ItemValues) -> str:
    try:
        return format_citation(values.citation(0))
    except Exception:  # what was typed may not be a valid citation yet
        return " · ".join(p for p in values.citation_key() if p)


# -- the determination on the case page ----------------------------------------------------


@dataclass
class ItemView:
    index: int
    request: str
    ur_decision: str | None
    ur_modification: Any
    shown: ItemDetermination | None
    proposed: ItemDetermination | None
    values: ItemValues
    proposal_values: ItemValues | None
    review: str
    criteria: list[CriterionView]
    citations: list[str]
    additional: list[str]
    proposed_citations: list[str] = field(default_factory=list)
    changes: list[FieldDiff] = field(default_factory=list)
    unsaved: list[FieldDiff] = field(default_factory=list)
    conflict: list[FieldDiff] = field(default_factory=list)


#: Proposals the engine is less sure of than this (its calibrated probability that a reviewer
#: decides the same) are marked for the physician to read first.
READ_FIRST_BELOW = 0.9


def confidence_of(item: ItemView) -> float | None:
    return item.proposed.confidence if item.proposed is not None else None


def read_first(items: Sequence[ItemView]) -> list[ItemView]:
    """The items to read first: proposals below :data:`READ_FIRST_BELOW`, least sure first."""
    unsure = [
        item
        for item in items
        if (confidence := confidence_of(item)) is not None and confidence < READ_FIRST_BELOW
    ]
    return sorted(unsure, key=lambda item: (confidence_of(item) or 0.0, item.index))


def confidence_label(confidence: float | None) -> str:
    """How sure the engine is, as a physician reads it: a percentage of agreement."""
    if confidence is None:
        return "no proposal"
    return f"{round(confidence * 100)}% likely to match a reviewer"


REVIEW_LABELS = {
    ItemReview.PENDING: "Not yet reviewed",
    ItemReview.ACCEPTED: "Proposal accepted",
    ItemReview.EDITED: "Edited",
}


def item_views(
    case_file: dict[str, Any],
    proposal: Determination | None,
    view: DeterminationView | None,
    located: dict[tuple[int, int, int, str], str | None],
    submitted: DraftValues | None,
    documents: Sequence[int | None] = (),
) -> list[ItemView]:
    """Per disputed item: what the form shows, the proposal, and every difference."""
    draft = view.determination if view is not None else None
    disputed = case_file.get("disputed_items") or []
    count = len(draft.items if draft else proposal.items if proposal else disputed)
    reviews = {c.index: c.review for c in view.items} if view is not None else {}
    records = case_file.get("records") or []
    out = []
    for index in range(count):
        proposed = proposal.items[index] if proposal and index < len(proposal.items) else None
        saved = draft.items[index] if draft and index < len(draft.items) else None
        shown = saved or proposed
        saved_values = ItemValues.from_item(shown) if shown is not None else ItemValues.blank()
        values = (
            submitted.items[index]
            if submitted is not None and index < len(submitted.items)
            else saved_values
        )
        proposal_values = ItemValues.from_item(proposed) if proposed is not None else None
        raw = disputed[index] if index < len(disputed) else {}
        request = shown.request if shown is not None else str(raw.get("request", ""))
        item = ItemView(
            index=index,
            request=request,
            ur_decision=raw.get("ur_decision"),
            ur_modification=shown.ur_modification if shown is not None else None,
            shown=shown,
            proposed=proposed,
            values=values,
            proposal_values=proposal_values,
            review=REVIEW_LABELS.get(reviews.get(index, ItemReview.PENDING), "Not yet reviewed"),
            criteria=criteria_view(shown, records, located, documents) if shown else [],
            citations=[format_citation(c) for c in shown.citations] if shown else [],
            additional=[format_citation(c) for c in shown.additional_guidelines] if shown else [],
            proposed_citations=[format_citation(c) for c in proposed.citations] if proposed else [],
        )
        if saved is not None:
            item.changes = item_differences(proposal_values, saved_values)
        if submitted is not None:
            item.unsaved = item_differences(saved_values, values)
        out.append(item)
    return out


def proposal_values(items: Sequence[ItemView]) -> dict[str, dict[str, str]]:
    """Each item's form values as proposed, by item index: what "accept the proposal" puts
    back into the form."""
    return {
        str(item.index): dataclasses.asdict(item.proposal_values)
        for item in items
        if item.proposal_values is not None
    }


def can_edit(role: Role, status: str, view: DeterminationView | None) -> bool:
    return (
        role is Role.REVIEWER
        and status in {s.value for s in REVIEWABLE}
        and (view is None or view.status != DeterminationStatus.SIGNED)
    )
