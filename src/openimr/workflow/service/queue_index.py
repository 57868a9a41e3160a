"""What the case queue searches and sorts by, kept in ``case_queue`` and ``case_items`` as cases
change: when a case arrives or is screened again (its numbers and the claimant's names), when its
deadlines are stored (the next one due) and when a proposal is stored (each disputed treatment's
topic, proposed decision and confidence). A page of thousands of cases is then one indexed
query, never a read of every case file or proposal.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from openimr.casefile import CaseFile
from openimr.errors import StoreError
from openimr.store.models import Case, CaseItem, CaseQueue
from openimr.workflow.schemas import DeadlineView
from openimr.workflow.states import CLOSED

_SPACES = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[\W_]+")
#: Separates the searched values, so that no search matches across two of them.
_SEPARATOR = " | "


def fold(text: str) -> str:
    """Lower case, without accents, single spaces: how searched text and searches compare."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACES.sub(" ", bare.casefold()).strip()


def compact(text: str) -> str:
    """Folded, letters and digits only: claim numbers match however they are punctuated."""
    return _NOT_ALNUM.sub("", fold(text))


def search_text(values: Iterable[str | None]) -> str:
    """The searched text of a case: each value folded, then each without punctuation."""
    present = list(dict.fromkeys(v.strip() for v in values if v and v.strip()))
    folded = [fold(v) for v in present]
    squeezed = [c for c in (compact(v) for v in present) if c and c not in folded]
    return _SEPARATOR.join(folded + squeezed)


def searched_values(case: Case, case_file: CaseFile) -> list[str | None]:
    """Case numbers, the claimant's names and the claim numbers of a case."""
    application = case.application or {}
    values: list[str | None] = [case.id, case.external_id, application.get("claim_number")]
    values.append(application.get("employee_name"))
    parties = case_file.parties
    if parties is not None:
        if parties.claimant is not None:
            values += [parties.claimant.name, *parties.claimant.aliases]
        values += list(parties.claim_numbers)
    return values


#: Sorts after every deadline: a case with none left (all met, or closed) comes last.
NO_DEADLINE = date(9999, 12, 31)
#: Sorts after every confidence (a probability): a case without a proposal comes last.
NO_CONFIDENCE = 2.0


def _row(session: Session, case_id: str) -> CaseQueue:
    """The case's queue row, made from the case if it has none yet."""
    row = session.get(CaseQueue, case_id)
    if row is None:
        case = session.get(Case, case_id)
        if case is None:
            raise StoreError(f"no case {case_id} to index")
        row = CaseQueue(
            case_id=case.id,
            status=case.status,
            review_type=case.review_type,
            received_on=case.received_on,
            case_key=(case.external_id or case.id)[:200],
            search_text=search_text([case.id, case.external_id]),
            next_due_on=None,
            due_key=NO_DEADLINE,
            least_confidence=None,
            confidence_key=NO_CONFIDENCE,
        )
        session.add(row)
        session.flush()
    return row


def index_status(session: Session, case_id: str, status: str) -> None:
    """The case moved to ``status`` (every transition calls this)."""
    _row(session, case_id).status = status


def index_case(session: Session, case: Case, case_file: CaseFile) -> None:
    """The case's searched text and its disputed treatments, as the case file states them."""
    row = _row(session, case.id)
    row.search_text = search_text(searched_values(case, case_file))
    row.status, row.received_on = case.status, case.received_on
    requests = [item.request for item in case_file.disputed_items]
    items = {
        item.position: item
        for item in session.execute(select(CaseItem).where(CaseItem.case_id == case.id)).scalars()
    }
    for position, request in enumerate(requests):
        row = items.get(position)
        if row is None:
            session.add(CaseItem(case_id=case.id, position=position, request=request))
        elif row.request != request:
            row.request = request
    if len(items) > len(requests):
        session.execute(
            delete(CaseItem).where(CaseItem.case_id == case.id, CaseItem.position >= len(requests))
        )


def index_deadlines(session: Session, case: Case, views: Sequence[DeadlineView]) -> None:
    """The earliest deadline not yet met (none for a closed case): the queue's order."""
    due = [v.due_on for v in views if v.met_on is None]
    next_due: date | None = None if case.status in CLOSED or not due else min(due)
    row = _row(session, case.id)
    row.next_due_on, row.due_key = next_due, next_due or NO_DEADLINE


def proposal_items(content: str) -> list[dict[str, Any]]:
    """Each item of a stored proposal as the queue keeps it."""
    out = []
    for item in json.loads(content).get("items") or []:
        normalized = item.get("normalized") or {}
        out.append(
            {
                "request": str(item.get("request") or ""),
                "topic": normalized.get("topic"),
                "topic_title": normalized.get("topic_title"),
                "decision": item.get("decision"),
                "confidence": item.get("confidence"),
            }
        )
    return out


def index_proposal(session: Session, case_id: str, content: str) -> None:
    """The latest proposal's topic, decision and confidence on each disputed treatment."""
    found = proposal_items(content)
    items = {
        item.position: item
        for item in session.execute(select(CaseItem).where(CaseItem.case_id == case_id)).scalars()
    }
    for position, values in enumerate(found):
        row = items.get(position)
        if row is None:
            row = CaseItem(case_id=case_id, position=position, request=values["request"])
            session.add(row)
        row.topic = (values["topic"] or None) and str(values["topic"])[:100]
        row.topic_title = (values["topic_title"] or None) and str(values["topic_title"])[:300]
        row.decision = values["decision"]
        row.confidence = values["confidence"]
    confidences = [v["confidence"] for v in found if v["confidence"] is not None]
    row = _row(session, case_id)
    row.least_confidence = min(confidences) if confidences else None
    row.confidence_key = NO_CONFIDENCE if row.least_confidence is None else row.least_confidence
