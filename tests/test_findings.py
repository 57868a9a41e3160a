# ruff: noqa: E501  (the table of findings is one row a line)
"""The security review's findings, row by row, each kept fixed by a test.

Most rows are tested where the code they concern is tested; the rows that had no test are
tested here. The table names the test of each row; ``test_every_row_names_a_test_that_exists``
keeps it true.

| finding | test |
| --- | --- |
| a small YAML expands into a huge case (alias bomb) | tests/casefile/test_load.py::test_yaml_aliases_and_duplicate_keys_are_refused |
| PHI in the server log on a 500 | tests/test_server.py::test_an_unexpected_failure_is_answered_and_logged_without_health_information |
| PHI in the server log on a workbench 500 | tests/web/test_pages.py::test_an_internal_failure_is_a_page_and_logs_no_health_information |
| PHI in the log with SQL parameters (PostgreSQL) | tests/test_findings.py::test_sql_parameters_of_a_failed_statement_stay_out_of_the_answer_and_the_log |
| SQL parameters in a database error's text | tests/store/test_store.py::test_errors_do_not_carry_sql_parameters |
| session cookie replayed after sign-out | tests/web/test_sessions.py::test_a_cookie_replayed_after_sign_out_is_refused |
| tokens never expire | tests/workflow/test_accounts.py::test_tokens_expire_and_sessions_never_outlive_them |
| tokens cannot be revoked | tests/workflow/test_accounts.py::test_revoking_a_user_ends_their_token_and_sessions |
| failed sign-ins neither throttled nor audited | tests/workflow/test_accounts.py::test_failed_sign_ins_are_audited_and_back_off_per_address_and_account |
| failed sign-ins throttled in the workbench | tests/web/test_sessions.py::test_repeated_failed_sign_ins_are_answered_429_with_retry_after |
| anonymous cross-site POST echoed into the sign-in page | tests/web/test_pages.py::test_an_anonymous_post_is_sent_to_sign_in_without_what_it_carried |
| Origin not checked | tests/web/test_pages.py::test_posts_from_another_origin_are_refused |
| 500: JSON nested 1,000 deep, an integer of 5,000 digits, a lone surrogate | tests/api/test_intake.py::test_hostile_json_is_a_4xx_naming_the_field |
| 500: ur_decision_served_on 9999-12-31; offsets, versions past 64 bits | tests/api/test_app.py::test_out_of_range_numbers_and_dates_are_refused_naming_the_field |
| 500: ids and max_open_cases past 64 bits | tests/test_findings.py::test_ids_and_counts_past_64_bits_are_a_4xx |
| 500: a NUL byte on PostgreSQL | tests/api/test_app.py::test_nul_and_non_characters_are_refused_in_every_body |
| 500: a 2 MB form field on the workbench sign-in | tests/test_findings.py::test_a_2_mb_form_field_on_the_workbench_sign_in_is_a_4xx |
| NUL bytes in names, texts, rationales | tests/casefile/test_load.py::test_untrusted_json_is_refused_naming_the_field |
| a 100,000-character author, 1,000 disputed items | tests/test_findings.py::test_a_long_author_and_a_thousand_items_are_refused_at_the_api |
| "represented": "yes", age true, duplicate keys, a padded date | tests/casefile/test_load.py::test_untrusted_json_is_refused_naming_the_field |
| a 200 MB body read whole | tests/test_server.py::test_a_body_larger_than_any_upload_is_refused_while_it_arrives |
| a 200 MB body streamed to the workbench | tests/test_findings.py::test_a_body_streamed_to_the_workbench_past_the_limit_is_a_413 |
| API answers cached or sniffed | tests/test_server.py::test_api_answers_and_the_openapi_document_are_not_cached |
| workbench pages cached or sniffed | tests/web/test_pages.py::test_pages_carry_privacy_headers |
| /docs loads scripts from a CDN | tests/test_server.py::test_interactive_docs_are_off_unless_asked_for |
| no Secure cookie behind a TLS proxy | tests/web/test_sessions.py::test_cookies_are_secure_when_the_deployment_says_so |
| a trusted proxy's scheme and address | tests/web/test_sessions.py::test_a_trusted_proxys_forwarded_scheme_and_address_are_used |
| database file readable by others | tests/store/test_store.py::test_a_new_sqlite_file_and_its_folder_are_private |
| deleting the last audit entries undetected | tests/store/test_store.py::test_a_checkpoint_shows_a_log_cut_short_or_rewritten |
| ... and by ``audit verify --against`` | tests/store/test_store.py::test_command_line_checkpoint_and_verify_against |
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from tests.api.support import bearer
from tests.support import ADMIN, case_data, reviewer_data
from tests.web.support import csrf_of, workbench_app

from openimr.server import MAX_BODY_BYTES
from openimr.workflow import Role, Workflow

ROOT = Path(__file__).resolve().parent.parent
PLANTED = ("Zebulon Quixote", "1961-04-17")


def _logged(caplog: pytest.LogCaptureFixture) -> str:
    served = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    return "\n".join(logging.Formatter().format(r) for r in served)


@pytest.fixture
def app(workflow: Workflow) -> FastAPI:
    return workbench_app(workflow)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def test_every_row_names_a_test_that_exists() -> None:
    rows = re.findall(r"^\| [^|]+ \| (tests/\S+)::(\w+) \|$", __doc__ or "", re.MULTILINE)
    assert len(rows) >= 30
    for path, name in rows:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.MULTILINE), f"{path}::{name}"


def test_sql_parameters_of_a_failed_statement_stay_out_of_the_answer_and_the_log(
    app: FastAPI, client: TestClient, workflow: Workflow, caplog: pytest.LogCaptureFixture
) -> None:
    """A statement the database refuses (PostgreSQL repeats the row in its DETAIL line) inside
    a request: the answer and every log line name the failure, never the values."""

    @app.get("/api/v1/cases/{case_id}/refused-insert")
    def refused_insert(case_id: str) -> None:
        with workflow.db.session() as session:
            session.execute(
                text(
                    "INSERT INTO users (name, role, token_sha256, active, created_at) "
                    "VALUES (:name, NULL, :token, :active, :born)"
                ),
                {"name": PLANTED[0], "token": PLANTED[1], "active": True, "born": None},
            )

    caplog.set_level(logging.DEBUG)
    response = client.get("/api/v1/cases/CM24-777/refused-insert")
    assert response.status_code == 500
    logged = _logged(caplog)
    assert "IntegrityError on GET /api/v1/cases/{case_id}/refused-insert" in logged
    for secret in (*PLANTED, "CM24-777"):
        assert secret not in logged and secret not in response.text


def test_ids_and_counts_past_64_bits_are_a_4xx(client: TestClient, workflow: Workflow) -> None:
    huge = "9" * 25
    _, admin = workflow.create_user(ADMIN, "admin", Role.ADMIN)
    entry = reviewer_data("R-9", max_open_cases=int(huge))
    refused = client.post("/api/v1/reviewers", json=entry, headers=bearer(admin))
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "max_open_cases"
    created = client.post(
        "/api/v1/cases",
        json={"case": case_data(), "application": {"signed": True}},
        headers=bearer(admin),
    ).json()
    document = client.get(f"/api/v1/cases/{created['id']}/documents/{huge}", headers=bearer(admin))
    assert document.status_code == 422, document.text
    login = client.get("/workbench/login")
    client.post("/workbench/login", data={"csrf": csrf_of(login.text), "token": admin, "next": ""})
    for url in (
        f"/workbench/cases/{created['id']}/documents/{huge}",
        f"/workbench/cases/{created['id']}/documents/{huge}/pages/1",
        f"/workbench/cases/{created['id']}/documents/1/pages/1?record={huge}&start=0&end=1",
    ):
        answer = client.get(url)
        assert 400 <= answer.status_code < 500, (url, answer.status_code)


def test_a_2_mb_form_field_on_the_workbench_sign_in_is_a_4xx(client: TestClient) -> None:
    login = client.get("/workbench/login")
    big = "x" * (2 * 1024 * 1024 + 1)
    for data, files in (
        ({"csrf": csrf_of(login.text), "token": big, "next": ""}, None),
        ({"csrf": csrf_of(login.text), "next": ""}, {"token": ("t", big.encode())}),
    ):
        answer = client.post("/workbench/login", data=data, files=files)
        assert 400 <= answer.status_code < 500, answer.status_code
        assert "openimr_session" not in answer.headers.get("set-cookie", "")


def test_a_body_streamed_to_the_workbench_past_the_limit_is_a_413(client: TestClient) -> None:
    def stream() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY_BYTES // (1024 * 1024) + 2):
            yield b"x" * (1024 * 1024)

    answer = client.post(
        "/workbench/login",
        content=stream(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 413


def test_a_long_author_and_a_thousand_items_are_refused_at_the_api(
    client: TestClient, workflow: Workflow
) -> None:
    _, intake = workflow.create_user(ADMIN, "intake", Role.INTAKE)
    long_author = case_data()
    long_author["records"][0]["author"] = "a" * 100_000
    many = case_data(disputed_items=[{"request": "MRI of the lumbar spine"}] * 1000)
    for case, field in ((long_author, "case.records[0].author"), (many, "case.disputed_items")):
        answer = client.post(
            "/api/v1/cases",
            json={"case": case, "application": {"signed": True}},
            headers=bearer(intake),
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == field
