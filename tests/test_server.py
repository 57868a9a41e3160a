"""The composition root's app: what it serves and what it leaves out."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from openimr.server import create_app
from openimr.workflow import Workflow


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
        assert client.get("/docs").status_code == 200
