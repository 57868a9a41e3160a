"""The published 2016-17 letters and the 2014 sample (read from ../shared where present).

Compared with eval-dev/cases.jsonl: the number of items, each request as worded, each
decision, and the guideline families in order. A clause may name two documents ("Decision
based on MTUS A, and B, Section(s): ..."): the letter's own words make it one clause, whose
family is its first document's, so ``clause_families`` gives one family for it. The
evaluation cases sometimes list the second document's family too; both readings are accepted
as long as the expected families are the clause families with some of the clauses' further
documents, in order.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openimr.knowledge.citations import clause_families
from openimr.letters.check import check_parsed
from openimr.letters.parse import read_letter

pytestmark = pytest.mark.shared


def _cases(shared: Path) -> list[dict]:
    path = shared / "eval-dev" / "cases.jsonl"
    if not path.is_file():
        pytest.skip("eval-dev/cases.jsonl is not present")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def _agrees(citations, expected: list[str]) -> bool:
    """Each clause's first document in order, with any of its further documents as well."""
    wanted = list(expected)
    for citation in citations:
        family = citation.family.value
        if wanted and wanted[0] == family:
            wanted.pop(0)
        elif not citation.same_clause:
            return False
    return not wanted


def test_clause_with_two_documents_agrees_with_either_reading() -> None:
    from openimr.knowledge.citations import parse_citations

    citations = parse_citations(
        "Decision based on MTUS Acupuncture Treatment 2007, and Chronic Pain Medical "
        "Treatment 2016, Section(s): Topical analgesics."
    )
    assert [f.value for f in clause_families(citations)] == ["MTUS-Acupuncture"]
    assert _agrees(citations, ["MTUS-Acupuncture"])
    assert _agrees(citations, ["MTUS-Acupuncture", "MTUS-CPMTG"])
    assert not _agrees(citations, ["MTUS-CPMTG"])
    assert not _agrees(citations, ["MTUS-Acupuncture", "ODG"])


def test_non_mtus_chapter_name_alone_names_no_guideline() -> None:
    from openimr.knowledge.citations import parse_citations

    statement = "Decision based on Non-MTUS Citation Low Back (Hyperstimulation analgesia)."
    assert [f.value for f in clause_families(parse_citations(statement))] == ["other"]
    named = "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back."
    assert [f.value for f in clause_families(parse_citations(named))] == ["ODG"]


def test_every_real_letter_parses_with_items_decisions_and_families(shared: Path) -> None:
    cases = _cases(shared)
    totals = {"items": 0, "requests": 0, "decisions": 0, "first_family": 0, "all_families": 0}
    problems: list[str] = []
    for case in cases:
        case_id = case["case"]["case_id"]
        parsed = read_letter(shared / "eval-dev" / "letters" / f"{case_id}.pdf")
        d = parsed.determination
        expected = case["expected"]["items"]
        disputed = case["case"]["disputed_items"]
        assert d.case_id == case_id
        assert str(d.decision_date) == case["expected"]["decision_date"]
        assert str(d.ur_decision_date) == case["case"]["ur_decision_date"]
        if len(d.items) != len(expected):
            problems.append(f"{case_id}: {len(d.items)} items, expected {len(expected)}")
            continue
        for item, want, asked in zip(d.items, expected, disputed, strict=True):
            totals["items"] += 1
            families = [f.value for f in clause_families(item.citations)]
            totals["requests"] += item.request == asked["request"]
            totals["decisions"] += item.decision.value == want["decision"]
            totals["first_family"] += families[:1] == want["guideline_families"][:1]
            agrees = _agrees(item.citations, want["guideline_families"])
            totals["all_families"] += agrees
            if not agrees or item.decision.value != want["decision"]:
                problems.append(f"{case_id}: {item.request!r} {families} {item.decision}")
            assert item.claims_administrator_guideline == asked["claims_administrator_guideline"]
    expected_items = sum(len(c["expected"]["items"]) for c in cases)
    assert problems == []
    assert totals == {key: expected_items for key in totals}


def test_real_letters_raise_no_inconsistency_errors(shared: Path) -> None:
    """The published letters are consistent; the checker must not cry wolf on them."""
    cases = _cases(shared)
    errors = []
    for case in cases:
        path = shared / "eval-dev" / "letters" / f"{case['case']['case_id']}.pdf"
        errors += [(path.name, f) for f in check_parsed(read_letter(path)) if f.severity == "error"]
    assert errors == []


def test_sample_2014_letter_chapter_11_for_page_305_is_an_error(shared: Path) -> None:
    path = shared / "samples" / "imr-final-determination-2014.txt"
    if not path.is_file():
        pytest.skip("the 2014 sample letter is not present")
    parsed = read_letter(path)
    assert [i.decision.value for i in parsed.determination.items] == ["upheld", "overturned"]
    findings = [f for f in check_parsed(parsed) if f.code == "chapter-page"]
    assert len(findings) == 1
    finding = findings[0]
    assert finding.severity == "error"
    assert "Chapter 11" in finding.message and "page 305" in finding.message
    assert "Chapter 12 Low Back Complaints" in finding.message
    assert parsed.text.splitlines()[finding.line - 1].startswith("MAXIMUS guideline")
