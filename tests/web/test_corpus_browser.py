"""Published decisions in a real browser (Debian's Chromium through Playwright, against
uvicorn): searching with words and a facet, opening a letter, the statistics chart, and the
similar decisions beside an item of a case."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from tests.corpus.support import build
from tests.web.test_browser import (  # the server and browser fixtures, and their helpers
    UNLABELLED,
    Server,
    browser,
    new_page,
    pytestmark,
    server,
    shots,
    sign_in,
)

__all__ = ["browser", "pytestmark", "server", "shots"]


def test_search_with_words_and_a_facet_then_open_a_letter(
    browser: Any, server: Server, shots: Path
) -> None:
    build(server.workflow.db, 60)
    page = new_page(browser)
    sign_in(page, server, "dr-a")
    page.get_by_role("link", name="Published decisions").click()
    page.wait_for_url(re.compile(r"/workbench/decisions$"))
    assert page.evaluate(UNLABELLED) == []
    page.get_by_label("Words").fill("physical therapy")
    page.get_by_label("Body region").select_option("cervical")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=physical\+therapy"))
    count = page.get_by_role("status").inner_text()
    assert re.match(r"1–\d+ of \d+ decisions?, best match first", count), count
    hits = page.locator("ol.hits > li")
    assert hits.count() > 0
    for index in range(hits.count()):
        assert "· cervical ·" in hits.nth(index).locator(".hit-meta").inner_text()
    assert page.get_by_label("Body region").input_value() == "cervical"  # kept as chosen
    page.screenshot(path=str(shots / "decisions-search.png"), full_page=True)

    first = hits.first.locator("a.hit-link")
    request = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/workbench/decisions/letters/[^#]+#item-\d+$"))
    anchor = page.url.rsplit("#", 1)[1]
    item = page.locator(f"#{anchor}")
    assert request in item.locator("h3").inner_text()
    assert item.locator(".decision").inner_text() in {"Upheld", "Overturned"}
    assert item.locator(".rationale").inner_text().strip()
    assert page.locator("h1").inner_text().startswith("Published decision")
    page.screenshot(path=str(shots / "decisions-letter.png"))

    page.get_by_role("link", name="Published decisions").first.click()
    page.get_by_role("link", name="Statistics and charts").click()
    page.get_by_label("Count by").select_option("year")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(r"by=year"))
    chart = page.locator("figure.chart img")
    chart.wait_for()
    page.wait_for_function("() => document.querySelector('figure.chart img').complete")
    width = page.evaluate("document.querySelector('figure.chart img').naturalWidth")
    assert width > 300  # the SVG loaded and drew
    assert "Overturn rate by year decided" in page.locator("table caption").inner_text()
    page.screenshot(path=str(shots / "decisions-stats.png"), full_page=True)
    page.context.close()


def test_similar_published_decisions_beside_a_case_item(
    browser: Any, server: Server, shots: Path
) -> None:
    build(server.workflow.db, 60)
    page = new_page(browser)
    sign_in(page, server, "dr-a")
    page.goto(server.case_url("overdue"))
    item = page.locator("#item-1")  # physical therapy for the cervical spine
    panel = item.get_by_role("region", name="Similar published decisions")
    assert panel.is_visible()
    links = panel.locator("ul.similar-list li")
    assert 0 < links.count() <= 5
    first = links.first
    assert first.locator(".decision").inner_text() in {"Upheld", "Overturned"}
    assert "cervical" in first.inner_text()  # the item's region first
    panel.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / "case-similar.png"))
    first.get_by_role("link").click()
    page.wait_for_url(re.compile(r"/workbench/decisions/letters/"))
    anchor = page.url.rsplit("#", 1)[1]
    assert "physical_therapy" in page.locator(f"#{anchor} .kv").inner_text()
    page.go_back()
    panel.get_by_role("link", name=re.compile("All published decisions on")).click()
    page.wait_for_url(re.compile(r"topic=physical_therapy"))
    assert page.get_by_label("Treatment topic").input_value() == "physical_therapy"
    page.context.close()
