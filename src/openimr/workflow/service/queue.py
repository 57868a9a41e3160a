"""A page of the case list: search, filters, order and paging in one query over the queue's
index (:mod:`.queue_index`), then the page's summaries from a few batched reads.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select
from sqlalchemy.orm import Session

from openimr.errors import InputError
from openimr.store.models import Assignment, Case, CaseItem, CaseQueue, Reviewer
from openimr.workflow.auth import PERMISSIONS
from openimr.workflow.schemas import (
    MAX_PAGE_SIZE,
    Actor,
    AssignmentKind,
    CasePage,
    CaseQuery,
    CaseSort,
    CaseSummary,
    QueueItem,
    Role,
)
from openimr.workflow.service.cases import deadlines
from openimr.workflow.service.queue_index import compact, fold
from openimr.workflow.service.unit import Core
from openimr.workflow.states import CaseStatus


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, its wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _conditions(core: Core, actor: Actor, query: CaseQuery) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    case_id = CaseQueue.case_id
    if actor.role is Role.REVIEWER:  # reviewers see only the cases assigned to them
        where.append(
            exists().where(
                Assignment.case_id == case_id,
                Assignment.reviewer_id == (actor.reviewer_id or -1),
                Assignment.active.is_(True),
            )
        )
    if query.status:
        where.append(CaseQueue.status.in_([s.value for s in query.status]))
    if query.review_type is not None:
        where.append(CaseQueue.review_type == query.review_type)
    if query.reviewer is not None:
        where.append(
            exists().where(
                Assignment.case_id == case_id,
                Assignment.active.is_(True),
                Assignment.reviewer_id == Reviewer.id,
                Reviewer.code == query.reviewer,
            )
        )
    if query.topic is not None:
        where.append(exists().where(CaseItem.case_id == case_id, CaseItem.topic == query.topic))
    if query.q is not None and query.q.strip():
        folded, squeezed = fold(query.q), compact(query.q)
        match = CaseQueue.search_text.like(_like(folded), escape="\\")
        if squeezed and squeezed != folded:
            match = match | CaseQueue.search_text.like(_like(squeezed), escape="\\")
        where.append(match)
    if query.overdue is not None:
        # A closed case has no deadline left: its key is the far date.
        late = CaseQueue.due_key < core.today()
        where.append(late if query.overdue else ~late)
    return where


def _order(sort: CaseSort) -> list[Any]:
    """The ORDER BY of ``sort``, which an index of ``case_queue`` gives in order; the case id
    breaks ties so that pages never overlap."""
    if sort is CaseSort.DEADLINE:
        return [CaseQueue.due_key, CaseQueue.received_on, CaseQueue.case_id]
    if sort is CaseSort.CONFIDENCE:
        return [CaseQueue.confidence_key, CaseQueue.due_key, CaseQueue.case_id]
    if sort is CaseSort.RECEIVED:
        return [CaseQueue.received_on, CaseQueue.case_id]
    if sort is CaseSort.RECEIVED_DESC:
        return [CaseQueue.received_on.desc(), CaseQueue.case_id.desc()]
    if sort is CaseSort.CASE:
        return [CaseQueue.case_key, CaseQueue.case_id]
    return [CaseQueue.case_key.desc(), CaseQueue.case_id.desc()]


def _matching(core: Core, actor: Actor, query: CaseQuery, *columns: Any) -> Select[Any]:
    return select(*columns).select_from(CaseQueue).where(*_conditions(core, actor, query))


def _reviewers(session: Session, ids: list[str]) -> dict[str, str]:
    rows = session.execute(
        select(Assignment.case_id, Reviewer.code)
        .join(Reviewer, Reviewer.id == Assignment.reviewer_id)
        .where(
            Assignment.case_id.in_(ids),
            Assignment.active.is_(True),
            Assignment.kind == AssignmentKind.PRIMARY,
        )
    ).all()
    return {case_id: code for case_id, code in rows}


def _items(session: Session, ids: list[str]) -> dict[str, list[QueueItem]]:
    found: dict[str, list[QueueItem]] = defaultdict(list)
    for row in session.execute(
        select(CaseItem).where(CaseItem.case_id.in_(ids)).order_by(CaseItem.position)
    ).scalars():
        found[row.case_id].append(QueueItem.model_validate(row, from_attributes=True))
    return {case_id: found[case_id] for case_id in ids if case_id in found}


def page(
    core: Core,
    actor: Actor,
    query: CaseQuery,
    *,
    with_items: bool = False,
    with_choices: bool = False,
) -> CasePage:
    """The cases ``query`` asks for, one page of them, and how many match in all.

    ``with_items`` adds each case's disputed treatments and the proposals on them, health
    information: the read is audited (the ids of the cases shown, never the search).
    ``with_choices`` adds what the filters offer (topics; reviewer codes for those who may
    list reviewers), read in the same transaction."""
    with core.unit(actor, write=with_items) as unit:
        unit.allow("case.list")
        session = unit.session
        total = session.execute(_matching(core, actor, query, func.count())).scalar_one()
        # The page's ids walking an index of the narrow queue rows (past any offset without
        # reading a case), then those cases only.
        ids = list(
            session.execute(
                _matching(core, actor, query, CaseQueue.case_id)
                .order_by(*_order(query.sort))
                .limit(query.limit)
                .offset(query.offset)
            ).scalars()
        )
        found = {
            case.id: (case, least)
            for case, least in session.execute(
                select(Case, CaseQueue.least_confidence)
                .join(CaseQueue, CaseQueue.case_id == Case.id)
                .where(Case.id.in_(ids))
            ).all()
        }
        rows = [found[case_id] for case_id in ids if case_id in found]
        reviewers = _reviewers(session, ids) if ids else {}
        summaries = []
        for case, least in rows:
            due = deadlines(core, case)
            summaries.append(
                CaseSummary(
                    id=case.id,
                    external_id=case.external_id,
                    status=case.status,
                    review_type=case.review_type,
                    version=case.version,
                    received_on=case.received_on,
                    deadlines=due,
                    overdue=any(d.overdue for d in due),
                    reviewer=reviewers.get(case.id),
                    least_confidence=least,
                )
            )
        items = _items(session, ids) if with_items and ids else {}
        if with_items and ids:
            unit.record("queue.read", None, cases=ids)
        choices: dict[str, Any] = {}
        if with_choices:
            choices["topics"] = _topics(session)
            if actor.role in PERMISSIONS["reviewer.list"]:
                choices["reviewers"] = _reviewer_codes(session)
        return CasePage(
            cases=summaries,
            total=total,
            limit=query.limit,
            offset=query.offset,
            items=items,
            **choices,
        )


def _topics(session: Session) -> list[tuple[str, str]]:
    """The treatment topics (id, title) proposed on any case, by title: the guideline topics
    in use, which say nothing about any one case (read along the topic index)."""
    rows = session.execute(
        select(CaseItem.topic, func.max(CaseItem.topic_title))
        .where(CaseItem.topic.is_not(None))
        .group_by(CaseItem.topic)
    ).all()
    named = [(str(topic), str(title or topic)) for topic, title in rows]
    return sorted(named, key=lambda pair: (pair[1].casefold(), pair[0]))


def _reviewer_codes(session: Session) -> list[str]:
    return list(session.execute(select(Reviewer.code).order_by(Reviewer.code)).scalars())


def next_case(core: Core, actor: Actor, query: CaseQuery, after: str | None) -> str | None:
    """The case to open after ``after`` in the order of ``query``: the one following it, else
    the first that is not ``after`` (it may have left the list, e.g. once signed)."""
    with core.unit(actor, write=False) as unit:
        unit.allow("case.list")
        ids = list(
            unit.session.execute(
                _matching(core, actor, query, CaseQueue.case_id)
                .order_by(*_order(query.sort))
                .limit(MAX_PAGE_SIZE)
            ).scalars()
        )
    if after in ids:
        position = ids.index(after)
        rest = ids[position + 1 :] + ids[:position]
        return rest[0] if rest else None
    return ids[0] if ids else None


def list_cases(
    core: Core,
    actor: Actor,
    *,
    status: str | None = None,
    overdue: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[CaseSummary]:
    """Cases without health information, newest first; reviewers see only theirs."""
    if status is not None and status not in {s.value for s in CaseStatus}:
        raise InputError(f"unknown status {status!r}", location="status")
    query = CaseQuery(
        status=[CaseStatus(status)] if status is not None else [],
        overdue=overdue,
        limit=limit,
        offset=offset,
    )
    return page(core, actor, query).cases
