"""FHIR R4 export: a determination as a ClaimResponse, the case as a Claim in a Bundle.

An IMR determination answers a request for authorization, so it maps onto the prior
authorization shape of FHIR's financial resources: the case is a ``Claim`` with ``use =
preauthorization`` (one item per disputed service, the request worded as given, the date of
injury as a workplace accident), the determination its ``ClaimResponse`` with one item
adjudication per service. Each adjudication carries the Da Vinci Prior Authorization Support
``reviewAction`` extension with the X12 306 action code: an overturned item is certified in
total (``A1``), an upheld one not certified (``A3``); our own code system keeps the IMR word
itself, and our extensions keep the guideline citations and the dates, so that a ClaimResponse
reads back into the same determination (:func:`determination_from_fhir`).

Every resource is validated with ``fhir.resources``. The package ships R4B (4.3.0) models and
not R4 (4.0.1); the resources used here (Bundle, Claim, ClaimResponse, Patient, Organization,
DocumentReference) have the same elements in both, only value-set versions differ.

Nothing here reads the clock: ``created`` is the decision date, identifiers of bundle entries
are derived from the case number, and the same determination always gives the same bytes.
"""

from __future__ import annotations

import base64
import json
import re
import uuid
from datetime import date
from typing import Any

from pydantic import ValidationError

from openimr.casefile.model import CaseFile
from openimr.domain import (
    Decision,
    Determination,
    GuidelineCitation,
    GuidelineFamily,
    ItemDetermination,
)
from openimr.errors import InputError

__all__ = [
    "FhirError",
    "case_bundle",
    "claim",
    "claim_response",
    "determination_from_fhir",
]

FHIR_VERSION = "4.0.1"
BASE = "https://openimr.org/fhir"
PAS = "http://hl7.org/fhir/us/davinci-pas/StructureDefinition"
EXT_REVIEW_ACTION = f"{PAS}/extension-reviewAction"
EXT_REVIEW_ACTION_CODE = f"{PAS}/extension-reviewActionCode"
X12_306 = "https://codesystem.x12.org/005010/306"
REVIEW_ACTION = {
    Decision.OVERTURNED: ("A1", "Certified in total"),
    Decision.UPHELD: ("A3", "Not certified"),
}
CS_DECISION = f"{BASE}/CodeSystem/imr-decision"
CS_UR_DECISION = f"{BASE}/CodeSystem/ur-decision"
CS_FAMILY = f"{BASE}/CodeSystem/guideline-family"
EXT_CITATION = f"{BASE}/StructureDefinition/guideline-citation"
EXT_CA_GUIDELINE = f"{BASE}/StructureDefinition/claims-administrator-guideline"
EXT_SUMMARY = f"{BASE}/StructureDefinition/clinical-case-summary"
EXT_DATE = f"{BASE}/StructureDefinition/imr-date"
EXT_PRIORITY = f"{BASE}/StructureDefinition/imr-priority"
ID_CASE = f"{BASE}/NamingSystem/imr-case-number"
_DATE_FIELDS = ("date_of_injury", "ur_decision_date", "date_assigned", "application_received")
_CITATION_TEXT = ("title", "chapter", "pages", "edition")
_NAMESPACE = uuid.UUID("5b0d1c2e-7f0a-4c55-9a55-2f0f6d1f6b11")


class FhirError(InputError):
    """A resource that is not valid FHIR, or not one this module wrote."""


def _coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _concept(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    return {"coding": [_coding(system, code, display)]}


def _resource_id(determination: Determination | CaseFile, kind: str) -> str:
    case = determination.case_id or "unnumbered"
    slug = re.sub(r"[^A-Za-z0-9\-.]", "-", case)[:50].strip("-.") or "case"
    return f"{kind}-{slug}"[:64]


def _urn(case_id: str | None, kind: str) -> str:
    name = (case_id or "") + "/" + kind
    return "urn:uuid:" + str(uuid.uuid5(_NAMESPACE, name))


def _validate(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` validated as the FHIR resource ``kind``, in the package's serialization."""
    from importlib import import_module

    module = import_module(f"fhir.resources.R4B.{kind.lower()}")
    model = getattr(module, kind)
    try:
        resource = model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or kind
        raise FhirError(f"not a valid {kind}: {first['msg']}", location=where) from None
    return json.loads(resource.model_dump_json(exclude_none=True, by_alias=True))


def _citation_extension(citation: GuidelineCitation) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [
        {"url": "family", "valueCoding": _coding(CS_FAMILY, citation.family.value)}
    ]
    for name in _CITATION_TEXT:
        value = getattr(citation, name)
        if value:
            parts.append({"url": name, "valueString": value})
    parts.extend({"url": "section", "valueString": s} for s in citation.sections)
    if citation.same_clause:
        parts.append({"url": "sameClause", "valueBoolean": True})
    return {"url": EXT_CITATION, "extension": parts}


def _created(determination: Determination) -> date:
    for value in (determination.decision_date, determination.ur_decision_date):
        if value is not None:
            return value
    raise FhirError(
        "a ClaimResponse needs the decision date (or at least the UR decision date)",
        location="decision_date",
    )


def _adjudication(item: ItemDetermination) -> dict[str, Any]:
    code, display = REVIEW_ACTION[item.decision]
    return {
        "category": _concept("http://terminology.hl7.org/CodeSystem/adjudication", "submitted"),
        "reason": _concept(CS_DECISION, item.decision.value, item.decision.value.capitalize()),
        "extension": [
            {
                "url": EXT_REVIEW_ACTION,
                "extension": [
                    {
                        "url": EXT_REVIEW_ACTION_CODE,
                        "valueCodeableConcept": _concept(X12_306, code, display),
                    }
                ],
            }
        ],
    }


def claim_response(
    determination: Determination,
    *,
    claim_reference: str | None = None,
    patient_reference: str | None = None,
) -> dict[str, Any]:
    """The determination as a FHIR R4 ClaimResponse (a validated JSON object)."""
    d = determination
    notes: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for number, item in enumerate(d.items, start=1):
        entry: dict[str, Any] = {
            "itemSequence": number,
            "adjudication": [_adjudication(item)],
            "extension": [_citation_extension(c) for c in item.citations],
        }
        if item.rationale.strip():
            notes.append({"number": number, "type": "display", "text": item.rationale})
            entry["noteNumber"] = [number]
        items.append(entry)
    extensions: list[dict[str, Any]] = []
    if d.clinical_case_summary.strip():
        extensions.append({"url": EXT_SUMMARY, "valueMarkdown": d.clinical_case_summary})
    for name in _DATE_FIELDS:
        value = getattr(d, name)
        if value is not None:
            extensions.append(
                {
                    "url": EXT_DATE,
                    "extension": [
                        {"url": "kind", "valueCode": name},
                        {"url": "date", "valueDate": value.isoformat()},
                    ],
                }
            )
    if d.priority == "expedited":
        extensions.append({"url": EXT_PRIORITY, "valueCode": "expedited"})
    overturned = sum(1 for i in d.items if i.decision is Decision.OVERTURNED)
    data: dict[str, Any] = {
        "resourceType": "ClaimResponse",
        "id": _resource_id(d, "determination"),
        "status": "active",
        "type": _concept("http://terminology.hl7.org/CodeSystem/claim-type", "professional"),
        "use": "preauthorization",
        "patient": {"reference": patient_reference}
        if patient_reference
        else {"display": "injured worker"},
        "created": _created(d).isoformat(),
        "insurer": {"display": "claims administrator"},
        "outcome": "complete",
        "disposition": (
            f"Independent Medical Review final determination: {overturned} of "
            f"{len(d.items)} disputed items overturned."
        ),
        "item": items,
    }
    if d.case_id:
        data["identifier"] = [{"system": ID_CASE, "value": d.case_id}]
    if claim_reference:
        data["request"] = {"reference": claim_reference}
    if extensions:
        data["extension"] = extensions
    if notes:
        data["processNote"] = notes
    return _validate("ClaimResponse", data)


def claim(
    case: CaseFile,
    *,
    patient_reference: str | None = None,
    insurer_reference: str | None = None,
) -> dict[str, Any]:
    """The case file as a FHIR R4 Claim for preauthorization: one item per disputed service."""
    created = case.ur_decision_date or case.claimant.date_of_injury
    if created is None:
        raise FhirError(
            "a Claim needs a date: the UR decision date or the date of injury",
            location="ur_decision_date",
        )
    items = []
    for number, item in enumerate(case.disputed_items, start=1):
        entry: dict[str, Any] = {
            "sequence": number,
            "productOrService": {"text": item.request},
        }
        extensions = []
        if item.ur_decision is not None:
            extensions.append(
                {
                    "url": f"{BASE}/StructureDefinition/ur-decision",
                    "valueCoding": _coding(CS_UR_DECISION, item.ur_decision.value),
                }
            )
        if item.claims_administrator_guideline:
            extensions.append(
                {"url": EXT_CA_GUIDELINE, "valueString": item.claims_administrator_guideline}
            )
        if extensions:
            entry["extension"] = extensions
        items.append(entry)
    data: dict[str, Any] = {
        "resourceType": "Claim",
        "id": _resource_id(case, "case"),
        "status": "active",
        "type": _concept("http://terminology.hl7.org/CodeSystem/claim-type", "professional"),
        "use": "preauthorization",
        "patient": {"reference": patient_reference}
        if patient_reference
        else {"display": "injured worker"},
        "created": created.isoformat(),
        "insurer": {"reference": insurer_reference}
        if insurer_reference
        else {"display": "claims administrator"},
        "provider": {"display": "treating physician"},
        "priority": _concept(
            "http://terminology.hl7.org/CodeSystem/processpriority",
            "stat" if case.review_type == "expedited" else "normal",
        ),
        "insurance": [
            {"sequence": 1, "focal": True, "coverage": {"display": "workers' compensation claim"}}
        ],
        "item": items,
    }
    if case.case_id:
        data["identifier"] = [{"system": ID_CASE, "value": case.case_id}]
    if case.claimant.date_of_injury is not None:
        data["accident"] = {
            "date": case.claimant.date_of_injury.isoformat(),
            "type": _concept(
                "http://terminology.hl7.org/CodeSystem/v3-ActCode", "WPA", "work place accident"
            ),
        }
    return _validate("Claim", data)


def _patient(case: CaseFile) -> dict[str, Any]:
    data: dict[str, Any] = {"resourceType": "Patient", "id": _resource_id(case, "worker")}
    sex = case.claimant.sex
    if sex in ("male", "female", "other", "unknown"):
        data["gender"] = sex
    return _validate("Patient", data)


def _documents(case: CaseFile, patient: str) -> list[dict[str, Any]]:
    out = []
    for index, record in enumerate(case.records):
        data: dict[str, Any] = {
            "resourceType": "DocumentReference",
            "id": f"{_resource_id(case, 'record')}-{index}"[:64],
            "status": "current",
            "type": {"text": record.kind.value.replace("_", " ")},
            "subject": {"reference": patient},
            "content": [
                {
                    "attachment": {
                        "contentType": "text/plain; charset=utf-8",
                        "data": base64.b64encode(record.text.encode("utf-8")).decode("ascii"),
                    }
                }
            ],
        }
        if record.date is not None:
            data["context"] = {"period": {"start": record.date.isoformat()}}
        out.append(_validate("DocumentReference", data))
    return out


def case_bundle(case: CaseFile, determination: Determination | None = None) -> dict[str, Any]:
    """The case (worker, Claim, records) and, if given, its determination, as a Bundle.

    The worker appears with nothing but sex; the parties' identities are never exported.
    """
    patient_url = _urn(case.case_id, "patient")
    claim_url = _urn(case.case_id, "claim")
    entries = [
        {"fullUrl": patient_url, "resource": _patient(case)},
        {"fullUrl": claim_url, "resource": claim(case, patient_reference=patient_url)},
    ]
    for index, document in enumerate(_documents(case, patient_url)):
        entries.append({"fullUrl": _urn(case.case_id, f"record-{index}"), "resource": document})
    if determination is not None:
        entries.append(
            {
                "fullUrl": _urn(case.case_id, "claim-response"),
                "resource": claim_response(
                    determination, claim_reference=claim_url, patient_reference=patient_url
                ),
            }
        )
    data: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": _resource_id(case, "bundle"),
        "type": "collection",
        "entry": entries,
    }
    if case.case_id:
        data["identifier"] = {"system": ID_CASE, "value": case.case_id}
    return _validate("Bundle", data)


# -- reading back -----------------------------------------------------------------------------


def _ext(extensions: list[dict[str, Any]] | None, url: str) -> list[dict[str, Any]]:
    return [e for e in extensions or [] if e.get("url") == url]


def _citation(extension: dict[str, Any], where: str) -> GuidelineCitation:
    values: dict[str, Any] = {"sections": []}
    for part in extension.get("extension", []):
        name = part.get("url")
        if name == "family":
            values["family"] = part.get("valueCoding", {}).get("code")
        elif name == "section":
            values["sections"].append(part.get("valueString"))
        elif name == "sameClause":
            values["same_clause"] = bool(part.get("valueBoolean"))
        elif name in _CITATION_TEXT:
            values[name] = part.get("valueString")
    try:
        values["family"] = GuidelineFamily(values.get("family"))
        return GuidelineCitation.model_validate(values)
    except (ValueError, ValidationError):
        raise FhirError("a guideline citation without a known family", location=where) from None


def _decision(item: dict[str, Any], where: str) -> Decision:
    for adjudication in item.get("adjudication", []):
        for coding in (adjudication.get("reason") or {}).get("coding", []):
            if coding.get("system") == CS_DECISION:
                return Decision(coding.get("code"))
        for action in _ext(adjudication.get("extension"), EXT_REVIEW_ACTION):
            for code in _ext(action.get("extension"), EXT_REVIEW_ACTION_CODE):
                for coding in code.get("valueCodeableConcept", {}).get("coding", []):
                    for decision, (x12, _) in REVIEW_ACTION.items():
                        if coding.get("system") == X12_306 and coding.get("code") == x12:
                            return decision
    raise FhirError("no IMR decision or review action in the adjudication", location=where)


def determination_from_fhir(
    claim_response_data: dict[str, Any], claim_data: dict[str, Any] | None = None
) -> Determination:
    """A ClaimResponse (and its Claim, for the requests) read back into a determination."""
    response = _validate("ClaimResponse", claim_response_data)
    requests: dict[int, str] = {}
    ca_guidelines: dict[int, str] = {}
    priority = "standard"
    if claim_data is not None:
        claim_json = _validate("Claim", claim_data)
        for item in claim_json.get("item", []):
            requests[item["sequence"]] = item.get("productOrService", {}).get("text", "")
            for ext in _ext(item.get("extension"), EXT_CA_GUIDELINE):
                ca_guidelines[item["sequence"]] = ext.get("valueString", "")
        codes = claim_json.get("priority", {}).get("coding", [])
        if any(c.get("code") == "stat" for c in codes):
            priority = "expedited"
    notes = {n.get("number"): n.get("text", "") for n in response.get("processNote", [])}
    items: list[ItemDetermination] = []
    for position, item in enumerate(response.get("item", [])):
        where = f"item[{position}]"
        sequence = item.get("itemSequence")
        citations = [
            _citation(e, f"{where}.extension") for e in _ext(item.get("extension"), EXT_CITATION)
        ] or [GuidelineCitation(family=GuidelineFamily.NONE)]
        rationale = "\n\n".join(notes.get(n, "") for n in item.get("noteNumber", []))
        items.append(
            ItemDetermination(
                request=requests.get(sequence, f"Item {sequence}"),
                decision=_decision(item, f"{where}.adjudication"),
                guideline=citations[0],
                additional_guidelines=citations[1:],
                claims_administrator_guideline=ca_guidelines.get(sequence),
                rationale=rationale,
            )
        )
    if not items:
        raise FhirError("a ClaimResponse without items", location="item")
    dates: dict[str, Any] = {}
    summary = ""
    for ext in response.get("extension", []):
        if ext.get("url") == EXT_PRIORITY and ext.get("valueCode") == "expedited":
            priority = "expedited"
        elif ext.get("url") == EXT_SUMMARY:
            summary = ext.get("valueMarkdown", "")
        elif ext.get("url") == EXT_DATE:
            parts = {p.get("url"): p for p in ext.get("extension", [])}
            kind = parts.get("kind", {}).get("valueCode")
            value = parts.get("date", {}).get("valueDate")
            if kind in _DATE_FIELDS and value:
                dates[kind] = date.fromisoformat(value)
    case_id = next(
        (i.get("value") for i in response.get("identifier", []) if i.get("system") == ID_CASE),
        None,
    )
    return Determination(
        case_id=case_id,
        source="reviewer",
        priority=priority,  # type: ignore[arg-type]
        decision_date=date.fromisoformat(response["created"][:10]),
        clinical_case_summary=summary,
        items=items,
        **dates,
    )
