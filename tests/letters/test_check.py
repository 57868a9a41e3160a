"""The checker finds a letter's internal inconsistencies, and none in consistent letters."""

from __future__ import annotations

from pathlib import Path

from openimr.domain import Determination
from openimr.letters.check import check_determination, check_letter


def _codes(findings) -> list[tuple[str, str, int | None]]:
    return [(f.severity, f.code, f.line) for f in findings]


def test_chapter_named_for_a_page_of_another_chapter_is_an_error(fixtures: Path) -> None:
    findings = check_letter(fixtures / "fdl-2014-chapter-error.txt")
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.severity, finding.code) == ("error", "chapter-page")
    assert "Chapter 13 Knee Complaints for page 306" in finding.message
    assert "Chapter 12 Low Back Complaints" in finding.message
    assert "the rationale itself cites Chapter 12" in finding.message
    lines = (fixtures / "fdl-2014-chapter-error.txt").read_text().splitlines()
    assert lines[finding.line - 1].startswith("MAXIMUS guideline:")


def test_inconsistent_letter_reports_each_problem_on_its_line(fixtures: Path) -> None:
    path = fixtures / "fdl-2016-inconsistent.txt"
    findings = check_letter(path)
    lines = path.read_text().splitlines()
    by_code: dict[str, list] = {}
    for finding in findings:
        by_code.setdefault(finding.code, []).append(finding)
    assert [f.message for f in by_code["missing-section"]] == [
        "the CLINICAL CASE SUMMARY section is missing"
    ]
    contradictions = by_code["decision-contradicts-rationale"]
    assert [f.severity for f in contradictions] == ["error", "error"]
    assert "item 1 (Functional capacity evaluation) is Upheld" in contradictions[0].message
    # "notmedically" (words fused by extraction) still reads as "not medically necessary"
    assert "item 2 (Gabapentin 300mg #90) is Overturned" in contradictions[1].message
    assert all(lines[f.line - 1].startswith("Decision rationale:") for f in contradictions)
    assert "Shoulder Surgery Manual" in by_code["unknown-guideline"][0].message
    assert "has no Chapter 19" in by_code["unknown-chapter"][0].message
    assert "is Low Back Complaints, not Knee Complaints" in by_code["chapter-title"][0].message
    assert "page 341 lies in Chapter 13 Knee Complaints" in by_code["chapter-page"][0].message
    assert by_code["date-order"][0].severity == "warning"
    # "Shoulder arthroscopy" is Upheld with "not medically necessary": consistent
    assert not any("Shoulder arthroscopy" in f.message for f in contradictions)
    assert findings == sorted(
        findings,
        key=lambda f: ({"error": 0, "warning": 1, "info": 2}[f.severity], f.line or 0, f.code),
    )


def test_notice_items_without_rationale_and_rationales_without_item(fixtures: Path) -> None:
    findings = check_letter(fixtures / "notice-2013-unmatched.txt")
    assert _codes(findings) == [("error", "unmatched-item", 9), ("error", "unmatched-item", 27)]
    assert "'a cervical traction device' is decided in the list but has no rationale" in (
        findings[0].message
    )
    assert "'a heating pad' has a rationale but is not in the list" in findings[1].message


def test_consistent_fixture_letters_have_no_errors(fixtures: Path) -> None:
    for name in (
        "notice-2013.txt",
        "fdl-2014.txt",
        "fdl-2016.txt",
        "fdl-2016-noisy.txt",
        "fdl-later.txt",
        "professional-review.txt",
        "openimr-letter.txt",
        "openimr-letter.pdf",
    ):
        errors = [f for f in check_letter(fixtures / name) if f.severity == "error"]
        assert errors == [], name


def test_a_finding_names_its_item_and_quotes_the_sentence_it_rests_on(fixtures: Path) -> None:
    findings = check_letter(fixtures / "fdl-2016-inconsistent.txt")
    contradictions = [f for f in findings if f.code == "decision-contradicts-rationale"]
    assert [(f.item, f.quote) for f in contradictions] == [
        (1, "Therefore, the request is medically necessary."),
        (2, "Therefore, the request is notmedically necessary."),
    ]
    chapter = next(f for f in findings if f.code == "chapter-page")
    assert chapter.item == 5 and "Chapter 12 Knee Complaints" in (chapter.quote or "")


def _determination(**item: object) -> Determination:
    base: dict[str, object] = {
        "request": "MRI of the lumbar spine",
        "decision": "upheld",
        "guideline": {
            "family": "MTUS-ACOEM",
            "title": "ACOEM Practice Guidelines, 2nd Edition",
            "chapter": "Chapter 12 Low Back Complaints",
            "pages": "303-304",
        },
        "rationale": "No red flags are documented. The MRI is not medically necessary.",
    }
    base.update(item)
    return Determination.model_validate({"items": [base]})


def test_a_consistent_determination_has_nothing_to_fix() -> None:
    assert [f for f in check_determination(_determination()) if f.severity != "info"] == []


def test_a_determination_is_checked_item_by_item_before_any_letter() -> None:
    overturned = _determination(decision="overturned")
    (finding,) = check_determination(overturned)
    assert (finding.severity, finding.code, finding.item, finding.line) == (
        "error",
        "decision-contradicts-rationale",
        1,
        None,
    )
    assert finding.quote == "The MRI is not medically necessary."

    wrong_page = _determination(
        guideline={
            "family": "MTUS-ACOEM",
            "title": "ACOEM Practice Guidelines, 2nd Edition",
            "chapter": "Chapter 13 Knee Complaints",
            "pages": "303",
        }
    )
    codes = {(f.severity, f.code) for f in check_determination(wrong_page)}
    assert ("error", "chapter-page") in codes

    (empty,) = check_determination(_determination(rationale="  "))
    assert (empty.severity, empty.code, empty.item) == ("error", "missing-rationale", 1)
