"""A listed given name is also removed in the short forms people use for it: the nicknames of
the sourced table, those of the same name in English, and short forms no table lists, found by
their shape; words of the guidelines, eponyms and drugs stay."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openimr.casefile.model import Parties
from openimr.publication import Redactor, redactor_for
from openimr.publication.vocabulary import load_publication_vocabulary

VOCABULARY = load_publication_vocabulary()


def _redactor(given_name: str, family: str = "Okonkwo") -> Redactor:
    return redactor_for(Parties.model_validate({"claimant": {"name": f"{given_name} {family}"}}))


def test_the_nickname_table_is_the_sourced_one() -> None:
    assert {"bob", "bobby", "rob"} <= VOCABULARY.short_forms("Robert")
    assert "robert" in VOCABULARY.short_forms("Bob")  # read both ways
    assert len(VOCABULARY.nicknames) > 1000


@pytest.mark.parametrize(
    ("listed", "sentence"),
    [
        ("Robert", "Bob reported that the pain was worse at night."),
        ("Robert", "The treating physician examined Bobby on the same day."),
        ("Margaret", "Peggy's lumbar MRI showed a disc protrusion at L4-L5."),
        ("Bob", "Robert remained off work."),
        ("Maximilian", "Max said the brace helped."),
    ],
)
def test_nicknames_of_the_table_are_removed(listed: str, sentence: str) -> None:
    redactor = _redactor(listed)
    nickname = sentence.split()[0] if sentence.split()[0] != "The" else "Bobby"
    redacted = redactor.redact(sentence).text
    assert nickname.removesuffix("'s") not in redacted
    assert "[injured worker]" in redacted


def test_a_nickname_that_is_a_guideline_word_counts_only_as_a_name() -> None:
    redactor = _redactor("Maximilian")
    text = "The max dose of Norco was reached at maximum medical improvement."
    assert redactor.redact(text).text == text


@pytest.mark.parametrize(
    ("listed", "written"),
    [
        ("Rogelio", "Roger"),  # Roger, the same name in English
        ("Alberto", "Bert"),  # a nickname of Albert
        ("Francisco", "Frank"),  # of Francis
    ],
)
def test_nicknames_of_the_same_name_in_english_are_removed(listed: str, written: str) -> None:
    redacted = _redactor(listed).redact(f"According to the records, {written} remained off work.")
    assert written not in redacted.text


@pytest.mark.parametrize(
    ("listed", "written"),
    [
        ("Venkatesh", "Venky"),
        ("Nikolai", "Kolya"),
        ("Yekaterina", "Katya"),
        ("Alberto", "Beto"),  # a letter of the piece dropped: "Berto"
        ("Guadalupe", "Lupita"),
        ("Chukwuemeka", "Emeka"),
        ("Oluwaseun", "Seun"),
    ],
)
def test_short_forms_no_table_lists_are_found_by_their_shape(listed: str, written: str) -> None:
    redactor = _redactor(listed)
    for sentence in (
        f"{written} reported that the pain was worse at night.",
        f"The records of {written} were read in full.",
        f"{written}'s knee gave way on the stairs.",
        f"{written.upper()} remained off work.",
    ):
        redacted = redactor.redact(sentence).text
        assert written.lower() not in redacted.lower(), sentence
        assert "[injured worker]" in redacted


@pytest.mark.parametrize(
    ("listed", "sentence"),
    [
        ("Spurlina", "Spurling maneuver reproduced neck pain."),
        ("Normando", "Norco 10/325 was continued."),
        ("Tinelia", "A positive Tinel's sign was noted at the wrist."),
        ("Lidia", "Lidoderm patches were requested."),
        ("Gabriella", "Gabapentin was tried before."),
        ("Therese", "Therefore the request is not medically necessary."),
    ],
)
def test_clinical_words_that_look_like_a_short_form_stay(listed: str, sentence: str) -> None:
    assert _redactor(listed).redact(sentence).text == sentence


_GIVEN = [
    "Guadalupe",
    "Francisco",
    "Venkatesh",
    "Chukwuemeka",
    "Yekaterina",
    "Svetlana",
    "Priyanka",
    "Kourosh",
    "Tigran",
    "Ferdinand",
    "Padraig",
    "Xiaoming",
    "Oluwaseun",
    "Rodrigo",
]


@st.composite
def short_forms(draw: st.DrawFn) -> tuple[str, str]:
    """A given name and a short form of it: a run of its letters and a diminutive ending."""
    name = draw(st.sampled_from(_GIVEN))
    folded = name.lower()
    start = draw(st.integers(0, len(folded) - 3))
    size = draw(st.integers(3, len(folded) - start))
    ending = draw(st.sampled_from(["", *VOCABULARY.diminutive_endings]))
    form = (folded[start : start + size] + ending).capitalize()
    assume(form.lower() != folded)
    key = form.lower()
    assume(key not in VOCABULARY.known_words and key not in VOCABULARY.common_words)
    assume(key not in VOCABULARY.sentence_words and key not in VOCABULARY.role_words)
    assume(not VOCABULARY.clinical(key) and not VOCABULARY.eponym(key))
    assume(key not in VOCABULARY.titles and key not in VOCABULARY.credentials)
    assume(key not in VOCABULARY.particles)
    return name, form


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pair=short_forms(), template=st.sampled_from(["{} said so.", "We called {} twice."]))
def test_any_short_form_of_a_listed_given_name_is_removed(
    pair: tuple[str, str], template: str
) -> None:
    name, form = pair
    redacted = _redactor(name).redact(template.format(form)).text
    assert form not in redacted
