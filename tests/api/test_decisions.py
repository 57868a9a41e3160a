"""``/api/v1/decisions``: published decisions searched, read and counted through the API, on
SQLite and PostgreSQL; any role may read them, and every bad parameter is a 422 naming it."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.api.support import Users
from tests.corpus.support import build

from openimr.corpus import schemas
from openimr.corpus.synthetic import SyntheticLetter
from openimr.store.db import Database

LETTERS = 40


@pytest.fixture
def letters(database: Database) -> tuple[SyntheticLetter, ...]:
    return build(database, LETTERS)


def _generated(letters: tuple[SyntheticLetter, ...]) -> Counter[tuple[str, int, str, str]]:
    return Counter(
        (letter.case_number, position, item.decision.value, item.family.value)
        for letter in letters
        for position, item in enumerate(letter.items)
    )


def _all_hits(client: TestClient, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    hits: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = client.get(
            "/api/v1/decisions", headers=headers, params={**params, "limit": 7, "offset": offset}
        )
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["hits"]) <= 7
        hits += body["hits"]
        offset += 7
        if offset >= body["total"]:
            assert len(hits) == body["total"]
            return hits


def test_search_pages_through_every_published_item(
    client: TestClient, users: Users, letters: tuple[SyntheticLetter, ...]
) -> None:
    hits = _all_hits(client, users.reviewer_a)
    found = Counter((h["case_number"], h["position"], h["decision"], h["family"]) for h in hits)
    assert found == _generated(letters)  # small pages neither overlap nor skip
    dates = [h["decision_date"] for h in hits]
    assert dates == sorted(dates, reverse=True)  # newest first without words


def test_facets_and_words_narrow_the_search(
    client: TestClient, users: Users, letters: tuple[SyntheticLetter, ...]
) -> None:
    overturned = _all_hits(client, users.intake, decision="overturned", family="odg")
    expected = {
        (case, position)
        for case, position, decision, family in _generated(letters)
        if decision == "overturned" and family == "ODG"
    }
    assert {(h["case_number"], h["position"]) for h in overturned} == expected
    worded = client.get(
        "/api/v1/decisions", headers=users.admin, params={"q": "physical therapy", "limit": 50}
    ).json()
    assert worded["hits"], "generated letters request physical therapy"
    scores = [h["score"] for h in worded["hits"]]
    assert scores == sorted(scores, reverse=True)
    topic = worded["hits"][0]["topic"]
    narrowed = client.get(
        "/api/v1/decisions",
        headers=users.admin,
        params={"q": "physical therapy", "topic": topic.upper(), "limit": 50},
    ).json()
    assert 0 < narrowed["total"] <= worded["total"]
    assert {h["topic"] for h in narrowed["hits"]} == {topic}


def test_a_hit_links_to_its_letter_in_full(
    client: TestClient, users: Users, letters: tuple[SyntheticLetter, ...]
) -> None:
    hit = client.get("/api/v1/decisions", headers=users.reviewer_b).json()["hits"][0]
    response = client.get(f"/api/v1/decisions/letters/{hit['key']}", headers=users.reviewer_b)
    assert response.status_code == 200, response.text
    letter = response.json()
    generated = next(g for g in letters if g.case_number == letter["case_number"])
    assert [i["request"] for i in letter["items"]] == [i.request for i in generated.items]
    assert [i["decision"] for i in letter["items"]] == [i.decision.value for i in generated.items]
    assert letter["items"][hit["position"]]["rationale"] == hit["rationale"]
    assert all(item["citations"] for item in letter["items"])
    assert letter["decision_date"] == generated.decision_date.isoformat()
    missing = client.get("/api/v1/decisions/letters/CM00-0000000", headers=users.reviewer_b)
    assert missing.status_code == 404
    assert "CM00-0000000" in missing.json()["error"]["message"]


def test_statistics_count_the_same_items_as_search(
    client: TestClient, users: Users, letters: tuple[SyntheticLetter, ...]
) -> None:
    rows = client.get("/api/v1/decisions/stats", headers=users.intake, params={"by": "family"})
    assert rows.status_code == 200, rows.text
    by_family = {r["key"]: r for r in rows.json()}
    generated = _generated(letters)
    for family, row in by_family.items():
        items = [k for k in generated.elements() if k[3] == family]
        assert row["items"] == len(items)
        assert row["overturned"] == sum(1 for k in items if k[2] == "overturned")
        assert row["low"] <= row["rate"] <= row["high"]
    assert sum(r["items"] for r in by_family.values()) == sum(generated.values())
    narrowed = client.get(
        "/api/v1/decisions/stats",
        headers=users.intake,
        params={"by": "decision", "family": "ODG"},
    ).json()
    assert {r["key"]: r["items"] for r in narrowed} == dict(
        Counter(k[2] for k in generated.elements() if k[3] == "ODG")
    )
    days = client.get("/api/v1/decisions/turnaround", headers=users.intake, params={"by": "year"})
    assert days.status_code == 200, days.text
    years = [r["key"] for r in days.json()]
    assert years == sorted(years)
    assert sum(r["letters"] for r in days.json()) <= LETTERS
    assert all(r["median_days"] <= r["p90_days"] for r in days.json())


def test_similar_decisions_share_the_topic(
    client: TestClient, users: Users, letters: tuple[SyntheticLetter, ...]
) -> None:
    hit = client.get(
        "/api/v1/decisions", headers=users.reviewer_a, params={"q": "physical therapy"}
    ).json()["hits"][0]
    similar = client.get(
        "/api/v1/decisions/similar",
        headers=users.reviewer_a,
        params={"topic": hit["topic"], "region": hit["region"], "facts": hit["rationale"]},
    )
    assert similar.status_code == 200, similar.text
    found = similar.json()
    assert 0 < len(found) <= 5
    assert {h["topic"] for h in found} == {hit["topic"]}


def test_every_role_reads_and_a_token_is_required(
    client: TestClient, users: Users, letters: tuple[SyntheticLetter, ...]
) -> None:
    for headers in (users.admin, users.intake, users.reviewer_a):
        assert client.get("/api/v1/decisions", headers=headers).status_code == 200
        assert client.get("/api/v1/decisions/stats", headers=headers).status_code == 200
    assert client.get("/api/v1/decisions").status_code == 401
    assert client.get("/api/v1/decisions/stats").status_code == 401


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("", {"year": "twenty"}, "year"),
        ("", {"year": "1800"}, "year"),
        ("", {"limit": "101"}, "limit"),
        ("", {"limit": "0"}, "limit"),
        ("", {"offset": "-1"}, "offset"),
        ("", {"decision": "maybe"}, "decision"),
        ("", {"family": "guesswork"}, "family"),
        ("", {"ur_family": "guesswork"}, "ur_family"),
        ("", {"q": "!!! ???"}, "q"),
        ("", {"q": "x" * 1001}, "q"),
        ("", {"topic": "t" * 81}, "topic"),
        ("", {"colour": "red"}, "colour"),
        ("", {"specialty": "Ortho\x00pedic"}, "specialty"),
        ("/similar", {"topic": "nsaids", "region": "\x00"}, "region"),
        ("/stats", {"by": "colour"}, "by"),
        ("/stats", {"q": '""'}, "q"),
        ("/turnaround", {"by": "topic"}, "by"),
        ("/similar", {}, "topic"),
        ("/similar", {"topic": "nsaids", "limit": "21"}, "limit"),
    ],
)
def test_a_bad_parameter_is_a_422_naming_it(
    client: TestClient, users: Users, path: str, params: dict[str, str], field: str
) -> None:
    response = client.get(f"/api/v1/decisions{path}", headers=users.admin, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from(
        ["q", "topic", "region", "decision", "year", "family", "section", "specialty", "ur_family"]
    ),
    value=_TEXT,
)
def test_anything_typed_is_answered_or_refused_by_name(
    client: TestClient, users: Users, name: str, value: str
) -> None:
    for path in ("", "/stats"):
        response = client.get(f"/api/v1/decisions{path}", headers=users.admin, params={name: value})
        assert response.status_code in (200, 422), response.text
        if response.status_code == 422:
            assert response.json()["error"]["field"] == name


def test_the_routes_are_described_in_openapi(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    search = spec["paths"]["/api/v1/decisions"]["get"]
    params = {p["name"]: p for p in search["parameters"]}
    assert set(params) >= {"q", "topic", "region", "decision", "year", "family", "section"}
    assert params["limit"]["schema"]["maximum"] == 100
    assert "422" in search["responses"]
    for path in ("stats", "turnaround", "similar", "letters/{key}"):
        assert f"/api/v1/decisions/{path}" in spec["paths"]


def test_a_page_says_its_order(
    client: TestClient,
    users: Users,
    letters: tuple[SyntheticLetter, ...],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Words rank the matches up to the rank limit; past it the page is newest first, says so,
    and its total is still every match."""
    params = {"q": "therapy", "limit": 50}
    ranked = client.get("/api/v1/decisions", headers=users.admin, params=params).json()
    assert ranked["order"] == "relevance" and ranked["total"] > 3
    assert all(h["score"] is not None for h in ranked["hits"])
    monkeypatch.setattr(schemas, "RANK_LIMIT", 3)
    newest = client.get("/api/v1/decisions", headers=users.admin, params=params).json()
    assert newest["order"] == "newest"
    assert newest["total"] == ranked["total"]
    assert all(h["score"] is None for h in newest["hits"])
    assert {(h["key"], h["position"]) for h in newest["hits"]} == {
        (h["key"], h["position"]) for h in ranked["hits"]
    }
    dates = [h["decision_date"] for h in newest["hits"]]
    assert dates == sorted(dates, reverse=True)
    plain = client.get("/api/v1/decisions", headers=users.admin).json()
    assert plain["order"] == "newest"
