"""Intake, the registry and accounts end to end in Debian's Chromium: correcting an ineligible
application, withdrawing and terminating, editing and deactivating a reviewer, overriding the
automatic assignment with a reason, a user created with a password who signs in with it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.web.support import ADMIN, case_file
from tests.web.test_browser import (  # the fixtures and helpers of the workbench's browser tests
    UNLABELLED,
    Server,
    browser,
    new_page,
    pytestmark,
    server,
    shots,
    sign_in,
)

from openimr.casefile import parse_case_data
from openimr.workflow import Application

__all__ = ["browser", "pytestmark", "server", "shots"]


def test_an_ineligible_application_is_corrected_and_screened_again(
    browser: Any, server: Server, shots: Path, tmp_path: Path
) -> None:
    page = new_page(browser)
    sign_in(page, server, "intake")
    data = case_file("shoulder-mri.json")
    data["case_id"] = "EX-2014-0006"
    data["claimant"]["date_of_injury"] = "2013-09-03"
    upload = tmp_path / "unsigned.json"
    upload.write_text(json.dumps(data))
    page.get_by_role("link", name="New application").click()
    page.get_by_label("Case file").set_input_files(str(upload))
    page.get_by_label("Type of review").select_option("expedited")
    page.get_by_label("Date received").fill("2014-02-19")
    page.get_by_label("Application signed").select_option("no")
    page.get_by_label("Claim number").fill("CLM-2291-77")
    page.get_by_label("Employee").fill("Maria Q. Lopez")
    page.get_by_role("button", name="Receive and screen").click()
    page.wait_for_url(re.compile(r"done=created"))
    assert "Ineligible" in page.locator("#eligibility .outcome").inner_text()
    head = page.locator(".case-head").inner_text()
    assert "Expedited" in head and "CLM-2291-77" in head and "Maria Q. Lopez" in head
    assert page.evaluate(UNLABELLED) == []
    assert page.get_by_text("Correct the application and screen again").is_visible()
    page.get_by_label("Application signed").select_option("yes")
    page.get_by_role("button", name="Screen again").click()
    page.wait_for_url(re.compile(r"done=screened"))
    assert "Eligible" in page.locator("#eligibility .outcome").inner_text()
    page.get_by_text("Earlier screenings (1)").click()
    earlier = page.locator("#screenings").inner_text()
    assert "Ineligible" in earlier and "Corrected before the latest screening: signed" in earlier
    history = page.locator("#history").inner_text()
    assert "screened again after correcting signed" in history
    page.locator("#eligibility").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "intake-correction.png"))
    page.context.close()


def test_a_case_is_withdrawn_and_another_terminated_with_their_reasons(
    browser: Any, server: Server
) -> None:
    data = case_file("shoulder-mri.json")
    data["case_id"] = "EX-2014-0007"
    data["claimant"]["date_of_injury"] = "2013-09-03"
    other = server.workflow.create_case(
        ADMIN, parse_case_data(data), Application(signed=True, claim_number="CLM-9")
    )
    page = new_page(browser)
    sign_in(page, server, "intake")
    page.goto(server.case_url("intake"))
    page.get_by_role("button", name="Withdraw the application").click()
    assert page.evaluate("document.querySelector('#withdraw-reason').validity.valueMissing")
    page.get_by_label("The employee withdrew the application because").fill(
        "The employee's letter of Feb. 19 withdraws it."
    )
    page.get_by_role("button", name="Withdraw the application").click()
    page.wait_for_url(re.compile(r"done=withdrawn"))
    assert "Withdrawn" in page.locator(".case-title .status").inner_text()
    assert "letter of Feb. 19 withdraws it" in page.locator("#history").inner_text()
    assert page.get_by_role("button", name="Terminate the review").count() == 0
    page.goto(f"{server.url}/workbench/cases/{other.id}")
    page.get_by_label("The claims administrator authorized the treatment: how and when").fill(
        "Authorized by the adjuster on Feb. 20."
    )
    page.get_by_role("button", name="Terminate the review").click()
    page.wait_for_url(re.compile(r"done=terminated"))
    assert "Terminated" in page.locator(".case-title .status").inner_text()
    page.context.close()


def test_a_reviewer_is_edited_and_deactivated(browser: Any, server: Server, shots: Path) -> None:
    page = new_page(browser)
    sign_in(page, server, "admin")
    page.get_by_role("link", name="Reviewers").click()
    registry = page.locator("#registry").inner_text()
    assert "R-A" in registry and "R-B" in registry
    page.get_by_role("link", name="R-B").click()
    assert page.evaluate(UNLABELLED) == []
    page.get_by_label("Clinical hours a week").fill("20")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"done=saved"))
    assert (
        "20 clinical hours a week; at least 24 required" in page.locator("#problems").inner_text()
    )
    page.get_by_label("Clinical hours a week").fill("32")
    page.get_by_label("Profession").select_option("do")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"done=saved"))
    assert "the qualification rules are met" in page.locator("#problems").inner_text()
    page.get_by_role("button", name="Deactivate R-B").click()
    page.wait_for_url(re.compile(r"done=deactivated"))
    assert "inactive in the registry" in page.locator("#problems").inner_text()
    page.screenshot(path=str(shots / "reviewer-edit.png"))
    page.get_by_role("link", name="Reviewers").first.click()
    assert "inactive" in page.locator("#registry tr", has_text="R-B").inner_text()
    page.context.close()


def test_an_administrator_overrides_the_automatic_assignment_with_a_reason(
    browser: Any, server: Server, shots: Path
) -> None:
    page = new_page(browser)
    sign_in(page, server, "admin")
    page.goto(server.case_url("intake"))
    # R-B carries one open case and R-A two: the automatic choice is R-B.
    page.get_by_label("Assign to").select_option("R-A")
    page.get_by_role("button", name="Assign", exact=True).click()
    assert "automatic choice is R-B" in page.get_by_role("alert").inner_text()
    page.get_by_label("Assign to").select_option("R-A")
    page.get_by_label("Reason for the override").fill("R-A reviewed this worker's earlier claim.")
    page.get_by_role("button", name="Assign", exact=True).click()
    page.wait_for_url(re.compile(r"done=assigned"))
    assignment = page.locator("#assignment").inner_text()
    assert "Override of the automatic choice (R-B): R-A reviewed this worker's earlier claim." in (
        assignment
    )
    assert re.search(r"R-A \(primary", assignment)
    page.locator("#assignment").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "assignment-override.png"))
    page.context.close()


def test_a_user_created_with_a_password_signs_in_with_it(
    browser: Any, server: Server, shots: Path
) -> None:
    page = new_page(browser)
    sign_in(page, server, "admin")
    page.get_by_role("link", name="Users").click()
    page.get_by_label("Login name").fill("desk-2")
    page.get_by_label("Role").select_option("intake")
    page.get_by_label("Password (optional)").fill("correct horse battery staple")
    page.get_by_role("button", name="Create the user").click()
    assert page.locator("#token-value").inner_text().startswith("oimr_")
    assert "Set" in page.locator("#users tr", has_text="desk-2").inner_text()
    page.screenshot(path=str(shots / "users.png"))
    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Name").fill("desk-2")
    page.get_by_label("Password", exact=True).fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/workbench/$"))
    assert page.locator(".user-name").inner_text() == "desk-2"
    page.context.close()
