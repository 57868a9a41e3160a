"""Published decisions in the workbench: the search page with its facets and pages, a letter in
full, the statistics page and its chart, and the similar decisions beside a case's items."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from tests.corpus.support import build
from tests.web.support import ADMIN, Seeded, sign_in

from openimr.corpus import schemas
from openimr.corpus.synthetic import SyntheticLetter
from openimr.workflow import Workflow

LETTERS = 60


@pytest.fixture
def letters(workflow: Workflow, seeded: Seeded) -> tuple[SyntheticLetter, ...]:
    return build(workflow.db, LETTERS)


def _hit_links(html: str) -> list[str]:
    return re.findall(r'class="hit-link" href="([^"]+)"', html)


def _total(count: str) -> int:
    found = re.search(r"of (\d+) decision", count)
    assert found, count
    return int(found.group(1))


def _count(html: str) -> str:
    found = re.search(r'class="result-count" role="status">([^<]*)<', html)
    assert found, "no result count"
    return unescape(found.group(1))


def test_search_page_with_facets_and_pages(
    client: TestClient, seeded: Seeded, letters: tuple[SyntheticLetter, ...]
) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    page = client.get("/workbench/decisions")
    assert page.status_code == 200
    items = sum(len(letter.items) for letter in letters)
    assert _count(page.text) == f"1–20 of {items} decisions, newest first"
    assert len(_hit_links(page.text)) == 20
    # the facets list the values the corpus holds, with their counts
    assert re.search(
        r'<option value="physical_therapy">physical_therapy \(\d+\)</option>', page.text
    )
    assert 'aria-current="page">Published decisions' in page.text
    second = client.get("/workbench/decisions?page=2")
    assert _count(second.text) == f"21–40 of {items} decisions, newest first"
    assert not set(_hit_links(page.text)) & set(_hit_links(second.text))
    assert 'rel="prev"' in second.text and 'rel="next"' in second.text

    narrowed = client.get(
        "/workbench/decisions", params={"q": "therapy", "topic": "physical_therapy"}
    )
    assert narrowed.status_code == 200
    count = _count(narrowed.text)
    assert count.endswith("best match first")
    assert '<option value="physical_therapy" selected>' in narrowed.text
    topic_only = _count(
        client.get("/workbench/decisions", params={"topic": "physical_therapy"}).text
    )
    assert _total(count) <= _total(topic_only)


def test_a_search_with_too_many_matches_to_rank_says_so(
    client: TestClient,
    seeded: Seeded,
    letters: tuple[SyntheticLetter, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    ranked = _count(client.get("/workbench/decisions", params={"q": "therapy"}).text)
    assert ranked.endswith(", best match first")
    monkeypatch.setattr(schemas, "RANK_LIMIT", 2)
    newest = _count(client.get("/workbench/decisions", params={"q": "therapy"}).text)
    assert newest.endswith(", newest first: too many match to rank by relevance")
    assert _total(newest) == _total(ranked)


@pytest.mark.parametrize(
    ("params", "label", "field"),
    [
        ({"year": "twenty"}, "Year decided", "year"),
        ({"q": "!!!"}, "Words", "q"),
        ({"family": "guesswork"}, "Guideline relied on", "family"),
        ({"page": "0"}, "Page", "page"),
    ],
)
def test_a_bad_search_is_shown_again_with_the_field_named(
    client: TestClient,
    seeded: Seeded,
    letters: tuple[SyntheticLetter, ...],
    params: dict[str, str],
    label: str,
    field: str,
) -> None:
    sign_in(client, seeded.tokens["intake"])
    page = client.get("/workbench/decisions", params=params)
    assert page.status_code == 422
    error = re.search(r'id="page-error"><p>([^<]*)</p>', page.text)
    assert error and error.group(1).startswith(f"{label}: ")
    if field != "page":
        assert re.search(rf'id="{field}" name="{field}"[^>]*aria-invalid="true"', page.text)
    assert "Traceback" not in page.text


def test_a_hit_opens_its_letter_in_full(
    client: TestClient, seeded: Seeded, letters: tuple[SyntheticLetter, ...]
) -> None:
    sign_in(client, seeded.tokens["admin"])
    link = _hit_links(client.get("/workbench/decisions").text)[0]
    page = client.get(link.split("#")[0])
    assert page.status_code == 200
    key = unquote(link.split("/letters/")[1].split("#")[0])
    letter = next(g for g in letters if g.case_number == key)
    text = unescape(page.text)
    assert f"Published decision {key}" in text
    for position, item in enumerate(letter.items):
        assert f'id="item-{position}"' in page.text
        assert item.request in text
    assert text.count('class="decision decision-') == len(letter.items)
    assert "Rationale" in text and "Guideline" in text
    missing = client.get("/workbench/decisions/letters/CM00-0000000")
    assert missing.status_code == 404
    assert "No published decision CM00-0000000" in unescape(missing.text)


def test_statistics_page_renders_a_chart_and_its_table(
    client: TestClient, seeded: Seeded, letters: tuple[SyntheticLetter, ...]
) -> None:
    sign_in(client, seeded.tokens["dr-b"])
    page = client.get("/workbench/decisions/stats", params={"by": "family"})
    assert page.status_code == 200
    items = sum(len(letter.items) for letter in letters)
    assert f"Overturn rate by guideline relied on: {items} items" in unescape(page.text)
    src = re.search(r'<figure class="chart">\s*<img src="([^"]+)"', page.text)
    assert src
    chart = client.get(unescape(src.group(1)))
    assert chart.status_code == 200
    assert chart.headers["content-type"].startswith("image/svg+xml")
    assert chart.headers["cache-control"] == "no-store"
    svg = chart.text
    assert "<svg" in svg and "IMR overturn rate by family" in svg
    assert "items overturned, %" in svg  # the axis is labelled
    overturned = sum(1 for g in letters for i in g.items if i.family.value == "ODG" and
                     i.decision.value == "overturned")  # fmt: skip
    odg = sum(1 for g in letters for i in g.items if i.family.value == "ODG")
    assert f"{overturned}/{odg}" in svg  # the counts are shown at the bar
    assert client.get(unescape(src.group(1))).content == chart.content  # same rows, same bytes
    png = client.get(unescape(src.group(1)) + "&format=png")
    assert png.content.startswith(b"\x89PNG")

    days = client.get("/workbench/decisions/stats", params={"kind": "turnaround", "by": "year"})
    assert days.status_code == 200
    assert "Days from the application received to the decision, by year decided" in days.text
    src = re.search(r'<figure class="chart">\s*<img src="([^"]+)"', days.text)
    assert src and "IMR turnaround by year" in client.get(unescape(src.group(1))).text

    wrong = client.get("/workbench/decisions/stats", params={"kind": "turnaround", "by": "topic"})
    assert wrong.status_code == 422
    assert "Count by: Count by one of year, specialty, priority, layout" in wrong.text
    bad_chart = client.get("/workbench/decisions/chart", params={"format": "gif"})
    assert bad_chart.status_code == 422


def test_case_items_show_similar_published_decisions(
    client: TestClient, seeded: Seeded, workflow: Workflow, letters: tuple[SyntheticLetter, ...]
) -> None:
    sign_in(client, seeded.tokens["dr-a"])
    # EX-2014-0002 disputes physical therapy for the cervical spine (item 2)
    page = client.get(f"/workbench/cases/{seeded.cases['overdue']}")
    assert page.status_code == 200
    panel = re.search(r'aria-labelledby="item-1-similar">(.*?)</section>', page.text, re.S)
    assert panel, "no similar decisions beside item 2"
    links = re.findall(r'href="/workbench/decisions/letters/([^"#]+)#item-(\d+)"', panel.group(1))
    assert 0 < len(links) <= 5
    regions = []
    for key, position in links:
        letter = workflow.decision_letter(ADMIN, unquote(key))
        item = letter.items[int(position)]
        assert item.topic == "physical_therapy"
        regions.append(item.region)
    # the item's own region first
    assert regions[0] == "cervical"
    assert regions == sorted(regions, key=lambda r: r != "cervical")
    assert "All published decisions on physical_therapy" in panel.group(1)


def test_signed_out_the_pages_ask_to_sign_in(client: TestClient) -> None:
    for path in (
        "/workbench/decisions",
        "/workbench/decisions/stats",
        "/workbench/decisions/chart",
    ):
        response = client.get(path)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/workbench/login")
