"""Page text as a reader quotes it: characters cleaned, lines joined, hyphenation undone."""

from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from openimr.records.normalize import Line, clean_line, join_lines


def _lines(*texts: str, gap: float = 0.0) -> list[Line]:
    """Lines of one paragraph, as a PDF would place them (full width, 12 points apart)."""
    out = []
    for index, text in enumerate(texts):
        top = index * (12.0 + gap)
        out.append(Line(text, 72.0, top, 540.0, top + 10.0))
    return out


def test_non_characters_soft_hyphens_and_look_alikes_are_normalized() -> None:
    assert clean_line("pа\ufffein\u00ad") == "pain"  # Cyrillic a, U+FFFE, soft hyphen
    assert clean_line("ﬁnal “quoted” text – L4–5\u00a0level") == 'final "quoted" text - L4-5 level'
    assert clean_line("\u200bzero\u200dwidth\x07") == "zerowidth"
    assert clean_line("Δ μg") == "Δ μg"  # a Greek word or unit is left alone


def test_lines_join_into_paragraphs_and_hyphenation_is_undone() -> None:
    text = join_lines(
        _lines(
            "The patient reports persistent lumbar pain radiating to the left lower",
            "extremity. Examination shows decreased sensa\u2010",
            "tion in the L5 dermatome and a follow-",
            "up is planned at L4-",
            "5 in six weeks.",
        )
    )
    assert text == (
        "The patient reports persistent lumbar pain radiating to the left lower extremity. "
        "Examination shows decreased sensation in the L5 dermatome and a follow-up is planned "
        "at L4-5 in six weeks."
    )


def test_headings_list_items_and_gaps_start_paragraphs() -> None:
    lines = _lines("SUBJECTIVE:", "Low back pain 6/10.", "1. Naproxen 550 mg", "2. Gabapentin")
    lines.append(Line("A new paragraph after a gap.", 72.0, 100.0, 540.0, 110.0))
    assert join_lines(lines).split("\n") == [
        "SUBJECTIVE:",
        "Low back pain 6/10.",
        "1. Naproxen 550 mg",
        "2. Gabapentin",
        "A new paragraph after a gap.",
    ]


def test_a_short_line_ending_a_sentence_ends_its_paragraph() -> None:
    lines = [
        Line("Work status: modified duty.", 72.0, 0.0, 250.0, 10.0),
        Line(
            "Follow up in four weeks or sooner if symptoms worsen, as discussed today.",
            72.0,
            12.0,
            540.0,
            22.0,
        ),
    ]
    assert join_lines(lines).count("\n") == 1


_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=0, max_size=80
)


@given(_TEXT)
def test_clean_line_is_idempotent_and_leaves_no_invisible_characters(text: str) -> None:
    once = clean_line(text)
    assert clean_line(once) == once
    assert "\n" not in once and "\u00ad" not in once and "\ufffe" not in once
    assert once == once.strip() and "  " not in once
    assert not any(unicodedata.category(ch) in {"Cc", "Cf", "Co"} for ch in once)


_WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGH0123456789", min_size=1, max_size=12)


@given(st.lists(st.lists(_WORD, min_size=1, max_size=12), min_size=1, max_size=8))
def test_joining_keeps_every_word_in_order(rows: list[list[str]]) -> None:
    texts = [" ".join(words) for words in rows]
    joined = join_lines(_lines(*texts))
    assert joined.split() == " ".join(texts).split()
    assert "\u00ad" not in joined


@given(st.lists(_WORD, min_size=2, max_size=6), st.sampled_from(["\u00ad", "\ufffe", "\u2010"]))
def test_a_word_broken_by_a_hyphenation_mark_is_whole_again(words: list[str], mark: str) -> None:
    word = "".join(w.lower() for w in words)
    cut = len(word) // 2 or 1
    joined = join_lines(_lines(f"see {word[:cut]}{mark}", f"{word[cut:]} here"))
    if word[cut:][:1].isalpha():
        assert joined == f"see {word} here"
    else:
        assert joined.split()[1].replace("-", "") == word
