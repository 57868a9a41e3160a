"""Reading a rationale's conclusion, and where a request's title starts."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimr.domain import Decision
from openimr.letters._sectioned import _TERMINATOR
from openimr.letters._text import conclusion, conclusion_sentence


@pytest.mark.parametrize(
    ("rationale", "expected"),
    [
        ("MRI of the left knee without contrast is medically necessary.", Decision.OVERTURNED),
        ("The request is not medically necessary.", Decision.UPHELD),
        ("Medical necessity has not been established.", Decision.UPHELD),
        ("There is no evidence that the request is medically necessary.", Decision.UPHELD),
        ("The request is determined to not be medically necessary.", Decision.UPHELD),
        ("The request cannot be considered medically necessary.", Decision.UPHELD),
        ("It doesn't appear to be medically necessary at this time.", Decision.UPHELD),
        ("The request is not, at this time, medically necessary.", Decision.UPHELD),
        ("The records do not establish that more visits are medically necessary.", Decision.UPHELD),
        ("The brace is medically unnecessary.", Decision.UPHELD),
        # A negation in another clause of the concluding sentence is not the conclusion's.
        ("The worker has no red flags, so the MRI is medically necessary.", Decision.OVERTURNED),
        ("There is no instability and the brace is medically necessary.", Decision.OVERTURNED),
        ("As the pain has not eased, the injection is medically necessary.", Decision.OVERTURNED),
    ],
)
def test_conclusion_is_the_last_statement_of_necessity(rationale: str, expected: Decision) -> None:
    assert conclusion(rationale) is expected


def test_a_negation_earlier_in_the_rationale_does_not_turn_its_conclusion() -> None:
    """A rationale concluding "is medically necessary" had been read as its opposite because a
    "not" or "no" stood a few words before the conclusion, in a clause of its own."""
    rationale = (
        "The claimant has had pain in the right wrist since a fall at work. Splinting and two "
        "months of anti-inflammatory medication did not help, and there are no signs of a "
        "fracture on plain films. Since conservative care has not relieved the symptoms and the "
        "examination shows no reason to wait, the requested MRI of the right wrist is medically "
        "necessary."
    )
    found = conclusion_sentence(rationale)
    assert found is not None
    decision, sentence = found
    assert decision is Decision.OVERTURNED
    assert sentence.startswith("Since conservative care has not relieved")
    assert sentence.endswith("is medically necessary.")


_WORDS = st.sampled_from(
    [
        "no",
        "not",
        "never",
        "the",
        "worker",
        "pain",
        "improved",
        "therapy",
        "records",
        "show",
        "documented",
        "red",
        "flags",
        "and",
        "with",
        "visits",
        "cannot",
        "without",
        "MRI",
    ]
)
_SENTENCE = st.lists(_WORDS, min_size=1, max_size=14).map(
    lambda words: " ".join(words).capitalize() + "."
)


@given(st.lists(_SENTENCE, max_size=6), st.booleans())
def test_the_conclusion_is_read_from_the_last_sentence(earlier: list[str], negative: bool) -> None:
    last = (
        "Therefore, the request is not medically necessary."
        if negative
        else "Therefore, the request is medically necessary."
    )
    found = conclusion_sentence(" ".join([*earlier, last]))
    assert found == (Decision.UPHELD if negative else Decision.OVERTURNED, last)


def test_a_wrapped_date_of_service_label_does_not_end_the_title() -> None:
    assert _TERMINATOR.search("Lidoderm patch, #1 box with 1 refill, DOS: \n") is None
    assert _TERMINATOR.search("items/services set forth below:\n") is not None
