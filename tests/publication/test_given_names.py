"""A given name of the name dictionary standing alone where a sentence puts a person is removed;
the same word as a drug, eponym, clinical term, month or place stays."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openimr.publication import Redactor, redactor_for
from openimr.publication.detect import (
    ANY_PERSON_PLACE,
    GREETING_ONLY,
    NOT_A_NAME,
    SPEECH_ONLY,
    given_name_level,
)
from openimr.publication.vocabulary import load_publication_vocabulary

VOCABULARY = load_publication_vocabulary()


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("Madge had nausea after the injection.", "Madge"),
        ("Medications for Mamie included Norco 10/325 and gabapentin.", "Mamie"),
        ("Spurling maneuver reproduced neck pain in Wendy with tingling into the thumb.", "Wendy"),
        ("On December 2, 2015, Hugh had a positive McMurray test on the left.", "Hugh"),
        ("Tramadol was stopped because Phoebe had nausea; naproxen was continued.", "Phoebe"),
        ("Then Reginald was seen for follow-up.", "Reginald"),
        ("At the follow-up visit Mamie described numbness in both hands.", "Mamie"),
        ("The request for Bartholomew was denied at UR.", "Bartholomew"),
        ("Joy reports less pain with the brace.", "Joy"),
        ("Rose was seen for follow-up on May 3, 2016.", "Rose"),
        ("The surgeon examined Ginger again in clinic.", "Ginger"),
        ("Dear Lily,\nThe MRI is scheduled.", "Lily"),
        ("Sincerely,\nGinger\n", "Ginger"),
        # an ordinary word is written small inside a sentence: capitalized there, it is a name
        ("Medications for Ginger included Norco 10/325 and gabapentin.", "Ginger"),
        ("Tramadol was stopped because Lalo had nausea; naproxen was continued.", "Lalo"),
        ("On March 3, 2016, Joy had a positive Tinel's sign at the right wrist.", "Joy"),
    ],
)
def test_a_given_name_alone_where_a_person_stands_is_removed(
    bare_redactor: Redactor, sentence: str, name: str
) -> None:
    redacted = bare_redactor.redact(sentence).text
    assert name not in redacted
    assert "[name]" in redacted


@pytest.mark.parametrize(
    "sentence",
    [
        "Lachman was negative and Neer had been positive.",
        "Tinel was positive at the wrist; Norco was continued.",
        "He lives in Fresno with his wife and moved to Austin later.",
        "Ginger had no effect on the nausea.",
        "Joy was absent from the examination; Rose had been noted.",
        "She was seen June 3, 2016 and again in May.",
        "Medications for Will included nothing new.",
        "Pain in Tinel distribution was reported.",
        "The clinic in Fresno was closed.",
        "Dear Sir or Madam,\nThe records follow.",
        "Will she improve? May she return to work?",
    ],
)
def test_a_given_name_of_another_kind_stays_where_the_position_is_not_a_persons(
    bare_redactor: Redactor, sentence: str
) -> None:
    assert bare_redactor.redact(sentence).text == sentence


def test_the_levels_follow_the_guards() -> None:
    level = {w: given_name_level(VOCABULARY, w) for w in ["Madge", "Joy", "Jobe", "June", "The"]}
    assert level == {
        "Madge": ANY_PERSON_PLACE,
        "Joy": SPEECH_ONLY,
        "Jobe": GREETING_ONLY,
        "June": GREETING_ONLY,
        "The": NOT_A_NAME,
    }
    assert given_name_level(VOCABULARY, "Zqxwv") == NOT_A_NAME


def _given_names_of(predicate) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(w for w in VOCABULARY.given_names if w.isalpha() and len(w) >= 3 and predicate(w))


#: Dictionary names that are a drug, eponym, clinical or guideline word.
_CLINICAL_NAMES = _given_names_of(
    lambda w: (
        given_name_level(VOCABULARY, w.capitalize()) == GREETING_ONLY
        and (VOCABULARY.clinical(w) or VOCABULARY.eponym(w) or w in VOCABULARY.known_words)
    )
)
#: Dictionary names that are nothing else.
_PLAIN_NAMES = _given_names_of(
    lambda w: given_name_level(VOCABULARY, w.capitalize()) == ANY_PERSON_PLACE
)
_PLACES = [
    "Medications for {} included Norco.",
    "Neck pain in {} with tingling was noted.",
    "On May 3, 2016, {} had a positive test.",
    "Therapy stopped because {} had nausea.",
    "{} reports less pain.",
    "The physician examined {} again.",
]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(word=st.sampled_from(_CLINICAL_NAMES), template=st.sampled_from(_PLACES))
def test_a_clinical_word_that_is_also_a_given_name_stays_where_a_person_would_stand(
    word: str, template: str
) -> None:
    text = template.format(word.capitalize())
    assert redactor_for(None).redact(text).text == text


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(word=st.sampled_from(_PLAIN_NAMES), template=st.sampled_from(_PLACES))
def test_a_plain_given_name_is_removed_where_a_person_stands(word: str, template: str) -> None:
    name = word.capitalize()
    redacted = redactor_for(None).redact(template.format(name)).text
    assert name not in redacted
