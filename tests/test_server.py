"""The composition root's layer around every request: its id, the API's headers, and logs
that name a failure without the health information its message or path may hold."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from openimr.server import NoTraceback, create_app, log_config
from openimr.workflow import Workflow

PLANTED = ("Zebulon Quixote", "1961-04-17")


@pytest.fixture
def app(workflow: Workflow) -> FastAPI:
    return create_app(workflow=workflow)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _private(response) -> bool:  # type: ignore[no-untyped-def]
    return (
        response.headers.get("cache-control") == "no-store"
        and response.headers.get("x-content-type-options") == "nosniff"
    )


def test_an_unexpected_failure_is_answered_and_logged_without_health_information(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/api/v1/cases/{case_id}/explode")
    def explode(case_id: str) -> None:
        raise RuntimeError(f"no claim for {PLANTED[0]}, born {PLANTED[1]}, case {case_id}")

    caplog.set_level(logging.DEBUG)
    for name in ("uvicorn", "uvicorn.error", "openimr"):
        caplog.set_level(logging.DEBUG, logger=name)
    # A client that raises what escapes the app, as a server would log it: nothing does.
    with TestClient(app) as client:
        response = client.get(
            "/api/v1/cases/CM24-777/explode", params={"name": PLANTED[0], "dob": PLANTED[1]}
        )
    assert response.status_code == 500
    assert response.json() == {
        "error": {"message": "internal error; nothing was written", "field": None}
    }
    assert _private(response)
    request_id = response.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    # Every record of the server side, formatted with any traceback (httpx is the client).
    served = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(logging.Formatter().format(r) for r in served)
    assert f"RuntimeError on GET /api/v1/cases/{{case_id}}/explode request={request_id}" in logged
    assert "GET /api/v1/cases/{case_id}/explode 500" in logged
    for secret in (*PLANTED, "Zebulon", "CM24-777", "no claim"):
        assert secret not in logged
    assert all(r.exc_info is None for r in served)


def test_api_answers_and_the_openapi_document_are_not_cached(client: TestClient) -> None:
    answers = [
        client.get("/api/v1/health"),
        client.get("/api/v1/cases"),  # no token
        client.get("/api/v1/cases/CM-0/nowhere"),
        client.get("/openapi.json"),
    ]
    assert [a.status_code for a in answers] == [200, 401, 404, 200]
    assert all(_private(a) for a in answers)
    ids = {a.headers["x-request-id"] for a in answers}
    assert len(ids) == len(answers)


def test_interactive_docs_are_off_unless_asked_for(
    workflow: Workflow, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENIMR_API_DOCS", raising=False)
    with TestClient(create_app(workflow=workflow)) as client:
        assert client.get("/docs").status_code == 404
        assert client.get("/redoc").status_code == 404
        assert client.get("/openapi.json").status_code == 200
    monkeypatch.setenv("OPENIMR_API_DOCS", "true")
    with TestClient(create_app(workflow=workflow)) as client:
        docs = client.get("/docs")
        assert docs.status_code == 200 and _private(docs)


def test_served_logs_keep_an_exception_to_its_class_name() -> None:
    config = log_config()
    handler = config["handlers"]["stderr"]
    assert handler["filters"] == ["no_traceback"]
    assert config["loggers"]["uvicorn"]["handlers"] == ["stderr"]
    assert config["loggers"]["openimr"]["handlers"] == ["stderr"]
    assert config["root"]["handlers"] == ["stderr"]
    try:
        raise ValueError(f"bad date of birth {PLANTED[1]} for {PLANTED[0]}")
    except ValueError:
        record = logging.LogRecord(
            "uvicorn.error", logging.ERROR, __file__, 1, "Exception in %s", ("ASGI",), None
        )
        record.exc_info = sys.exc_info()
    assert NoTraceback().filter(record)
    line = logging.Formatter(config["formatters"]["plain"]["format"]).format(record)
    assert line.endswith("Exception in ASGI [ValueError]")
    assert not any(secret in line for secret in PLANTED)


def test_a_body_larger_than_any_upload_is_refused_while_it_arrives(
    app: FastAPI, workflow: Workflow
) -> None:
    """A declared length past the limit is refused before reading; a body streamed without a
    length is cut off once it passes the limit; both 413, nothing read whole."""
    from tests.support import ADMIN

    from openimr.server import MAX_BODY_BYTES
    from openimr.workflow import Role

    _, token = workflow.create_user(ADMIN, "intake", Role.INTAKE)

    def stream() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY_BYTES // (1024 * 1024) + 2):
            yield b"x" * (1024 * 1024)

    with TestClient(app, raise_server_exceptions=False) as client:
        declared = client.post(
            "/api/v1/cases",
            content=b"{}",
            headers={"Content-Type": "application/json", "Content-Length": str(MAX_BODY_BYTES + 1)},
        )
        assert declared.status_code == 413
        assert "larger than" in declared.json()["error"]["message"]
        streamed = client.post(
            "/api/v1/cases",
            content=stream(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
        )
        assert streamed.status_code == 413, streamed.text
        assert "larger than" in streamed.json()["error"]["message"]
        workbench = client.post(
            "/workbench/login",
            content=b"token=x",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Content-Length": str(MAX_BODY_BYTES + 1),
            },
        )
        assert workbench.status_code == 413
