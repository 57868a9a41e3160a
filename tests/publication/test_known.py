"""Listed identities are removed in every form a letter writes them, and only as names."""

from __future__ import annotations

import pytest

from openimr.casefile.model import Parties
from openimr.publication import Redactor, redactor_for


@pytest.mark.parametrize(
    "sentence",
    [
        "María José García-Hernández reported pain.",
        "GARCIA-HERNANDEZ, MARIA reported pain.",
        "Ms. Garcia reported pain.",
        "garcia hernandez reported pain.",
        "G a r c i a reported pain.",
        "Garc1a-Hernandez reported pain.",
        "Gar-\ncia reported pain.",
        "Maria reported pain.",
        "Mary reported pain.",
        "Pepe reported pain.",
        "M.J.G. reported pain.",
        "M. Garcia reported pain.",
        "Lupe reported pain.",
        "Her DOB is March 14, 1971.",
        "She was born 3/14/71 in Fresno.",
        "Call 559.555.0134 after noon.",
        "Call 555-0134 after noon.",
        "Write to MGARCIA71@EXAMPLE.COM soon.",
        "She lives at 1234 W. Shaw Ave., Apt 5.",
        "Claim 05 123456 789 was accepted.",
        "Chart MRN 00123456 reviewed.",
        "She works for Acme Roofing.",
        "ACME ROOFING INC. accepted the claim.",
        "Golden State Mutual denied it.",
        "GSMI denied it.",
        "Dr. Adeyemi examined her.",
        "Oluwaseun Adeyemi, MD examined her.",
        "Valley Orthopedic Group examined her.",
        "Nguyen Thi Hoa examined her.",
        "Hoa Nguyen examined her.",
        "The UR reviewer, Dr. Lee Chen, denied it.",
        "Bill examined the records.",
        "Dr. Phalen agreed.",
        "Siobhan OConnor interpreted.",
    ],
)
def test_listed_identities_are_removed(redactor: Redactor, sentence: str) -> None:
    redacted = redactor.redact(sentence).text
    assert "[" in redacted
    assert redactor.leaks(redacted) == []


@pytest.mark.parametrize(
    "sentence",
    [
        "Phalen's test and Tinel's sign were positive.",
        "A positive Phalen maneuver was noted.",
        "Will she improve with therapy?",
        "Norco 10/325 was continued with gabapentin.",
        "The date of injury was March 14, 2024; she was seen March 20, 2024.",
        "Range of motion was full; she will return to work.",
    ],
)
def test_clinical_words_that_are_also_names_stay(redactor: Redactor, sentence: str) -> None:
    assert redactor.redact(sentence).text == sentence


def test_touching_parts_become_one_placeholder(redactor: Redactor) -> None:
    assert redactor.redact("Seen: García-Hernández, María José.").text == "Seen: [injured worker]."


def test_the_role_is_what_the_placeholder_says(redactor: Redactor) -> None:
    text = "Dr. Adeyemi wrote to Acme Roofing about claim 05-123456-789."
    assert redactor.redact(text).text == (
        "Dr. [provider] wrote to [employer] about claim [claim number]."
    )


def test_redacting_twice_changes_nothing(redactor: Redactor) -> None:
    once = redactor.redact("Ms. Garcia called 559-555-0134 from 1234 West Shaw Avenue.").text
    assert redactor.redact(once).text == once


def test_a_date_of_birth_is_found_only_written_as_a_date() -> None:
    # 9/7/92 folds to the digits of "8 CCR 9792.21.1", which every letter cites
    listed = Parties.model_validate(
        {"claimant": {"name": "Ana Lima", "date_of_birth": "1992-09-07"}}
    )
    redactor = redactor_for(listed)
    citation = "applying the MTUS first (8 CCR 9792.21.1)."
    assert redactor.redact(citation).text == citation
    assert redactor.redact("Born 9/7/92 in Fresno.").text == "Born [date of birth] in Fresno."


def test_an_acronym_that_folds_to_a_clinical_word_counts_only_dotted() -> None:
    # "MRL" and "MRI" are one skeleton (i and l are one OCR group)
    redactor = redactor_for(Parties.model_validate({"employer": {"name": "Mojave Roofing LLC"}}))
    assert redactor.redact("The MRI showed a tear.").text == "The MRI showed a tear."
    assert "[employer]" in redactor.redact("M.R.L. denied it.").text
