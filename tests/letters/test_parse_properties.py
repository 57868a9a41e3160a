"""The parser never crashes: any input gives a Determination or a LetterError."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openimr.domain import Determination
from openimr.errors import LetterError
from openimr.letters import parse_letter, parse_letter_text
from openimr.letters.parse import parse_text

FIXTURE_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "letters"
TEXTS = sorted(p.read_text(encoding="utf-8") for p in FIXTURE_DIR.glob("*.txt"))
LABELS = [
    "Claims Administrator guideline:",
    "MAXIMUS guideline:",
    "Decision rationale:",
    ": Upheld\n",
    ": Overturned\n",
    "IMR ISSUES, DECISIONS AND RATIONALES\n",
    "Decision based on MTUS ",
    "Decision based on Non-MTUS Citation ",
    "Section(s): ",
    "Page(s): 305",
    "Chapter 12 ",
    "was the original request. ",
    "1) Regarding the request for ",
    "ISSUE AT DISPUTE: ",
    "\f",
    "\ufffe",
    "\u00ad\n",
]


def _parses_or_refuses(text: str) -> None:
    try:
        result = parse_letter_text(text, source="generated.txt")
    except LetterError as exc:
        assert exc.source == "generated.txt"
        assert exc.detail
    else:
        assert isinstance(result, Determination)
        assert result.items


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=3000))
def test_arbitrary_text(text: str) -> None:
    _parses_or_refuses(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(LABELS), st.text(max_size=80)), max_size=40))
def test_letter_shaped_noise(parts: list[str]) -> None:
    _parses_or_refuses("".join(parts))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_damaged_fixture_letters(data: st.DataObject) -> None:
    """Real-shaped letters with spans deleted, moved, duplicated or overwritten."""
    text = data.draw(st.sampled_from(TEXTS))
    for _ in range(data.draw(st.integers(1, 6))):
        if not text:
            break
        start = data.draw(st.integers(0, len(text) - 1))
        end = data.draw(st.integers(start, min(len(text), start + 400)))
        operation = data.draw(st.sampled_from(["delete", "duplicate", "insert", "move"]))
        chunk = text[start:end]
        if operation == "delete":
            text = text[:start] + text[end:]
        elif operation == "duplicate":
            text = text[:end] + chunk + text[end:]
        elif operation == "insert":
            text = (
                text[:start]
                + data.draw(st.sampled_from(LABELS) | st.text(max_size=30))
                + text[start:]
            )
        else:
            rest = text[:start] + text[end:]
            where = data.draw(st.integers(0, len(rest)))
            text = rest[:where] + chunk + rest[where:]
    _parses_or_refuses(text)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4000))
def test_arbitrary_bytes(data: bytes) -> None:
    try:
        parse_letter(data, source="generated.bin")
    except LetterError as exc:
        assert exc.source == "generated.bin"


@settings(max_examples=100, deadline=None)
@given(st.binary(min_size=1, max_size=2000))
def test_bytes_behind_a_pdf_signature(data: bytes) -> None:
    try:
        parse_letter(b"%PDF-1.7\n" + data, source="generated.pdf")
    except LetterError as exc:
        assert exc.source == "generated.pdf"


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURE_DIR.glob("*.txt")))
def test_line_numbers_point_into_the_letter(name: str) -> None:
    text = (FIXTURE_DIR / name).read_text(encoding="utf-8")
    parsed = parse_text(text, source=name)
    lines = parsed.text.split("\n")
    for item in parsed.items:
        first_words = " ".join(item.request.split()[:2])
        assert 1 <= item.line <= len(lines)
        assert first_words.split()[0] in lines[item.line - 1] or first_words in " ".join(
            lines[item.line - 1 : item.line + 2]
        )
