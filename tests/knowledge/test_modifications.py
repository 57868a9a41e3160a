"""One grammar of UR modifications for requests and letters."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from openimr.knowledge.modifications import read_ur_modification

PARTIAL = (
    "Nine sessions of physical therapy was the original request. Six sessions of physical "
    "therapy was authorized by the Claims Administrator. The remaining IMR eligible portion of "
    "the original request, Three sessions of physical therapy is"
)
OTHER = (
    "Purchase of a bath chair was the original request. The Claims Administrator authorized a "
    "bath chair for 1 month, leaving the original request IMR eligible. The original request, "
    "purchase of a bath chair is"
)


def test_partial_and_other_authorizations() -> None:
    partial = read_ur_modification(PARTIAL)
    assert partial is not None
    assert partial.authorized == "Six sessions of physical therapy"
    assert partial.remaining == "Three sessions of physical therapy"
    other = read_ur_modification(OTHER)
    assert other is not None and other.remaining == "purchase of a bath chair"
    assert other.authorized == "a bath chair for 1 month"


def test_incomplete_wording_only_when_asked() -> None:
    cut = "Twelve visits was the original request"
    assert read_ur_modification(cut) is None
    assert read_ur_modification(cut, incomplete=True).remaining == "Twelve visits"


@given(st.text(max_size=300))
def test_any_text_reads_or_returns_none(text: str) -> None:
    result = read_ur_modification(text, incomplete=True)
    assert result is None or result.remaining
