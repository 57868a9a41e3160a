"""Nicknames made by a sound change (a rhyming first consonant, a voiced or hissing neighbour, a
vowel put in), the nickname table read both ways, a word written beside a listed name, and the
clinical and ordinary words all of this must leave alone."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.publication.support import FIXTURE

from openimr.casefile.model import Parties
from openimr.domain import Determination
from openimr.letters.parse import parse_letter
from openimr.publication import Redactor, publish, redactor_for
from openimr.publication.sounds import SoundForms, sound
from openimr.publication.vocabulary import load_publication_vocabulary

VOCABULARY = load_publication_vocabulary()
ENDINGS = VOCABULARY.diminutive_endings


def _redactor(given_name: str, family: str = "Abernathy") -> Redactor:
    return redactor_for(Parties.model_validate({"claimant": {"name": f"{given_name} {family}"}}))


def test_a_word_is_compared_by_its_sound() -> None:
    assert sound("Johnny") == "jana"  # silent h, doubled n once, y a vowel
    assert sound("Margaret") == "margarat"
    assert sound("Alex") == "alaks"
    assert sound("Cecilia") == sound("Sesilia")


@pytest.mark.parametrize(
    ("name", "form"),
    [
        ("Robert", "Bob"),  # Rob, first consonant rhymed
        ("William", "Bill"),
        ("Margaret", "Peggy"),  # Meg, Peg
        ("Edward", "Ted"),  # a consonant before the first vowel
        ("Vladimir", "Volodya"),  # a vowel put in, an ending
        ("Araceli", "Chela"),  # a hissing neighbour, an ending
        ("Tigran", "Tiko"),  # a first syllable and an ending
        ("Jonathan", "Johnny"),
    ],
)
def test_sound_changes_derive_the_nickname_without_any_table(name: str, form: str) -> None:
    forms = SoundForms([(name, name)], ENDINGS)
    assert forms.derives(form) == name


def test_a_sound_form_names_the_person_whose_name_it_comes_from() -> None:
    forms = SoundForms([("Robert", "first"), ("Tigran", "second")], ENDINGS)
    assert forms.derives("Bobby") == "first"
    assert forms.derives("Tiko") == "second"
    assert forms.derives("Xylophone") is None


@pytest.mark.parametrize(
    ("listed", "sentence", "nickname"),
    [
        ("Robert", "Medications for Bob included Norco 10/325 and gabapentin.", "Bob"),
        ("Vladimir", "Spurling maneuver reproduced neck pain in Volodya today.", "Volodya"),
        ("Araceli", "Tramadol was stopped because Chelita had nausea.", "Chelita"),
        ("Tigran", "A McMurray test was positive when Tiko was examined.", "Tiko"),
    ],
)
def test_sound_forms_are_removed_inside_clinical_sentences(
    listed: str, sentence: str, nickname: str
) -> None:
    redacted = _redactor(listed).redact(sentence).text
    assert nickname not in redacted
    assert "[injured worker]" in redacted
    for kept in ("Norco", "gabapentin", "Spurling", "Tramadol", "McMurray"):
        if kept in sentence:
            assert kept in redacted


def test_sound_forms_are_found_with_a_table_that_does_not_hold_them() -> None:
    empty = VOCABULARY.with_nicknames([])
    redactor = redactor_for(
        Parties.model_validate({"claimant": {"name": "Margaret Abernathy"}}), vocabulary=empty
    )
    assert "Peggy" not in redactor.redact("Peggy said the brace helped.").text


def test_the_table_is_read_both_ways_and_through_the_given_name() -> None:
    forms = VOCABULARY.short_forms("Peggy")
    assert "margaret" in forms  # the given name it is a nickname of
    assert "maggie" in forms  # another nickname of that name
    assert "bob" in VOCABULARY.short_forms("Robert")


def test_another_table_replaces_the_sourced_one() -> None:
    table = VOCABULARY.with_nicknames([("Robert", "Bob")])
    assert table.short_forms("robert") == frozenset({"bob"})
    assert table.short_forms("bob") == frozenset({"robert"})
    assert table.known_words == VOCABULARY.known_words


@pytest.mark.parametrize(
    "text",
    [
        "Chuchito Abernathy was seen on the same day. Later Chuchito said the pain was worse.",
        "Abernathy, Chuchito was seen on the same day. Later Chuchito said the pain was worse.",
    ],
)
def test_a_word_beside_the_listed_name_is_removed_wherever_it_is_written(text: str) -> None:
    redacted = _redactor("Jesús").redact(text).text
    assert "Chuchito" not in redacted
    assert "Abernathy" not in redacted


def test_words_beside_a_listed_name_that_are_clinical_or_ordinary_stay() -> None:
    text = "Positive Tinel Abernathy noted. Then Abernathy had Norco; Abernathy, Lachman negative."
    redacted = _redactor("Jesús").redact(text).text
    for kept in ("Positive", "Tinel", "Then", "Norco", "Lachman"):
        assert kept in redacted


@pytest.mark.parametrize(
    ("listed", "as_name", "as_eponym"),
    [
        ("Allan", "Allen reported that the pain was worse.", "The Allen test was normal."),
        ("Thom", "The nurse called Thomas twice.", "A Thomas test was negative."),
    ],
)
def test_a_name_that_is_an_eponym_is_removed_only_where_a_person_stands(
    listed: str, as_name: str, as_eponym: str
) -> None:
    redactor = _redactor(listed)
    assert "[injured worker]" in redactor.redact(as_name).text
    assert redactor.redact(as_eponym).text == as_eponym


def test_a_two_letter_name_that_begins_the_listed_one_is_removed() -> None:
    redactor = redactor_for(
        Parties.model_validate({"claimant": {"name": "Albert Abernathy"}}),
        vocabulary=VOCABULARY.with_nicknames([]),
    )
    assert "Al " not in redactor.redact("Al reported that the pain was worse.").text
    kept = "An MRI was done. As noted, it was normal. At rest the pain was less."
    assert redactor.redact(kept).text == kept


def test_ordinary_english_words_are_never_taken_for_sound_forms() -> None:
    redactor = _redactor("Margaret")
    text = "Target heart rate was reached. Marginal gains. Magnesium was normal."
    assert redactor.redact(text).text == text


#: Clinical sentences of our own: eponyms, drugs, anatomy and dates that must stay.
CLINICAL = (
    "On March 3, 2016, examination showed a positive Tinel's sign and a positive Phalen's test. "
    "A McMurray test was positive; Lachman was negative. Spurling maneuver reproduced pain. "
    "Medications included Norco 10/325, Flexeril, gabapentin, Lyrica and Lidoderm patches. "
    "Finkelstein test was positive. Hoffmann sign was absent. A Neer sign was positive. "
    "The MRI showed an L4-L5 disc protrusion; the ACOEM and MTUS guidelines were cited. "
    "Tramadol was stopped; naproxen, Celebrex and Mobic were continued. Cervical, thoracic, "
    "lumbar and sacral regions were tender. Will the patient improve? May 2016 notes agree."
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(VOCABULARY.nicknames)))
def test_clinical_words_stay_whatever_the_listed_given_name(name: str) -> None:
    redacted = _redactor(name.title()).redact(CLINICAL).text
    assert redacted == CLINICAL


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pair=st.sampled_from(
        sorted((full, short) for full, shorts in VOCABULARY.nicknames.items() for short in shorts)
    )
)
def test_a_table_nickname_where_a_person_stands_never_survives(pair: tuple[str, str]) -> None:
    full, short = pair
    nickname = short.title()
    if len(short) < 2 or not short.isalpha():
        return
    redacted = _redactor(full.title()).redact(f"{nickname} reported that the pain was worse.")
    assert nickname not in redacted.text.split()


def test_a_letter_naming_the_worker_by_sound_forms_parses_into_the_same_decisions() -> None:
    determination = Determination.model_validate_json(FIXTURE.read_text("utf-8"))
    summary = (
        "Peggy reported that the pain was worse. Medications for Peggy included Norco 10/325. "
        "Maggie Abernathy was examined; a positive Tinel's sign was noted. "
        + determination.clinical_case_summary
    )
    determination = determination.model_copy(update={"clinical_case_summary": summary})
    redactor = redactor_for(
        Parties.model_validate({"claimant": {"name": "Margaret Abernathy"}}),
        vocabulary=VOCABULARY.with_nicknames([]),
    )
    published = publish(determination, redactor, "text")
    text = published.content.decode("utf-8")
    for gone in ("Peggy", "Maggie", "Abernathy"):
        assert gone not in text
    for kept in ("Norco", "Tinel"):
        assert kept in text
    parsed = parse_letter(published.content)
    assert [i.decision for i in parsed.items] == [i.decision for i in determination.items]
    assert [[c.family for c in i.citations] for i in parsed.items] == [
        [c.family for c in i.citations] for i in determination.items
    ]
    assert json.loads(json.dumps(published.removed)) == dict(published.removed)
