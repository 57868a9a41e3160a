"""Case files: the contract is strict, and every bad input gives one message naming the field."""

from __future__ import annotations

import contextlib
import json
import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openimr.casefile import load_case_file, parse_case_bytes, parse_case_data
from openimr.casefile.load import MAX_FILE_BYTES
from openimr.errors import CaseFileError

TODAY = date(2026, 11, 27)


def minimal_case(**overrides: object) -> dict:
    case = {
        "case_id": "T-1",
        "claimant": {"date_of_injury": "2016-10-10"},
        "ur_decision_date": "2016-11-09",
        "disputed_items": [{"request": "MRI of the lumbar spine"}],
        "records": [{"kind": "progress_report", "text": "Low back pain."}],
    }
    case.update(overrides)
    return case


def test_reads_json_and_yaml_alike(tmp_path: Path) -> None:
    as_json = tmp_path / "case.json"
    as_json.write_text(json.dumps(minimal_case()))
    as_yaml = tmp_path / "case.yaml"
    as_yaml.write_text(
        "case_id: T-1\nclaimant: {date_of_injury: 2016-10-10}\nur_decision_date: 2016-11-09\n"
        "disputed_items:\n  - request: MRI of the lumbar spine\n"
        "records:\n  - kind: progress_report\n    text: Low back pain.\n"
    )
    assert load_case_file(as_json, today=TODAY) == load_case_file(as_yaml, today=TODAY)


def test_defaults_follow_the_contract() -> None:
    case = parse_case_data(minimal_case(), today=TODAY)
    assert case.program == "dwc"
    assert case.review_type == "regular"
    assert case.disputed_items[0].ur_decision is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b'{"case_id": "x",', "malformed JSON at line 1"),
        (b"case_id: [unclosed\n", "malformed YAML"),
        (b"", "file is empty"),
        (b"\x00\x01\x02binary", "not a text file"),
        (b"\xff\xfe\xfa garbage", "not UTF-8"),
        (b"[1, 2, 3]", "expected a mapping"),
    ],
)
def test_unreadable_input_is_named(raw: bytes, expected: str) -> None:
    with pytest.raises(CaseFileError) as caught:
        source = "bad.yaml" if "YAML" in expected else "bad.json"
        parse_case_bytes(raw, source=source, today=TODAY)
    assert expected in str(caught.value)
    assert str(caught.value).startswith("bad.")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"disputed_items": []}, "disputed_items"),
        ({"records": [{"kind": "progress_report", "text": "   "}]}, "records[0].text"),
        ({"records": [{"kind": "letter", "text": "x"}]}, "records[0].kind"),
        ({"disputed_items": [{"request": 42}]}, "disputed_items[0].request"),
        ({"ur_decision_date": "11/09/2016"}, "ur_decision_date"),
        ({"ur_decision_date": "2016-02-30"}, "ur_decision_date"),
        ({"ur_decision_date": "2030-01-01"}, "ur_decision_date"),
        ({"claimant": {"date_of_injury": "2016-10-10", "age": "old"}}, "claimant.age"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_contract_violations_name_the_field(change: dict, field: str) -> None:
    with pytest.raises(CaseFileError) as caught:
        parse_case_data(minimal_case(**change), source="case.json", today=TODAY)
    assert field in str(caught.value)
    assert caught.value.location is not None or field in str(caught.value)


def test_ur_decision_before_injury_is_refused() -> None:
    with pytest.raises(CaseFileError) as caught:
        parse_case_data(minimal_case(ur_decision_date="2015-01-01"), source="c.json", today=TODAY)
    assert "before the date of injury" in str(caught.value)


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(CaseFileError) as caught:
        load_case_file(big)
    assert "limit" in str(caught.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(CaseFileError, match="no such file"):
        load_case_file(tmp_path / "absent.json")
    with pytest.raises(CaseFileError, match=r"not a regular file|directory"):
        load_case_file(tmp_path)


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=400))
def test_any_bytes_give_a_case_or_a_case_file_error(raw: bytes) -> None:
    with contextlib.suppress(CaseFileError):
        parse_case_bytes(raw, source="fuzz.json", today=TODAY)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        ["case_id", "claimant", "disputed_items", "records", "ur_decision_date", "review_type"]
    ),
    json_values,
)
def test_any_field_value_gives_a_case_or_a_case_file_error(field: str, value: object) -> None:
    try:
        parse_case_data(minimal_case(**{field: value}), today=TODAY)
    except CaseFileError as exc:
        assert str(exc)


def _case_json(claimant: str = '{"age": 40}', request: str = '"MRI"') -> bytes:
    return (
        '{"claimant": ' + claimant + ', "disputed_items": [{"request": ' + request + "}], "
        '"records": [{"kind": "other", "text": "Neck pain."}]}'
    ).encode()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (_case_json('{"represented": "yes"}'), "claimant.represented"),
        (_case_json('{"age": true}'), "claimant.age"),
        (_case_json('{"age": "40"}'), "claimant.age"),
        (_case_json('{"date_of_injury": " 2016-01-04"}'), "YYYY-MM-DD"),
        (_case_json('{"date_of_injury": "9999-12-31"}'), "in the future"),
        (_case_json(request='"MRI \\u0000 lumbar"'), "forbidden character (U+0000)"),
        (_case_json(request='"MRI \\ud800"'), "forbidden character (U+D800)"),
        (_case_json(request='"MRI \\ufffe"'), "forbidden character (U+FFFE)"),
        (b'{"records": [], "records": []}', "appears twice"),
        (b'{"x": ' + b"9" * 5000 + b"}", "malformed JSON"),
        (b"[" * 1000 + b"]" * 1000, "nested too deeply"),
    ],
)
def test_untrusted_json_is_refused_naming_the_field(raw: bytes, expected: str) -> None:
    with pytest.raises(CaseFileError, match=re.escape(expected)):
        parse_case_bytes(raw, source="case.json")


def test_yaml_aliases_and_duplicate_keys_are_refused() -> None:
    bomb = "a: &r [1, 2, 3]\nb: [*r, *r, *r, *r]\n"
    with pytest.raises(CaseFileError, match="anchors and aliases are not accepted"):
        parse_case_bytes(bomb.encode(), source="case.yaml")
    twice = "records: []\nrecords: []\n"
    with pytest.raises(CaseFileError, match="appears twice"):
        parse_case_bytes(twice.encode(), source="case.yaml")


def test_too_many_items_and_long_names_are_refused() -> None:
    items = ", ".join('{"request": "MRI"}' for _ in range(101))
    raw = (
        '{"disputed_items": [' + items + '], "records": [{"kind": "other", "text": "x"}]}'
    ).encode()
    with pytest.raises(CaseFileError, match="disputed_items"):
        parse_case_bytes(raw, source="case.json")
    author = "a" * 301
    raw = (
        '{"disputed_items": [{"request": "MRI"}], '
        '"records": [{"kind": "other", "text": "x", "author": "' + author + '"}]}'
    ).encode()
    with pytest.raises(CaseFileError, match=r"records\[0\]\.author"):
        parse_case_bytes(raw, source="case.json")


@pytest.mark.parametrize(
    "raw", ["[a]: 1\n", "{[1]: 2}\n", "? {a: 1}\n: 2\n", "records:\n  [x]: y\n"]
)
def test_a_yaml_key_that_is_a_list_or_a_mapping_is_refused(raw: str) -> None:
    """Found by fuzzing: such a key is valid YAML but cannot be hashed (a TypeError, a 500)."""
    with pytest.raises(CaseFileError, match="a key must be a name"):
        parse_case_bytes(raw.encode(), source="case.yaml")


YAML_PIECES = [
    "records:",
    "disputed_items:",
    "- ",
    "request: MRI",
    "[a]: 1",
    "{b: [1, {c: 2}]}",
    "? ",
    ": ",
    "&x ",
    "*x",
    "!!python/object:os.system ",
    "!!binary aGk=",
    "{",
    "}",
    "[",
    "]",
    "'",
    '"',
    "\n",
    "\n  ",
    "\t",
    "---\n",
    "...\n",
    "%YAML 1.1\n",
    "2016-01-04",
    "9" * 30,
    ".inf",
    "~",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(YAML_PIECES), st.text(max_size=8)), max_size=30))
def test_yaml_shaped_input_gives_a_case_or_a_case_file_error(pieces: list[str]) -> None:
    with contextlib.suppress(CaseFileError):
        parse_case_bytes("".join(pieces).encode("utf-8", "surrogatepass"), source="case.yaml")
