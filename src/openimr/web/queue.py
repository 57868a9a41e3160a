"""The queue: search, filters, order and pages of the cases a user works on, and "next case".

The workflow does the searching (:meth:`~openimr.workflow.Workflow.queue`, the API's case list);
this module reads the page's parameters, refusing a bad one with a page naming it, and keeps
them in every link so that paging and sorting never lose the search.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from openimr.casefile.load import describe_validation_error
from openimr.errors import InputError
from openimr.web import forms, views
from openimr.web.failures import workbench_router
from openimr.web.pages import PREFIX, render
from openimr.web.session import Web, signed_in
from openimr.workflow import Role
from openimr.workflow.schemas import MAX_COUNT, CaseQuery, CaseSort
from openimr.workflow.states import CLOSED, REVIEWABLE, CaseStatus

#: Cases a page of the queue shows.
PAGE_SIZE = 50
#: What each role acts on: a reviewer the cases ready for review, intake its desk's steps.
TODO = {
    Role.REVIEWER: frozenset(REVIEWABLE),
    Role.INTAKE: views.INTAKE_WORK,
    Role.ADMIN: frozenset(set(CaseStatus) - CLOSED),
    Role.MEDICAL_DIRECTOR: frozenset({CaseStatus.DETERMINATION_SIGNED}),
}
OPEN = frozenset(set(CaseStatus) - CLOSED)
SHOWS = {"todo": "To do", "open": "Open", "all": "All, including closed"}
SORTS = {
    CaseSort.DEADLINE: "Overdue first, then the next deadline",
    CaseSort.CONFIDENCE: "Least sure proposal first",
    CaseSort.RECEIVED: "Oldest received first",
    CaseSort.RECEIVED_DESC: "Newest received first",
    CaseSort.CASE: "Case number",
}
#: The page's parameters, in the order links carry them.
PARAMETERS = ("show", "q", "status", "review_type", "topic", "reviewer", "overdue", "sort")

router = workbench_router()


@dataclass(frozen=True)
class QueueParams:
    """The queue's parameters as the page was asked for (kept in every link)."""

    show: str
    q: str
    status: str
    review_type: str
    topic: str
    reviewer: str
    overdue: str
    sort: str
    page: int

    def url(self, **changes: Any) -> str:
        """This page's address with ``changes``; empty values are left out."""
        values = {name: getattr(self, name) for name in (*PARAMETERS, "page")}
        values.update(changes)
        values["page"] = values["page"] if values["page"] != 1 else ""
        if values["sort"] == CaseSort.DEADLINE.value:
            values["sort"] = ""
        if values["show"] == "todo":
            values["show"] = ""
        query = urlencode([(k, v) for k, v in values.items() if v not in ("", None)])
        return f"{PREFIX}/" + (f"?{query}" if query else "")

    @property
    def filtered(self) -> bool:
        return any((self.q, self.status, self.review_type, self.topic, self.reviewer, self.overdue))


def _params(request: Request) -> QueueParams:
    raw = request.query_params
    unknown = sorted(set(raw) - {*PARAMETERS, "page", "done"})
    if unknown:
        raise InputError(f"{unknown[0]}: the queue takes no such parameter", location=unknown[0])
    page_text = raw.get("page", "1").strip() or "1"
    if not forms.is_number(page_text) or not 1 <= int(page_text) <= MAX_COUNT // PAGE_SIZE:
        raise InputError("page: a page number is a whole number from 1", location="page")
    show = raw.get("show", "todo") or "todo"
    if show not in SHOWS:
        raise InputError(f"show: one of {', '.join(SHOWS)}", location="show")
    return QueueParams(
        show=show,
        q=raw.get("q", "").strip(),
        status=raw.get("status", ""),
        review_type=raw.get("review_type", ""),
        topic=raw.get("topic", ""),
        reviewer=raw.get("reviewer", ""),
        overdue=raw.get("overdue", ""),
        sort=raw.get("sort", "") or CaseSort.DEADLINE.value,
        page=int(page_text),
    )


def case_query(params: QueueParams, role: Role) -> CaseQuery:
    """The workflow's query for the page's parameters; a bad value names its field."""
    statuses: list[str]
    if params.status:
        statuses = [params.status]
    elif params.show == "all":
        statuses = []
    else:
        statuses = sorted(TODO[role] if params.show == "todo" else OPEN)
    data: dict[str, Any] = {
        "q": params.q or None,
        "status": statuses,
        "review_type": params.review_type or None,
        "topic": params.topic or None,
        "reviewer": params.reviewer or None,
        "overdue": {"": None, "yes": True, "no": False}.get(params.overdue, params.overdue),
        "sort": params.sort,
        "limit": PAGE_SIZE,
        "offset": (params.page - 1) * PAGE_SIZE,
    }
    try:
        return CaseQuery.model_validate(data)
    except ValidationError as exc:
        message, location = describe_validation_error(exc)
        field = re.split(r"[.\[]", location or "")[0] or "query"
        detail = message.removeprefix(f"{location}: ") if location else message
        raise InputError(f"{field}: {detail}", location=field) from None


def _queue_page(web: Web, request: Request) -> Response:
    params = _params(request)
    role = web.actor.role
    query = case_query(params, role)
    workflow = web.workflow
    found = workflow.queue(web.actor, query, with_items=True, with_choices=True)
    pages = max(1, -(-found.total // PAGE_SIZE))
    titles = {
        Role.REVIEWER: "Your cases",
        Role.INTAKE: "Intake work",
        Role.ADMIN: "All cases",
        Role.MEDICAL_DIRECTOR: "Quality review",
    }
    rows = views.queue(found, role)
    return render(
        request,
        "queue.html.j2",
        web.context(
            rows=rows,
            params=params,
            page=found,
            pages=pages,
            first=found.offset + 1 if rows else 0,
            last=found.offset + len(rows),
            shows=SHOWS,
            sorts=SORTS,
            statuses=[(s.value, views.status_label(s.value)) for s in CaseStatus],
            topics=found.topics,
            reviewers=found.reviewers,
            show_proposals=role is not Role.INTAKE,
            title=titles[role],
            today=workflow.today(),
            notice="No case is waiting for you: every case to do is done."
            if request.query_params.get("done") == "none"
            else None,
        ),
    )


@router.get("/")
async def queue(request: Request) -> Response:
    web = await signed_in(request)
    return await run_in_threadpool(_queue_page, web, request)


@router.get("/next")
async def next_case(request: Request, after: str | None = None) -> Response:
    """The next case of the user's to-do list, most urgent first (after signing one)."""
    web = await signed_in(request)
    query = CaseQuery(status=sorted(TODO[web.actor.role]), sort=CaseSort.DEADLINE)
    found = await run_in_threadpool(web.workflow.next_case, web.actor, query, after)
    if found is None:
        return RedirectResponse(f"{PREFIX}/?done=none", status_code=303)
    return RedirectResponse(f"{PREFIX}/cases/{found}", status_code=303)
