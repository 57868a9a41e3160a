"""Splitting pages into records: boundaries, kinds, dates, authors, page maps, duplicates."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.records import DocumentKind
from openimr.records.normalize import Line
from openimr.records.split import Page, analyse_page, split_pages

_TITLES = {
    DocumentKind.PROGRESS_REPORT: "PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT",
    DocumentKind.CONSULTATION: "ORTHOPEDIC CONSULTATION",
    DocumentKind.IMAGING: "MRI OF THE LUMBAR SPINE WITHOUT CONTRAST",
    DocumentKind.OPERATIVE_REPORT: "OPERATIVE REPORT",
    DocumentKind.UR_DETERMINATION: "UTILIZATION REVIEW DETERMINATION",
    DocumentKind.QME_REPORT: "PANEL QUALIFIED MEDICAL EVALUATION",
    DocumentKind.THERAPY_NOTE: "PHYSICAL THERAPY DAILY NOTE",
    DocumentKind.PHARMACY: "PHARMACY DISPENSING RECORD",
}
_BODY = [
    "The patient reports low back pain rated {n}/10 radiating to the left leg.",
    "Straight leg raise is positive on the left at {n} degrees.",
    "Continue naproxen 550 mg twice daily; follow up in {n} weeks.",
    "Range of motion is reduced in flexion to {n} degrees with pain at end range.",
    "Therapeutic exercise for {n} minutes was tolerated without increase in pain.",
]


def _document(
    kind: DocumentKind, when: date, pages: int, numbered: bool, seed: int, clinic: str
) -> list[list[str]]:
    out = []
    for number in range(1, pages + 1):
        lines = [clinic] if number == 1 or seed % 2 else []
        if number > 1:  # a running header, as most reports have
            lines.append(f"Jordan Avery - {when:%m/%d/%Y}")
        if number == 1:
            lines += [
                _TITLES[kind],
                "Patient: Jordan Avery DOB: 04/12/1970",
                f"Date of service: {when:%m/%d/%Y}",
            ]
        lines += [
            _BODY[(seed + number + i) % len(_BODY)].format(n=seed % 9 + i + number)
            for i in range(6)
        ]
        if number == pages:
            lines += ["Electronically signed by: Daniel Kim, M.D."]
        if numbered:
            lines.append(f"Page {number} of {pages}")
        out.append(lines)
    return out


def _page(document: str, number: int, texts: list[str]) -> Page:
    lines = [Line(t, 72.0, 14.0 * i, 300.0, 14.0 * i + 10.0) for i, t in enumerate(texts)]
    return analyse_page(document, number, lines)


_DOCS = st.lists(
    st.tuples(
        st.sampled_from(list(_TITLES)),
        st.integers(1, 3),
        st.booleans(),
        st.integers(0, 1000),
        st.sampled_from(["Valley Spine Medical Group", "Bayview Diagnostic Imaging"]),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(_DOCS)
def test_every_document_of_a_bundle_becomes_one_record_with_its_kind_and_date(docs) -> None:  # type: ignore[no-untyped-def]
    pages: list[Page] = []
    truth = []
    when = date(2023, 1, 5)
    for index, (kind, count, numbered, seed, clinic) in enumerate(docs):
        when += timedelta(days=7 + index)
        truth.append((len(pages) + 1, kind, when))
        for lines in _document(kind, when, count, numbered, seed + index, clinic):
            pages.append(_page("bundle.pdf", len(pages) + 1, lines))
    records, duplicates = split_pages(pages)
    assert not duplicates
    assert [(r.pages[0], r.kind, r.date) for r in records] == truth
    assert all(r.author == "Daniel Kim, M.D." for r in records)
    assert records[-1].pages[1] == len(pages)


@settings(max_examples=40, deadline=None)
@given(_DOCS)
def test_the_page_map_gives_back_each_pages_words_verbatim(docs) -> None:  # type: ignore[no-untyped-def]
    pages: list[Page] = []
    for index, (kind, count, numbered, seed, clinic) in enumerate(docs):
        for lines in _document(kind, date(2023, 2, 1 + index), count, numbered, seed, clinic):
            pages.append(_page("bundle.pdf", len(pages) + 1, lines))
    by_number = {p.number: p for p in pages}
    records, _ = split_pages(pages)
    for record in records:
        for segment in record.page_map:
            page_text = by_number[segment.page].text
            length = segment.end - segment.start
            assert (
                record.text[segment.start : segment.end] == page_text[segment.page_start :][:length]
            )
        quote_start = record.text.index("Electronically signed")
        spans = record.locate(quote_start, quote_start + 21)
        assert len(spans) == 1 and spans[0].page == record.pages[1]
        assert (
            by_number[spans[0].page].text[spans[0].start : spans[0].end] == "Electronically signed"
        )


def test_furniture_is_read_for_splitting_and_left_out_of_the_text() -> None:
    page = _page(
        "fax.tif",
        2,
        [
            "03/11/2024 14:02 FROM: (555) 555-0142 TO: IMR UNIT P. 002/010",
            "Valley Spine Medical Group",
            "The patient is seen again today.",
            "Page 2 of 3",
        ],
    )
    assert page.page_of == (2, 3)
    assert "FROM" not in page.text and "Page 2" not in page.text


def test_a_report_sent_twice_and_a_page_sent_twice_are_kept_once() -> None:
    first = _document(DocumentKind.CONSULTATION, date(2023, 3, 1), 3, True, 5, "Clinic A")
    other = _document(DocumentKind.IMAGING, date(2023, 3, 9), 1, False, 7, "Clinic B")
    sequence = [first[0], first[1], first[1], first[2], *other, *first]
    pages = [_page("bundle.pdf", n, lines) for n, lines in enumerate(sequence, start=1)]
    records, duplicates = split_pages(pages)
    assert [(r.kind, r.pages) for r in records] == [
        (DocumentKind.CONSULTATION, (1, 4)),
        (DocumentKind.IMAGING, (5, 5)),
    ]
    assert [(d.what, d.pages) for d in duplicates] == [("page", (3, 3)), ("record", (6, 8))]
    assert records[0].duplicates == ("bundle.pdf pages 6-8",)
    assert [s.page for s in records[0].page_map] == [1, 2, 4]


def test_record_kinds_map_onto_the_case_file_kinds() -> None:
    assert DocumentKind.QME_REPORT.record_kind.value == "consultation"
    assert DocumentKind.THERAPY_NOTE.record_kind.value == "progress_report"
    assert DocumentKind.PHARMACY.record_kind.value == "other"
    assert {k.record_kind.value for k in DocumentKind} <= {
        "progress_report", "consultation", "imaging", "ur_determination", "operative_report",
        "other",
    }  # fmt: skip


def test_the_records_layer_depends_on_casefile_domain_and_errors_only() -> None:
    import re
    from pathlib import Path

    import openimr.records

    allowed = {"records", "casefile", "domain", "errors"}
    folder = Path(openimr.records.__file__).parent
    for path in folder.glob("*.py"):
        for layer in re.findall(r"^\s*(?:from|import) openimr\.(\w+)", path.read_text(), re.M):
            assert layer in allowed, (path.name, layer)
