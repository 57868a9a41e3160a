"""The API against its own OpenAPI document, with Schemathesis, for each role on each backend.

Every operation of the document gets generated requests (valid and invalid) with the token of
an intake clerk, a reviewer and an administrator, on SQLite and on PostgreSQL. Half of the
generated case and document ids are swapped for a case that exists (assigned to the reviewer,
records complete, one document), so requests reach the workflow rather than stopping at 404.

Checked on every answer: no server error; the status is one the document declares for the
operation; the content type and the body match the document; a request the document forbids
is refused. Not checked: that every schema-valid request succeeds, since rules the schema
cannot state (dates no form carries, characters no record may hold, a version named in the
body or in If-Match) rightly refuse some of them with 422.

``OPENIMR_FUZZ_PROFILE`` sets the example count (``small`` in CI); ``bench/openapi_bench.py``
is the longer run.
"""

from __future__ import annotations

import os
import traceback
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.api.support import bearer
from tests.support import ADMIN, FUZZ, case_data, reviewer_data

from openimr.server import create_app
from openimr.workflow import Role, Workflow
from openimr.workflow.schemas import ReviewerIn

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


@pytest.fixture
def app(workflow: Workflow) -> Iterator[FastAPI]:
    application = create_app(workflow=workflow)
    with TestClient(application):  # the app's lifespan: started and stopped like a server
        yield application


@pytest.fixture
def seeded(app: FastAPI, workflow: Workflow) -> dict[str, Any]:
    """Tokens of each role and a case in review with a document."""
    workflow.add_reviewer(ADMIN, ReviewerIn.model_validate(reviewer_data("R-A")))
    tokens = {
        "admin": workflow.create_user(ADMIN, "admin", Role.ADMIN)[1],
        "intake": workflow.create_user(ADMIN, "intake", Role.INTAKE)[1],
        "reviewer": workflow.create_user(ADMIN, "rev-a", Role.REVIEWER, reviewer_code="R-A")[1],
    }
    client = TestClient(app)
    intake = bearer(tokens["intake"])
    created = client.post(
        "/api/v1/cases", json={"case": case_data(), "application": {"signed": True}}, headers=intake
    )
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    document = client.post(
        f"/api/v1/cases/{case_id}/documents",
        files={"file": ("note.txt", b"Follow-up visit: pain 6/10.", "text/plain")},
        data={"record_kind": "progress_report"},
        headers=intake,
    )
    assert document.status_code == 201, document.text
    for step in ("assignment", "records-complete"):
        done = client.post(f"/api/v1/cases/{case_id}/{step}", headers=intake)
        assert done.status_code == 200, done.text
    # The engine loads on the first proposal; generated requests are answered within 10 s.
    proposal = client.get(f"/api/v1/cases/{case_id}/proposal", headers=bearer(tokens["admin"]))
    assert proposal.status_code == 200, proposal.text
    return {"tokens": tokens, "case_id": case_id, "document_id": document.json()["id"]}


def _existing(value: object) -> bool:
    """Whether to swap a generated id for an existing one: half of them, the same each run."""
    return zlib.crc32(repr(value).encode()) % 2 == 0


#: Generated requests per operation: half the profile's count, or ``OPENIMR_OPENAPI_EXAMPLES``
#: (``bench/openapi_bench.py`` sets it).
EXAMPLES = int(os.environ.get("OPENIMR_OPENAPI_EXAMPLES", max(5, FUZZ.max_examples // 2)))


def check_operation(
    operation: Any, tokens: dict[str, str], case_id: str, document_id: int, statuses: Counter[int]
) -> None:
    """Generated requests for one operation, each sent with the token of each role in turn."""

    @given(case=operation.as_strategy())
    @settings(FUZZ, max_examples=EXAMPLES, database=None)
    def run(case: Any) -> None:
        path = case.path_parameters or {}
        if "case_id" in path and _existing(path["case_id"]):
            path["case_id"] = case_id
            if "document_id" in path and _existing(path["document_id"]):
                path["document_id"] = document_id
        for role in ("intake", "reviewer", "admin"):
            response = case.call_and_validate(headers=bearer(tokens[role]), checks=CHECKS)
            statuses[response.status_code] += 1

    run()


def test_every_operation_keeps_to_its_document(app: FastAPI, seeded: dict[str, Any]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        try:
            check_operation(
                operation, seeded["tokens"], seeded["case_id"], seeded["document_id"], statuses
            )
        except Exception as exc:  # every operation is tried; the failures are listed together
            detail = "".join(traceback.format_exception(exc))
            failures.append(f"{operation.label}: {detail[-4000:]}")
    counts = " ".join(f"{status}:{n}" for status, n in sorted(statuses.items()))
    print(f"\nopenapi: {sum(statuses.values())} requests, {operations} operations, {counts}")
    assert operations >= 20
    assert not failures, "\n\n".join(failures)


def test_every_stored_document_is_served_as_a_type_the_document_declares(
    app: FastAPI, seeded: dict[str, Any]
) -> None:
    """The case file as received and as read, and a record, each come back with a media type
    the OpenAPI document lists for the route (a YAML upload labelled otherwise included)."""
    client = TestClient(app)
    intake = bearer(seeded["tokens"]["intake"])
    upload = client.post(
        "/api/v1/cases",
        files={
            "file": (
                "case.yaml",
                yaml.safe_dump(case_data(case_id="CM26-0777")).encode(),
                "text/x-odd",
            )
        },
        headers=intake,
    )
    assert upload.status_code == 201, upload.text
    declared = client.get("/openapi.json").json()["paths"][
        "/api/v1/cases/{case_id}/documents/{document_id}"
    ]["get"]["responses"]["200"]["content"]
    served = []
    for case_id in (seeded["case_id"], upload.json()["id"]):
        case = client.get(f"/api/v1/cases/{case_id}", headers=intake).json()
        for document in case["documents"]:
            answer = client.get(
                f"/api/v1/cases/{case_id}/documents/{document['id']}", headers=intake
            )
            assert answer.status_code == 200
            media = answer.headers["content-type"].split(";")[0]
            served.append(media)
            assert media in declared
    assert {"application/json", "application/yaml", "text/plain"} <= set(served)
