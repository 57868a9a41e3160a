"""Sentence spans and dates keep offsets into the original record text."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from openimr.facts.text import find_dates, reading_text, split_sentences


def test_splits_run_together_sentences_and_keeps_offsets() -> None:
    text = (
        "Injury of August 9, 1999.Thus far, therapy. Dr. Smith saw him."
        "\n1. Lumbar strain\n2. Neck strain"
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Injury of August 9, 1999.",
        "Thus far, therapy.",
        "Dr. Smith saw him.",
        "1. Lumbar strain",
        "2. Neck strain",
    ]
    for sentence in sentences:
        assert text[sentence.start : sentence.end] == sentence.text


def test_headings_end_sentences() -> None:
    text = "HISTORY:\nNeck pain.\nPLAN: Physical therapy."
    assert [s.text for s in split_sentences(text)] == [
        "HISTORY:",
        "Neck pain.",
        "PLAN: Physical therapy.",
    ]


def test_dates_in_the_forms_records_use() -> None:
    text = "seen on November 8, 2016, again 11-21-2016 and 12/1/16; MRI 03/2016; 2016-10-10"
    values = [(d.value, d.precision) for d in find_dates(text)]
    assert values == [
        (date(2016, 11, 8), "day"),
        (date(2016, 11, 21), "day"),
        (date(2016, 12, 1), "day"),
        (date(2016, 3, 1), "month"),
        (date(2016, 10, 10), "day"),
    ]


def test_impossible_dates_are_ignored() -> None:
    assert find_dates("on 2/30/2016 and 13/45/2016") == []


@given(st.text(max_size=300))
def test_sentences_cover_only_the_text(text: str) -> None:
    for sentence in split_sentences(text):
        assert text[sentence.start : sentence.end] == sentence.text
        assert sentence.text.strip() == sentence.text


def test_the_reading_text_joins_broken_lines_and_words_one_for_one() -> None:
    text = "An orthopedic\nreferral was made and requ-\nested\tthe drug.\fNext page"
    reading = reading_text(text)
    assert reading == "An orthopedic referral was made and requested   the drug. Next page"
    assert len(reading) == len(text)
    # a hyphen between a letter and a digit is a level, never a broken word
    assert reading_text("L4-\n5 disc") == "L4- 5 disc"


@given(st.text(alphabet="ab- \n\t\r\f.", max_size=200))
def test_the_reading_text_keeps_every_offset(text: str) -> None:
    reading = reading_text(text)
    assert len(reading) == len(text)
    assert not any(character in reading for character in "\n\r\t\f")
    # outside a joined word every character is the record's own, or a space for a break
    for mine, theirs in zip(reading, text, strict=True):
        assert mine == theirs or mine == " " or mine.isalpha()


def test_an_abbreviation_ends_no_sentence_in_capitals() -> None:
    sentences = split_sentences("TYLENOL NO. 3 WAS GIVEN. SEEN BY DR. SMITH. BETTER.")
    assert [s.text for s in sentences] == [
        "TYLENOL NO. 3 WAS GIVEN.",
        "SEEN BY DR. SMITH.",
        "BETTER.",
    ]
