"""The real published letters (already redacted by the DWC) lose nothing clinical: every span
the redactor would remove from them is a false positive. Read from ../shared where present."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from tests.publication.support import SHARED

from openimr.casefile.model import Parties
from openimr.letters.parse import parse_letter, read_letter
from openimr.publication import Redactor, publish, redactor_for

pytestmark = pytest.mark.shared
_WORD = re.compile(r"[^\W_]+")


@pytest.fixture(scope="module")
def letters() -> list[Path]:
    folder = SHARED / "eval-dev" / "letters"
    if not folder.is_dir():
        pytest.skip("../shared (reference letters) is not present on this machine")
    return sorted(folder.glob("*.pdf"))


def test_real_letters_keep_their_clinical_words(
    letters: list[Path], bare_redactor: Redactor
) -> None:
    words, removed = _words_removed(letters, bare_redactor)
    assert words > 50_000
    assert removed / words < 0.001


def _words_removed(letters: list[Path], redactor: Redactor) -> tuple[int, int]:
    """Words in the letters' summaries, requests and rationales, and how many the redactor
    would remove."""
    words = removed = 0
    for path in letters:
        determination = read_letter(path).determination
        texts = [determination.clinical_case_summary]
        for item in determination.items:
            texts += [item.request, item.rationale]
        for text in texts:
            words += len(_WORD.findall(text))
            removed += sum(len(_WORD.findall(text[s.start : s.end])) for s in redactor.spans(text))
    return words, removed


#: Given names whose nicknames are made by sound changes and shapes, listed as the parties of a
#: case, so that every such guess is tried on real clinical text.
_LISTED = [
    "Margaret",
    "Robert",
    "William",
    "Richard",
    "Edward",
    "Mary",
    "Vladimir",
    "Araceli",
    "Tigran",
    "Jesús",
    "Guadalupe",
    "Francisco",
    "Christopher",
    "Antonio",
    "Felicia",
    "Allan",
]


def test_real_letters_keep_their_clinical_words_whoever_is_listed(letters: list[Path]) -> None:
    parties = Parties.model_validate(
        {
            "claimant": {"name": f"{_LISTED[0]} Abernathy"},
            "others": [{"name": f"{name} Quixley"} for name in _LISTED[1:]],
        }
    )
    words, removed = _words_removed(letters, redactor_for(parties))
    assert words > 50_000
    assert removed / words < 0.0005


def test_published_real_letters_parse_into_the_same_decisions(
    letters: list[Path], bare_redactor: Redactor
) -> None:
    for path in letters[:40]:
        original = read_letter(path).determination
        published = publish(original, bare_redactor, "text")
        again = parse_letter(published.content)
        assert [i.decision for i in again.items] == [i.decision for i in original.items], path
        assert [[c.family for c in i.citations] for i in again.items] == [
            [c.family for c in i.citations] for i in original.items
        ], path
        assert again.date_of_injury == original.date_of_injury
