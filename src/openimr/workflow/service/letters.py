"""Final Determination Letters of signed determinations: rendered once, kept, versioned.

The letter is rendered outside any transaction (WeasyPrint takes a while) and then stored in
a unit of its own; the same bytes are never stored twice, and a letter that renders
differently (new templates) becomes the next version while the old ones are kept.

Before signing, the reviewer previews the letter signing would produce (:func:`preview_letter`):
the draft as signed today, rendered marked DRAFT and never stored.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from openimr.casefile import CaseFile, Parties, Party
from openimr.domain import Determination
from openimr.errors import ComponentUnavailable, InputError, NotFound, WorkflowError
from openimr.store.models import Assignment, Case, DeterminationRecord, Document, Reviewer
from openimr.workflow.schemas import (
    Actor,
    Application,
    DeterminationStatus,
    DocumentKind,
    LetterOut,
    PublishedOut,
)
from openimr.workflow.service import documents, quality
from openimr.workflow.service.cases import effective_case_file, store_deadlines
from openimr.workflow.service.determinations import (
    credentials,
    determination_record,
    signed_record,
    would_sign,
)
from openimr.workflow.service.unit import Core, LetterRenderer, sha256_hex
from openimr.workflow.states import CaseStatus

LETTER_MEDIA_TYPES = {"pdf": "application/pdf", "html": "text/html", "text": "text/plain"}


def default_renderer() -> LetterRenderer:
    try:
        from openimr.letters import render_letter
    except ImportError:
        raise ComponentUnavailable(
            "letter rendering (openimr.letters.render_letter) is not available in this build"
        ) from None
    return render_letter


def get_letter(
    core: Core, actor: Actor, case_id: str, fmt: str, *, version: int | None = None
) -> LetterOut:
    """The letter of the signed determination; rendered and kept the first time it is asked."""
    media_type = _media_type(fmt)
    with core.unit(actor) as unit:
        case = unit.case(case_id, "letter.read")
        stored = _stored_letter(unit.session, case, fmt, version)
        if stored is not None:
            unit.record("letter.read", case.id, document=stored.id)
            return _letter_out(stored, fmt)
        if version is not None:
            raise NotFound(f"no letter version {version} in {fmt} for case {case_id}")
        quality.check_released(core, case)
        signed = _signed(unit.session, case)
    return _render_and_store(core, actor, case_id, fmt, media_type, signed, reissue=False)


def issue_letter(core: Core, actor: Actor, case_id: str, fmt: str) -> LetterOut:
    """Render the letter again (a new version if the bytes differ; old ones are kept)."""
    media_type = _media_type(fmt)
    with core.unit(actor) as unit:
        case = unit.case(case_id, "letter.issue")
        quality.check_released(core, case)
        signed = _signed(unit.session, case)
    return _render_and_store(core, actor, case_id, fmt, media_type, signed, reissue=True)


def preview_letter(core: Core, actor: Actor, case_id: str, fmt: str) -> LetterOut:
    """The letter signing the current draft today would produce, marked DRAFT (never stored):
    the signing reviewer's credentials (the assigned reviewer's, for others who look)."""
    media_type = _media_type(fmt)
    with core.unit(actor, write=False) as unit:
        case = unit.case(case_id, "determination.read")
        session = unit.session
        record = determination_record(session, case)
        if record is None or record.status != DeterminationStatus.DRAFT:
            raise WorkflowError(
                f"case {case.id} has no unsigned draft to preview"
                + ("; its letter is the signed one" if record is not None else "; save one first")
            )
        reviewer_id = (
            actor.reviewer_id
            or session.execute(
                select(Assignment.reviewer_id)
                .where(Assignment.case_id == case.id, Assignment.active.is_(True))
                .order_by(Assignment.assigned_at.desc())
                .limit(1)
            ).scalar()
        )
        reviewer = session.get(Reviewer, reviewer_id) if reviewer_id else None
        if reviewer is None:
            raise WorkflowError(f"case {case.id} has no reviewer to sign it")
        determination = would_sign(session, case, record, credentials(reviewer), core.today())
        version = record.version
    renderer = core.renderer or default_renderer()
    content = renderer(determination, fmt, draft=True)
    with core.unit(actor) as unit:
        case = unit.case(case_id, "determination.read")
        unit.record("letter.preview", case.id, version=version, format=fmt)
    return LetterOut(
        content=content,
        media_type=media_type,
        version=version,
        sha256=sha256_hex(content),
        format=fmt,
    )


def _signed(session: Session, case: Case) -> DeterminationRecord:
    record = signed_record(session, case)
    if record is None:
        raise WorkflowError(
            f"case {case.id} is {case.status}: a letter exists only for a signed determination"
        )
    return record


def _render_and_store(
    core: Core,
    actor: Actor,
    case_id: str,
    fmt: str,
    media_type: str,
    signed: DeterminationRecord,
    *,
    reissue: bool,
) -> LetterOut:
    renderer = core.renderer or default_renderer()
    with core.db.session(write=False) as session:
        case_row = session.get(Case, case_id)
        app = Application.model_validate(case_row.application if case_row else {})
    content = renderer(
        Determination.model_validate_json(signed.content),
        fmt,
        draft=False,
        employee=app.employee_name,
        claim_number=app.claim_number,
    )
    digest = sha256_hex(content)
    with core.unit(actor) as unit:
        case = unit.case(case_id, "letter.issue" if reissue else "letter.read")
        session = unit.session
        same = session.execute(
            select(Document).where(
                Document.case_id == case.id,
                Document.kind == DocumentKind.LETTER,
                Document.sha256 == digest,
            )
        ).scalar_one_or_none()
        if same is not None:
            unit.record("letter.read", case.id, document=same.id)
            return _letter_out(same, fmt)
        latest = session.execute(
            select(func.max(Document.letter_version)).where(
                Document.case_id == case.id,
                Document.kind == DocumentKind.LETTER,
                Document.media_type == media_type,
            )
        ).scalar()
        document = documents.store(
            unit,
            case,
            DocumentKind.LETTER,
            content,
            media_type,
            f"{case.id}-letter.{'txt' if fmt == 'text' else fmt}",
            None,
            {"format": fmt, "determination_sha256": signed.content_sha256},
            letter_version=(latest or 0) + 1,
        )
        if case.status == CaseStatus.DETERMINATION_SIGNED:
            case.letter_issued_on = core.today()
            case.closed_on = core.today()
            unit.transition(case, CaseStatus.LETTER_ISSUED, reason=f"letter ({fmt})")
            store_deadlines(core, session, case)
        unit.record("letter.issue", case.id, document=document.id, version=document.letter_version)
        return _letter_out(document, fmt)


def _stored_letter(session: Session, case: Case, fmt: str, version: int | None) -> Document | None:
    query = select(Document).where(
        Document.case_id == case.id,
        Document.kind == DocumentKind.LETTER,
        Document.media_type == LETTER_MEDIA_TYPES[fmt],
    )
    if version is not None:
        query = query.where(Document.letter_version == version)
    return session.execute(
        query.order_by(Document.letter_version.desc()).limit(1)
    ).scalar_one_or_none()


def _media_type(fmt: str) -> str:
    if fmt not in LETTER_MEDIA_TYPES:
        raise InputError(f"unknown letter format {fmt!r}; use pdf, html or text", location="format")
    return LETTER_MEDIA_TYPES[fmt]


def _letter_out(document: Document, fmt: str) -> LetterOut:
    return LetterOut(
        content=document.content,
        media_type=document.media_type,
        version=document.letter_version or 1,
        sha256=document.sha256,
        format=fmt,
    )


_PUBLISHED_MEDIA = {
    "json": "application/json",
    "text": "text/plain",
    "html": "text/html",
    "pdf": "application/pdf",
}


def published(core: Core, actor: Actor, case_id: str, fmt: str) -> PublishedOut:
    """The publishable letter or corpus record of the signed determination: every identity
    the case file lists, and those nobody listed, removed; refused if one is found again."""
    from openimr.publication import publish, redactor_for

    if fmt not in _PUBLISHED_MEDIA:
        raise InputError(f"unknown format {fmt!r}", location="format")
    determination, case_file, app = _signed_with_case_file(core, actor, case_id)
    parties = application_parties(app)
    result = publish(determination, redactor_for(parties, case_file), fmt)  # type: ignore[arg-type]
    removed = dict(sorted(result.removed.items()))
    with core.unit(actor) as unit:
        case = unit.case(case_id, "letter.publish")
        unit.record("letter.publish", case.id, format=fmt, removed=sum(removed.values()))
    return PublishedOut(content=result.content, media_type=_PUBLISHED_MEDIA[fmt], removed=removed)


def fhir_export(core: Core, actor: Actor, case_id: str, kind: str) -> PublishedOut:
    """The signed determination as a FHIR R4 ClaimResponse, or the case and it as a Bundle
    (the worker by sex alone; the parties' identities are never exported)."""
    import json

    from openimr.interop import fhir

    if kind not in {"claim-response", "bundle"}:
        raise InputError(f"unknown FHIR export {kind!r}", location="kind")
    determination, case_file, _ = _signed_with_case_file(core, actor, case_id)
    resource = (
        fhir.claim_response(determination)
        if kind == "claim-response"
        else fhir.case_bundle(case_file, determination)
    )
    with core.unit(actor) as unit:
        case = unit.case(case_id, "letter.publish")
        unit.record("fhir.export", case.id, kind=kind)
    content = json.dumps(resource, indent=2, sort_keys=True).encode()
    return PublishedOut(content=content, media_type="application/fhir+json")


def _signed_with_case_file(
    core: Core, actor: Actor, case_id: str
) -> tuple[Determination, CaseFile, Application]:
    """The signed determination, the case file it was made on and the application, for
    publication or export (read in a unit of its own: rendering happens outside any
    transaction)."""
    with core.unit(actor, write=False) as unit:
        case = unit.case(case_id, "letter.publish")
        signed = _signed(unit.session, case)
        case_file = effective_case_file(unit.session, case)
        app = Application.model_validate(case.application or {})
    return Determination.model_validate_json(signed.content), case_file, app


def application_parties(app: Application) -> Parties:
    """The parties the application names (the employee, the claim number, the employer, the
    requesting physician and other providers), for the redactor: the letter sent to the
    parties carries the employee's name and claim number, the published one must not, nor any
    mention of them in the rationale or summary."""
    providers = [app.requesting_physician, *app.providers]
    return Parties(
        claimant=Party(name=app.employee_name) if app.employee_name else None,
        claim_numbers=[app.claim_number] if app.claim_number else [],
        employer=Party(name=app.employer) if app.employer else None,
        providers=[Party(name=name) for name in providers if name and name.strip()],
    )
