"""End to end in a real browser: Debian's Chromium, driven by Playwright, against uvicorn.

Each test gets its own server (a thread running uvicorn on a free localhost port) over a new
SQLite database seeded with a reviewer's day. Screenshots go to ``$OPENIMR_SCREENSHOTS`` when
it is set (``docs/screenshots`` for the README), else to the test's temporary directory.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.web.support import Clock, Seeded, case_file, seed, workbench_app

from openimr.settings import Settings
from openimr.store.db import Database
from openimr.store.migrate import upgrade
from openimr.workflow import Workflow
from openimr.workflow.schemas import DeterminationEdit, ItemEdit

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A laptop screen.
VIEWPORT = {"width": 1440, "height": 900}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="Debian's Chromium is not installed (apt-get install chromium)",
    ),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed")


@dataclass
class Server:
    url: str
    workflow: Workflow
    seeded: Seeded
    clock: Clock

    def case_url(self, key: str) -> str:
        return f"{self.url}/workbench/cases/{self.seeded.cases[key]}"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    import uvicorn

    database = Database(f"sqlite+pysqlite:///{tmp_path / 'openimr.sqlite3'}")
    upgrade(database)
    clock = Clock()
    workflow = Workflow(database, clock=clock)
    seeded = seed(workflow, clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    path = Settings.load().screenshots or tmp_path / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


#: Form controls a screen reader would announce without a name.
UNLABELLED = """[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
  .map(el => el.name || el.id)"""


def new_page(browser: Any) -> Any:
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(20_000)
    return page


def sign_in(page: Any, server: Server, user: str) -> None:
    page.goto(f"{server.url}/workbench/")
    assert "/workbench/login" in page.url
    page.get_by_label("Access token").fill(server.seeded.tokens[user])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/workbench/$"))


def test_sign_in_and_queue_overdue_first(browser: Any, server: Server, shots: Path) -> None:
    page = new_page(browser)
    page.goto(f"{server.url}/workbench/login")
    page.get_by_label("Access token").fill("oimr_not-a-real-token")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("alert").inner_text().startswith("That token is not recognised")
    sign_in(page, server, "dr-a")
    cookie = next(c for c in page.context.cookies() if c["name"] == "openimr_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 2
    first, second = rows.nth(0).inner_text(), rows.nth(1).inner_text()
    assert "EX-2014-0002" in first and "overdue by 11 days" in first
    assert "EX-2014-0001" in second and "22 days left" in second
    assert "EX-2014-0003" not in page.content()  # R-B's case
    page.screenshot(path=str(shots / "queue.png"))
    page.context.close()


def test_review_edit_sign_and_download_the_letter(
    browser: Any, server: Server, shots: Path, tmp_path: Path
) -> None:
    page = new_page(browser)
    sign_in(page, server, "dr-a")
    page.get_by_role("link", name="EX-2014-0001").click()
    page.wait_for_url(server.case_url("main"))
    item = page.locator("#item-0")
    assert "Proposed: Upheld" in item.locator(".item-badges").inner_text()
    page.screenshot(path=str(shots / "case.png"))

    # Evidence: the link scrolls the records pane to the words, highlights and focuses them.
    link = item.locator("a.ev-link").first
    quote = item.locator("blockquote.quote").first.inner_text().strip("“”")
    link.click()
    focused = page.evaluate(
        "() => ({tag: document.activeElement.tagName, text: document.activeElement.textContent,"
        " active: document.activeElement.classList.contains('ev-active')})"
    )
    assert focused["tag"] == "MARK" and focused["active"]
    assert quote.startswith(focused["text"].strip()[:30])
    page.wait_for_timeout(400)  # the smooth scroll
    assert page.locator("mark.ev-active").first.is_visible()
    box = page.locator("mark.ev-active").first.bounding_box()
    pane = page.locator("#records-scroll").bounding_box()
    assert pane["y"] <= box["y"] <= pane["y"] + pane["height"]
    page.screenshot(path=str(shots / "case-evidence.png"))
    page.get_by_role("button", name="Back to the criterion").click()
    assert page.evaluate("document.activeElement.classList.contains('ev-link')")
    # The same with the keyboard alone: Tab to the next evidence link, Enter.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "MARK"
    assert page.evaluate(UNLABELLED) == []

    # Edit item 1's rationale (keyboard only), leave item 2 as proposed, save.
    added = "The treating physician documents no objective functional gain from earlier massage."
    rationale = page.get_by_label("Rationale").first
    rationale.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" " + added)
    assert page.locator("#dirty-note").inner_text() == "Unsaved changes"
    assert page.locator("#sign-form").count() == 0  # nothing saved yet: nothing to sign
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"done=saved"))
    assert (
        "Draft, version 1: 1 of 2 items edited" in page.locator("#determination-state").inner_text()
    )
    changes = page.locator("#item-0 .changes")
    assert changes.locator("dt").inner_text() == "Rationale"
    assert added in changes.locator("ins").inner_text()
    assert "Same as the engine's proposal." in page.locator("#item-1").inner_text()
    assert page.locator("#item-0 .review-state").inner_text() == "Edited"
    assert page.locator("#item-1 .review-state").inner_text() == "Proposal accepted"
    changes.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "case-edited.png"))

    # Sign: the box must be ticked, and the engine's flags on item 2 acknowledged. The
    # control names the version signing results in; the letter it produces is shown first.
    draft_letter = page.frame_locator("iframe.draft-letter-frame").locator("body").inner_text()
    assert "DRAFT DETERMINATION LETTER" in draft_letter and added in " ".join(draft_letter.split())
    page.get_by_role("button", name="Sign as version 2").click()
    assert page.evaluate("document.querySelector('#confirm').validity.valueMissing")
    page.get_by_label(re.compile("I reviewed the records and every item")).check()
    page.get_by_label("I read the engine's flags on item 2").check()
    page.get_by_role("button", name="Sign as version 2").click()
    page.wait_for_url(re.compile(r"done=signed"))
    assert "version 2" in page.locator("#determination-state").inner_text()
    assert "Signed" in page.locator("#determination-state").inner_text()
    assert page.locator("#determination-form").count() == 0  # frozen

    # Preview the letter, then download each format and read it.
    page.get_by_role("link", name="Preview the letter").click()
    frame = page.frame_locator("iframe.letter-frame")
    letter_text = frame.locator("body").inner_text()
    assert "FINAL DETERMINATION LETTER" in letter_text
    assert added in " ".join(letter_text.split())
    page.screenshot(path=str(shots / "letter-preview.png"))

    files = {}
    for label in ("Download PDF", "Download HTML", "Download text"):
        with page.expect_download() as info:
            page.get_by_role("link", name=label).click()
        download = info.value
        target = tmp_path / download.suggested_filename
        download.save_as(target)
        files[label] = target
    assert files["Download PDF"].read_bytes().startswith(b"%PDF-")
    from pypdf import PdfReader

    pdf_text = " ".join(
        " ".join(p.extract_text() or "" for p in PdfReader(files["Download PDF"]).pages).split()
    )
    text = " ".join(files["Download text"].read_text().split())
    html = files["Download HTML"].read_text()
    for content in (pdf_text, text):
        assert added in content
        assert re.search(r"massage therapy visits \(lumbar\).{0,400}Upheld", content, re.I | re.S)
        assert re.search(r"Neurosurgical consultation.{0,400}Overturned", content, re.I | re.S)
    assert "<!DOCTYPE html>" in html and "FINAL DETERMINATION LETTER" in html
    page.context.close()


def test_other_reviewer_cannot_open_the_case(browser: Any, server: Server) -> None:
    page = new_page(browser)
    sign_in(page, server, "dr-b")
    assert "EX-2014-0001" not in page.locator("main").inner_text()
    response = page.goto(server.case_url("main"))
    assert response is not None and response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Not found"
    assert "Massage" not in page.content()
    for path in ("/letter/pdf?download=1", "/documents/1"):
        assert page.request.get(server.case_url("main") + path).status == 404
    from tests.web.support import ADMIN

    denied = [
        e
        for e in server.workflow.audit_entries(ADMIN, case_id=server.seeded.cases["main"])
        if e.action == "access.denied"
    ]
    assert {e.detail["attempted"] for e in denied} >= {"case.read", "letter.read", "document.read"}
    assert all(e.actor.endswith(":reviewer") for e in denied)
    page.context.close()


def test_a_conflicting_save_shows_both_versions_and_keeps_the_edits(
    browser: Any, server: Server, shots: Path
) -> None:
    page = new_page(browser)
    sign_in(page, server, "dr-a")
    page.goto(server.case_url("overdue"))
    mine = "My reading: the visits already given did not restore function."
    page.locator("#item-1-rationale").fill(mine)
    # Meanwhile the same case is saved from another window (the API or a second tab).
    actor = server.workflow.authenticate(server.seeded.tokens["dr-a"])
    case_id = server.seeded.cases["overdue"]
    theirs = "Saved from the other window."
    server.workflow.save_determination(
        actor,
        case_id,
        DeterminationEdit(
            version=0,
            items=[
                ItemEdit(action="accept"),
                ItemEdit(action="edit", rationale=theirs),
            ],
        ),
    )
    page.get_by_role("button", name="Save draft").click()
    conflict = page.locator("#conflict")
    assert conflict.is_visible()
    assert "version 1" in conflict.inner_text()
    compare = conflict.locator(".compare").inner_text()
    assert theirs in compare and mine in compare
    assert page.locator("#item-1-rationale").input_value() == mine  # not lost
    assert page.evaluate("document.activeElement.id") == "conflict"
    page.screenshot(path=str(shots / "conflict.png"))
    page.get_by_role("button", name="Save my edits over version 1").click()
    page.wait_for_url(re.compile(r"done=saved"))
    view = server.workflow.get_determination(actor, case_id)
    assert view.version == 2
    assert view.determination is not None
    assert view.determination.items[1].rationale == mine
    page.context.close()


def test_intake_uploads_a_case_and_assigns_with_reasons(
    browser: Any, server: Server, shots: Path, tmp_path: Path
) -> None:
    page = new_page(browser)
    sign_in(page, server, "intake")
    rows = page.locator("table.queue tbody tr")
    assert "EX-2014-0004" in rows.nth(0).inner_text()  # eligible, to assign
    data = case_file("shoulder-mri.json")
    data["case_id"] = "EX-2014-0005"
    data["claimant"]["date_of_injury"] = "2013-09-03"
    upload = tmp_path / "new-case.json"
    upload.write_text(json.dumps(data))
    page.get_by_role("link", name="New application").click()
    assert page.evaluate(UNLABELLED) == []
    page.get_by_label("Case file").set_input_files(str(upload))
    page.get_by_label("Date received").fill("2014-02-19")
    page.get_by_label("Application signed").select_option("yes")
    page.get_by_role("button", name="Receive and screen").click()
    page.wait_for_url(re.compile(r"done=created"))
    assert "Eligible" in page.locator("#eligibility .outcome").inner_text()
    page.get_by_role("button", name="Assign the best qualified reviewer").click()
    page.wait_for_url(re.compile(r"done=assigned"))
    assignment = page.locator("#assignment").inner_text()
    assert "why this reviewer" in assignment.lower()
    assert re.search(r"R-[AB] \(primary", assignment)
    page.get_by_role("button", name="Mark the records complete").click()
    page.wait_for_url(re.compile(r"done=records"))
    assert "Ready for review" in page.locator(".case-title .status").inner_text()
    page.locator("#assignment").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "intake-assignment.png"))
    page.context.close()


def test_pages_as_sent_open_beside_the_text_and_evidence_opens_its_page_marked(
    browser: Any, server: Server, shots: Path
) -> None:
    from bench import recordgen
    from tests.web.support import ADMIN

    case_id = server.seeded.cases["main"]
    pdf = bytes(recordgen.make_bundle(3, 3, duplicate=False, repeated_page=False).pdf)
    server.workflow.add_document(
        ADMIN, case_id, pdf, filename="records.pdf", media_type="application/pdf"
    )
    page = new_page(browser)
    sign_in(page, server, "dr-a")
    page.goto(server.case_url("main"))
    pictures = page.locator("details.record-images").first
    pictures.locator("summary").click()
    first = pictures.locator("img").first
    first.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=first.element_handle()
    )
    text_box = pictures.locator("xpath=..").locator(".record-text").bounding_box()
    image_box = first.bounding_box()
    assert text_box is not None and image_box is not None
    assert image_box["width"] > 200
    page.screenshot(path=str(shots / "case-pages-as-sent.png"))
    marked = page.locator("a.ev-page").first
    assert marked.count() == 1
    response = page.request.get(server.url + marked.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "image/png"
    page.context.close()


def _audit(server: Server, action: str) -> list[Any]:
    from tests.web.support import ADMIN

    entries = server.workflow.audit_entries(ADMIN, case_id=server.seeded.cases["main"])
    return [e for e in entries if e.action == action]


def test_sign_off_is_refused_while_a_decision_contradicts_its_rationale(
    browser: Any, server: Server
) -> None:
    page = new_page(browser)
    sign_in(page, server, "dr-a")
    page.goto(server.case_url("main"))
    # Item 1 is proposed Upheld with a rationale that concludes "not medically necessary".
    page.locator("#item-0-decision-overturned").check()
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"done=saved"))
    beside = page.locator("#item-0-findings")
    assert "ERROR" in beside.inner_text().upper()
    assert "is Overturned, but its rationale concludes" in beside.inner_text()
    assert "not medically necessary" in beside.locator("q.finding-quote").inner_text()
    assert "Signing is blocked" in page.locator("#sign-blocked").inner_text()
    page.get_by_label(re.compile("I reviewed the records and every item")).check()
    page.get_by_label("I read the engine's flags on item 2").check()
    page.get_by_role("button", name="Sign as version 2").click()
    alert = page.locator("#page-error")
    assert "The letter would be inconsistent" in alert.inner_text()
    assert "item 1 (4 massage therapy visits" in alert.inner_text().lower()
    assert "[decision-contradicts-rationale]" in alert.inner_text()
    assert page.locator("#item-0-decision-overturned").is_visible()  # still a draft
    assert _audit(server, "determination.sign") == []
    page.context.close()


def test_sign_off_past_a_warning_needs_a_reason_and_the_flags_acknowledged(
    browser: Any, server: Server, shots: Path
) -> None:
    page = new_page(browser)
    sign_in(page, server, "dr-a")
    page.goto(server.case_url("main"))
    # An edition of the guideline that was not yet in force: a warning, not an error.
    page.locator("#item-0-edition").fill("2016")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"done=saved"))
    assert "was not in force" in page.locator("#item-0-findings").inner_text()
    assert "The letter checker warns" in page.locator("#sign-warnings").inner_text()
    page.locator("#sign").evaluate("el => el.scrollIntoView({block: 'start'})")
    letter = page.frame_locator("iframe.draft-letter-frame").locator("h1")
    assert letter.inner_text() == "DRAFT DETERMINATION LETTER"
    page.wait_for_timeout(300)
    page.screenshot(path=str(shots / "case-signoff.png"))
    page.get_by_label(re.compile("I reviewed the records and every item")).check()
    page.get_by_role("button", name="Sign as version 2").click()
    # Refused: the flags of item 2 are not acknowledged, then no reason is given.
    assert "Acknowledge the flags" in page.locator("#page-error").inner_text()
    assert (
        page.get_by_label("I read the engine's flags on item 2").get_attribute("aria-invalid")
        == "true"
    )
    page.get_by_label(re.compile("I reviewed the records and every item")).check()
    page.get_by_label("I read the engine's flags on item 2").check()
    page.get_by_role("button", name="Sign as version 2").click()
    refused = page.locator("#page-error").inner_text()
    assert "Sign past a warning only with a written reason" in refused
    reason = page.get_by_label(re.compile("Why you sign despite the warning"))
    assert reason.get_attribute("aria-invalid") == "true"
    assert page.get_by_label("I read the engine's flags on item 2").is_checked()  # kept
    written = "The 2016 text says the same of massage as the edition in force; checked both."
    reason.fill(written)
    page.get_by_label(re.compile("I reviewed the records and every item")).check()
    page.get_by_role("button", name="Sign as version 2").click()
    page.wait_for_url(re.compile(r"done=signed"))
    (entry,) = _audit(server, "determination.sign")
    assert entry.detail["reason"] == written
    assert entry.detail["flags_acknowledged"] == [2]
    assert entry.detail["warnings_overridden"] == [{"item": 1, "code": "not-in-force"}]
    page.context.close()
