"""The optional ``source`` of a record: strict, bounded, and invisible when absent."""

from __future__ import annotations

from datetime import date

import pytest

from openimr.casefile import CaseFile, parse_case_data
from openimr.errors import CaseFileError

TODAY = date(2026, 11, 27)
TEXT = "Page one words.\nPage two words."


def _case(source: object = None) -> dict:
    record: dict[str, object] = {"kind": "progress_report", "text": TEXT}
    if source is not None:
        record["source"] = source
    return {
        "case_id": "T-1",
        "disputed_items": [{"request": "MRI of the lumbar spine"}],
        "records": [record],
    }


def _source(**extra: object) -> dict:
    source: dict[str, object] = {
        "document": "bundle.pdf",
        "first_page": 3,
        "last_page": 4,
        "page_map": [{"start": 0, "end": 15, "page": 3}, {"start": 16, "end": 31, "page": 4}],
    }
    source.update(extra)
    return source


def test_a_record_without_source_dumps_as_before() -> None:
    case = parse_case_data(_case(), today=TODAY)
    assert case.records[0].source is None
    assert "source" not in case.model_dump(mode="json")["records"][0]
    assert '"source"' not in case.model_dump_json()


def test_a_source_is_read_and_gives_the_page_of_a_position() -> None:
    case = parse_case_data(_case(_source()), today=TODAY)
    source = case.records[0].source
    assert source is not None
    assert (source.document, source.first_page, source.last_page) == ("bundle.pdf", 3, 4)
    assert [source.page_of(p) for p in (0, 14, 15, 16, 30, 31)] == [3, 3, None, 4, 4, None]
    assert case.model_dump(mode="json")["records"][0]["source"] == _source()


@pytest.mark.parametrize(
    ("source", "where"),
    [
        (_source(document=" "), "records[0].source.document"),
        (_source(first_page=0), "records[0].source.first_page"),
        (_source(first_page="3"), "records[0].source.first_page"),
        (_source(last_page=2), "records[0].source"),
        (_source(page_map=[{"start": 5, "end": 5, "page": 3}]), "records[0].source.page_map[0]"),
        (_source(page_map=[{"start": 0, "end": 4, "page": 9}]), "records[0].source"),
        (
            _source(
                page_map=[{"start": 0, "end": 10, "page": 3}, {"start": 5, "end": 12, "page": 4}]
            ),
            "records[0].source",
        ),
        (_source(page_map=[{"start": 0, "end": 99, "page": 3}]), "records[0]"),
        (_source(pages=[3, 4]), "records[0].source.pages"),
    ],
)
def test_a_bad_source_names_the_field(source: dict, where: str) -> None:
    with pytest.raises(CaseFileError) as caught:
        parse_case_data(_case(source), source="case.json", today=TODAY)
    assert where in str(caught.value)


def test_the_schema_describes_the_source() -> None:
    schema = CaseFile.model_json_schema()
    record = schema["$defs"]["Record"]["properties"]
    assert "source" in record
    assert {"document", "first_page", "last_page", "page_map"} <= set(
        schema["$defs"]["RecordSource"]["properties"]
    )
