"""The reviewer's pages: the queue, the case with the proposal and the draft, saving, signing.

Every page calls the same :class:`~openimr.workflow.Workflow` methods the API calls, with the
actor of the session, so role and assignment checks and the audit log are the API's. A POST
is answered with a redirect when it succeeds, or with the page again, holding what was
typed, when it does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from openimr.casefile import RecordKind
from openimr.domain import Determination
from openimr.errors import (
    AccessDenied,
    ComponentUnavailable,
    ConflictError,
    InputError,
    NotFound,
    OpenIMRError,
    http_status,
)
from openimr.web import corpus, forms, views
from openimr.web.failures import workbench_router
from openimr.web.pages import PREFIX, render
from openimr.web.session import Web, posted, signed_in
from openimr.workflow import Actor, Role
from openimr.workflow.schemas import (
    CaseDetail,
    DeterminationStatus,
    DeterminationView,
    ItemReview,
    SignoffFinding,
)
from openimr.workflow.states import CaseStatus

#: Statuses in which a case has a reviewer and so a proposal worth showing.
_REVIEW_STATES = frozenset(
    {
        CaseStatus.ASSIGNED.value,
        CaseStatus.RECORDS_COMPLETE.value,
        CaseStatus.IN_REVIEW.value,
        CaseStatus.DETERMINATION_SIGNED.value,
        CaseStatus.LETTER_ISSUED.value,
    }
)

#: Statuses in which intake may choose or change the reviewer from the case page.
_ASSIGNABLE_HERE = frozenset(
    {CaseStatus.ELIGIBLE, CaseStatus.ASSIGNED, CaseStatus.RECORDS_COMPLETE}
)
#: Statuses in which the letter can be shown.
_LETTER_READY = frozenset({CaseStatus.DETERMINATION_SIGNED, CaseStatus.LETTER_ISSUED})

_NOTICES = {
    "created": "The application was received and screened.",
    "screened": "The application was screened again.",
    "assigned": "The reviewer was assigned.",
    "records": "The records are marked complete; the review may begin.",
    "document": "The record was added to the case.",
    "saved": "Your draft was saved.",
    "signed": "The determination is signed. The letter is ready.",
    "withdrawn": "The application was withdrawn; the case is closed.",
    "terminated": "The review was terminated; the case is closed.",
    "released": "The quality review is done; the letter is released.",
}


router = workbench_router()

# -- the case page -------------------------------------------------------------------------


def case_page_response(
    web: Web,
    case_id: str,
    *,
    status: int = 200,
    submitted: forms.DraftValues | None = None,
    conflict: str | None = None,
    error: str | None = None,
    error_field: str | None = None,
    notice: str | None = None,
    intake_values: dict[str, str] | None = None,
    sign_values: SignValues | None = None,
) -> Response:
    """The case with its records, the proposal and the reviewer's draft (every read audited)."""
    workflow, actor = web.workflow, web.actor
    detail = workflow.get_case(actor, case_id)
    proposal, proposal_error, view = _review_of(web, detail)
    records = list(detail.case_file.get("records") or [])
    shown = [*(proposal.items if proposal else [])]
    if view is not None and view.determination is not None:
        shown += view.determination.items
    record_views, located = views.records_view(records, shown, detail.record_documents)
    draft = view.determination if view is not None else None
    summary_saved = (
        draft.clinical_case_summary if draft else proposal.clinical_case_summary if proposal else ""
    )
    reviewers = []
    if actor.role in {Role.INTAKE, Role.ADMIN} and detail.status in _ASSIGNABLE_HERE:
        reviewers = workflow.list_reviewers(actor)
    return render(
        web.request,
        "case.html.j2",
        web.context(
            case=detail,
            claimant=detail.case_file.get("claimant") or {},
            records=record_views,
            proposal=proposal,
            proposal_error=proposal_error,
            view=view,
            items=(
                items := views.item_views(
                    detail.case_file, proposal, view, located, submitted, detail.record_documents
                )
            ),
            read_first=views.read_first(items),
            similar=corpus.similar_panels(web, items, summary_saved),
            summary_value=submitted.summary if submitted is not None else summary_saved,
            summary_unsaved=submitted is not None and submitted.summary != summary_saved,
            summary_saved=summary_saved,
            summary_proposed=proposal.clinical_case_summary if proposal else None,
            form_version=view.version if view is not None else 0,
            editable=views.can_edit(actor.role, detail.status, view),
            signed=view is not None and view.status == DeterminationStatus.SIGNED,
            submitted=submitted is not None,
            conflict=conflict,
            conflict_from=submitted.version if submitted is not None else None,
            error=error,
            error_field=error_field,
            notice=notice,
            reviewers=reviewers,
            application=forms.application_defaults(detail.application)
            if intake_values is None
            else intake_values,
            families=forms.FAMILY_CHOICES,
            letter_ready=detail.status in _LETTER_READY,
            next_deadline=views.next_deadline(detail.deadlines),
            edited_count=sum(
                1 for c in (view.items if view else []) if c.review == ItemReview.EDITED
            ),
            record_kinds=[(k.value, views.record_kind(k.value)) for k in RecordKind],
            **_signoff_context(actor, detail, view, sign_values),
        ),
        status=status,
    )


@dataclass(frozen=True)
class SignValues:
    """What the reviewer sent with a refused signature, to show again: the items whose flags
    they acknowledged and their reason for signing past warnings."""

    acknowledged: list[int]
    reason: str

    @classmethod
    def from_form(cls, form: FormData) -> SignValues:
        acknowledged = sorted(
            {int(v) for v in form.getlist("ack") if isinstance(v, str) and forms.is_number(v)}
        )
        return cls(acknowledged=acknowledged, reason=forms.text_field(form, "reason"))


_SEVERITY_LABELS = {"error": "Error", "warning": "Warning", "info": "Note"}


def _signoff_context(
    actor: Actor, detail: CaseDetail, view: DeterminationView | None, sent: SignValues | None
) -> dict[str, Any]:
    """The letter checker's findings by item, the flagged items, and what a refused
    signature sent, for the items and the sign panel."""
    findings: dict[int | None, list[SignoffFinding]] = {}
    for finding in view.findings if view is not None else []:
        findings.setdefault(finding.item, []).append(finding)
    items = view.determination.items if view is not None and view.determination else []
    return {
        "findings_by_item": findings,
        "severity_label": _SEVERITY_LABELS,
        "can_sign": actor.role is Role.REVIEWER
        and view is not None
        and view.status == DeterminationStatus.DRAFT
        and detail.status == CaseStatus.IN_REVIEW,
        "flagged": [n for n, item in enumerate(items, start=1) if item.flags],
        "acknowledged": sent.acknowledged if sent is not None else [],
        "sign_reason": sent.reason if sent is not None else "",
    }


def _review_of(
    web: Web, detail: CaseDetail
) -> tuple[Determination | None, str | None, DeterminationView | None]:
    """The proposal (or why the engine could not make one) and the draft, for those who may
    see them: the reviewer and administrators once a reviewer is on the case, and anyone once
    the determination is signed."""
    workflow, actor = web.workflow, web.actor
    proposal: Determination | None = None
    proposal_error = None
    view: DeterminationView | None = None
    reviewing = actor.role is not Role.INTAKE and detail.status in _REVIEW_STATES
    if reviewing:
        try:
            proposal = Determination.model_validate_json(workflow.get_proposal(actor, detail.id))
        except ComponentUnavailable as exc:
            proposal_error = exc.message
    if reviewing or detail.determination_status == DeterminationStatus.SIGNED:
        view = workflow.get_determination(actor, detail.id)
    return proposal, proposal_error, view


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, done: str | None = None) -> Response:
    web = await signed_in(request)
    return await run_in_threadpool(
        case_page_response, web, case_id, notice=_NOTICES.get(done or "")
    )


def _item_count(web: Web, case_id: str) -> tuple[int, Determination | None, DeterminationView]:
    """How many items the form holds, the proposal (if the engine could make one), the draft."""
    try:
        proposal = Determination.model_validate_json(web.workflow.get_proposal(web.actor, case_id))
    except ComponentUnavailable:
        proposal = None
    view = web.workflow.get_determination(web.actor, case_id)
    base = view.determination or proposal
    if base is not None:
        return len(base.items), proposal, view
    detail = web.workflow.get_case(web.actor, case_id)
    return len(detail.case_file.get("disputed_items") or []), proposal, view


@router.post("/cases/{case_id}/determination")
async def save_determination(request: Request, case_id: str) -> Response:
    web, form = await posted(request)
    return await run_in_threadpool(_save, web, case_id, form)


def _save(web: Web, case_id: str, form: FormData) -> Response:
    count, proposal, view = _item_count(web, case_id)
    values = forms.DraftValues.from_form(form, count)
    current = view.determination
    try:
        edit = forms.determination_edit(
            values,
            proposal.items if proposal else None,
            current.items if current else None,
            current.clinical_case_summary
            if current
            else proposal.clinical_case_summary
            if proposal
            else None,
        )
        saved = web.workflow.save_determination(web.actor, case_id, edit)
    except ConflictError as exc:
        return case_page_response(web, case_id, status=409, submitted=values, conflict=exc.message)
    except InputError as exc:
        return case_page_response(
            web,
            case_id,
            status=422,
            submitted=values,
            error=exc.detail,
            error_field=exc.location,
        )
    return RedirectResponse(
        f"{PREFIX}/cases/{case_id}?done=saved&v={saved.version}#determination", status_code=303
    )


@router.post("/cases/{case_id}/sign")
async def sign(request: Request, case_id: str) -> Response:
    web, form = await posted(request)
    return await run_in_threadpool(_sign, web, case_id, form)


def _sign(web: Web, case_id: str, form: FormData) -> Response:
    raw = forms.text_field(form, "version").strip()
    sent = SignValues.from_form(form)
    if form.get("confirm") != "on":
        return case_page_response(
            web,
            case_id,
            status=422,
            error="Tick the box to confirm that this is your determination before signing.",
            error_field="confirm",
            sign_values=sent,
        )
    try:
        web.workflow.sign(
            web.actor,
            case_id,
            version=int(raw) if forms.is_number(raw) else None,
            acknowledged_flags=sent.acknowledged,
            reason=sent.reason,
        )
    except ConflictError as exc:
        return case_page_response(web, case_id, status=409, error=exc.message, sign_values=sent)
    except InputError as exc:
        return case_page_response(
            web,
            case_id,
            status=422,
            error=exc.detail,
            error_field=exc.location,
            sign_values=sent,
        )
    except OpenIMRError as exc:
        if isinstance(exc, NotFound | AccessDenied):
            raise
        return case_page_response(
            web, case_id, status=http_status(exc), error=exc.message, sign_values=sent
        )
    return RedirectResponse(f"{PREFIX}/cases/{case_id}?done=signed#letter", status_code=303)
