"""``openimr casefile build`` and ``openimr review`` on documents; the engine on built cases."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from openimr.casefile import CaseFile, parse_case_data
from openimr.records import CaseDetails, build_case_file

OPENIMR = [sys.executable, "-m", "openimr"]
REQUESTS = [
    "Physical therapy 2 times a week for 6 weeks for the lumbar spine",
    "Lumbar epidural steroid injection at left L4-5",
    "Cyclobenzaprine 7.5 mg #60",
]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*OPENIMR, *args], capture_output=True, text=True, timeout=300)


def _options(bundle) -> list[str]:  # type: ignore[no-untyped-def]
    ur = max(d.date for d in bundle.documents)
    injury = min(d.date for d in bundle.documents).replace(day=1)
    out = ["--ur-date", ur.isoformat(), "--date-of-injury", injury.isoformat()]
    for request in REQUESTS:
        out += ["--request", request]
    return out


def test_casefile_build_prints_a_case_file_of_the_contract(
    bundle, bundle_pdf: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    manifest = tmp_path / "records.json"
    result = run(
        "casefile", "build", str(bundle_pdf), *_options(bundle), "--manifest", str(manifest)
    )
    assert result.returncode == 0, result.stderr
    case = CaseFile.model_validate_json(result.stdout)
    originals = [d for i, d in enumerate(bundle.documents) if i not in bundle.duplicate_of]
    assert len(case.records) == len(originals)
    assert [r.date for r in case.records] == [d.date for d in originals]
    assert [i.request for i in case.disputed_items] == REQUESTS
    records = json.loads(manifest.read_text())
    assert [r["kind"] for r in records["records"]] == [d.kind for d in originals]
    for record, detailed in zip(case.records, records["records"], strict=True):
        assert record.source is not None and record.source.document == "bundle.pdf"
        assert [record.source.first_page, record.source.last_page] == detailed["pages"]
        assert [(s.start, s.end, s.page) for s in record.source.page_map] == [
            (s["start"], s["end"], s["page"]) for s in detailed["page_map"]
        ]
    assert "1 duplicate record(s)" in result.stderr
    assert run("casefile", "build", str(bundle_pdf), *_options(bundle)).stdout == result.stdout


def test_a_bad_document_stops_the_build_with_one_line_each_and_nothing_written(
    bundle_pdf: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    worse = tmp_path / "cut.pdf"
    worse.write_bytes(bundle_pdf.read_bytes()[:3000])
    out = tmp_path / "case.json"
    result = run(
        "casefile",
        "build",
        str(bundle_pdf),
        str(bad),
        str(worse),
        "--request",
        "MRI",
        "-o",
        str(out),
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(f"error: {bad}: the name says a PDF but the content is a PNG")
    assert lines[1].startswith(f"error: {worse}: not a readable PDF")
    assert "2 of 3 document(s) could not be read" in lines[2]
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
    assert "Traceback" not in result.stderr


def test_review_takes_a_folder_of_documents_with_a_sidecar(
    bundle, bundle_pdf: Path, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "case-17"
    folder.mkdir()
    (folder / "records.pdf").write_bytes(bundle_pdf.read_bytes())
    ur = max(d.date for d in bundle.documents)
    (folder / "case.yaml").write_text(
        f"case_id: CASE-17\nur_decision_date: {ur.isoformat()}\n"
        f"disputed_items:\n  - request: {REQUESTS[0]}\n    ur_decision: denied\n"
    )
    result = run("review", str(folder))
    assert result.returncode == 0, result.stderr
    determination = json.loads(result.stdout)
    assert determination["case_id"] == "CASE-17"
    assert [item["request"] for item in determination["items"]] == [REQUESTS[0]]
    missing = run("review", str(bundle_pdf))
    assert missing.returncode == 2 and "no disputed request" in missing.stderr


def test_the_engine_decides_a_case_from_pdfs_as_it_does_from_the_same_records_as_text(
    bundle, bundle_pdf: Path
) -> None:  # type: ignore[no-untyped-def]
    from openimr.engine import ReviewEngine

    ur = max(d.date for d in bundle.documents)
    injury = min(d.date for d in bundle.documents).replace(day=1)
    result = build_case_file(
        [bundle_pdf],
        CaseDetails(requests=tuple(REQUESTS), ur_decision_date=ur, date_of_injury=injury),
    )
    built, split_records = result.case_file, result.records.records
    originals = [d for i, d in enumerate(bundle.documents) if i not in bundle.duplicate_of]
    from openimr.records import DocumentKind

    as_text = parse_case_data(
        {
            "ur_decision_date": ur.isoformat(),
            "claimant": {"date_of_injury": injury.isoformat()},
            "disputed_items": [{"request": r} for r in REQUESTS],
            "records": [
                {
                    "kind": DocumentKind(d.kind).record_kind.value,
                    "date": d.date.isoformat(),
                    "author": d.author,
                    "specialty": d.specialty,
                    "text": d.text,
                }
                for d in originals
            ],
        }
    )
    engine = ReviewEngine()
    from_pdf = engine.review(built)
    from_text = engine.review(as_text)
    assert [i.decision for i in from_pdf.items] == [i.decision for i in from_text.items]
    assert [[c.met for c in i.criteria] for i in from_pdf.items] == [
        [c.met for c in i.criteria] for i in from_text.items
    ]
    assert any(c.evidence for i in from_pdf.items for c in i.criteria)
    for item in from_pdf.items:  # every quote is the record's words (spacing aside) on its page
        for criterion in item.criteria:
            for evidence in criterion.evidence:
                record = built.records[evidence.record_index]
                words = record.text[evidence.start : evidence.end]
                assert " ".join(words.split()) == " ".join(evidence.quote.split())
                assert split_records[evidence.record_index].locate(evidence.start, evidence.end)
