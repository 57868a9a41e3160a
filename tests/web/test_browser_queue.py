"""The queue with 500 cases, and the keyboard, in Debian's Chromium (see test_browser.py)."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.web.support import Clock, crowd, seed, workbench_app
from tests.web.test_browser import (  # the browser and the seeded server, shared
    CHROMIUM,
    Server,
    browser,
    new_page,
    server,
    shots,
    sign_in,
)

from openimr.store.db import Database
from openimr.store.migrate import upgrade
from openimr.workflow import Workflow

__all__ = ["browser", "server", "shots"]  # fixtures used here

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's Chromium is not installed"),
]
#: Cases the crowded queue holds: the seeded day's four and 500 more.
CROWD = 500


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A server over the seeded day with 500 more applications waiting for intake."""
    import uvicorn

    path = tmp_path_factory.mktemp("crowded") / "openimr.sqlite3"
    database = Database(f"sqlite+pysqlite:///{path}")
    upgrade(database)
    clock = Clock()
    workflow = Workflow(database, clock=clock)
    seeded = seed(workflow, clock)
    crowd(workflow, CROWD)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        workbench_app(workflow), log_level="warning", access_log=False, lifespan="off"
    )
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield Server(f"http://127.0.0.1:{port}", workflow, seeded, clock)
    finally:
        uv.should_exit = True
        thread.join(timeout=10)
        sock.close()
        database.dispose()


def _cases(page: Any) -> list[str]:
    return [text.strip() for text in page.locator("a.case-link").all_inner_texts()]


def test_queue_search_and_pages_with_500_cases(browser: Any, crowded: Server, shots: Path) -> None:
    page = new_page(browser)
    sign_in(page, crowded, "admin")
    page.get_by_role("link", name="All, including closed").click()
    total = CROWD + 4
    assert page.locator("#queue-count").inner_text() == f"Cases 1–50 of {total}."
    first = _cases(page)
    assert len(first) == 50
    page.get_by_role("link", name="Next →").click()
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("#queue-count").inner_text() == f"Cases 51–100 of {total}."
    assert not set(first) & set(_cases(page))
    assert page.locator(".pager-where").inner_text() == "Page 2 of 11"

    # A claimant by name, accents and case as typed; then a claim number however punctuated.
    page.get_by_label("Case, claimant or claim number").fill("rosa kim")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=rosa\+kim"))
    named = [f"QX-{n:04d}" for n in range(CROWD) if n % 90 == 44]  # "Rosa Kim-44", ...
    assert sorted(_cases(page)) == named
    page.get_by_label("Order").select_option("case")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"sort=case"))
    assert _cases(page) == named
    assert page.get_by_label("Case, claimant or claim number").input_value() == "rosa kim"
    page.screenshot(path=str(shots / "queue-search.png"))
    page.get_by_label("Case, claimant or claim number").fill("ADJ 134-0938")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=ADJ"))
    assert _cases(page) == ["QX-0134"]

    # Filters keep the search's pages: expedited cases only, 50 a page.
    page.get_by_role("link", name="Clear").click()
    page.get_by_label("Review type").select_option("expedited")
    page.get_by_role("button", name="Search").click()
    expedited = 1 + len([n for n in range(CROWD) if n % 7 == 3])
    assert page.locator("#queue-count").inner_text() == (
        f"Cases 1–50 of {expedited} matching the search."
    )
    page.get_by_role("link", name="Next →").click()
    assert page.locator(".tag-expedited").count() == len(_cases(page))
    page.context.close()


def test_queue_keyboard(browser: Any, crowded: Server) -> None:
    page = new_page(browser)
    sign_in(page, crowded, "admin")
    assert "Keyboard shortcuts" in page.locator(".shortcuts").inner_text()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "queue-q"
    page.keyboard.type("QX-01")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=QX-01"))
    assert page.locator("#queue-count").inner_text().endswith("of 100 matching the search.")
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    rows = page.locator("tr.queue-row")
    assert "row-current" in (rows.nth(0).get_attribute("class") or "")
    chosen = page.evaluate("document.activeElement.textContent")
    assert chosen == _cases(page)[0]
    page.keyboard.press("]")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.locator("#queue-count").inner_text().startswith("Cases 51–100")
    page.keyboard.press("[")
    page.wait_for_url(lambda url: "page=" not in url)
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/workbench/cases/"))
    assert chosen in page.locator("h1").inner_text()
    page.context.close()


def test_case_keyboard_accepts_a_proposal_jumps_to_evidence_and_opens_the_next_case(
    browser: Any, server: Server, shots: Path
) -> None:
    page = new_page(browser)
    sign_in(page, server, "dr-a")
    page.goto(server.case_url("main"))
    listed = page.locator(".shortcuts").inner_text()
    for words in ("Next / previous disputed item", "Accept the proposal", "next evidence"):
        assert words in listed
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "item-current" in (page.locator("#item-1").get_attribute("class") or "")
    page.keyboard.press("k")
    assert "item-current" in (page.locator("#item-0").get_attribute("class") or "")

    # An edit, then "a": the item is the proposal again and nothing is left unsaved.
    rationale = page.locator("#item-0-rationale")
    proposed = rationale.input_value()
    page.locator("#item-0-decision-overturned").check()
    rationale.fill(proposed + " An added sentence.")
    assert page.locator("#dirty-note").inner_text() == "Unsaved changes"
    page.locator("#item-0-heading").click()
    page.keyboard.press("a")
    assert rationale.input_value() == proposed
    assert page.locator("#item-0-decision-upheld").is_checked()
    assert page.locator("#dirty-note").inner_text() == ""
    assert "set to the proposal" in page.locator("#shortcut-note").inner_text()

    # "e" walks the item's evidence in the records; "r" comes back.
    page.keyboard.press("e")
    assert page.evaluate("document.activeElement.tagName") == "MARK"
    assert page.locator("mark.ev-active").first.is_visible()
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.classList.contains('ev-link')")

    # A saved edit shows the rationale's change on two sides, then "n" opens the next case.
    rationale.fill(proposed.replace("massage", "hands-on massage", 1) + " Reviewed again.")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"done=saved"))
    changes = page.locator("#item-0 .changes")
    assert "hands-on" in changes.locator(".diff-after ins").first.inner_text()
    assert changes.locator(".diff-after del").count() == 0
    assert changes.locator(".diff-before ins").count() == 0
    changes.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "case-rationale-diff.png"))
    page.locator("#item-0-heading").click()
    page.keyboard.press("n")
    page.wait_for_url(server.case_url("overdue"))
    page.context.close()
