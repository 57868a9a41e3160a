"""Identifiers nobody listed are detected; clinical text, dates of injury and citations stay."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openimr.publication import Redactor, redactor_for
from openimr.publication.vocabulary import load_publication_vocabulary

VOCABULARY = load_publication_vocabulary()


@pytest.mark.parametrize(
    ("sentence", "placeholder"),
    [
        ("Seen by Dr. Rajesh Kumar on 11/21/2016.", "[name]"),
        ("DR. SMITH reviewed the MRI.", "[name]"),
        ("Per Tomasz Wiśniewski, PA-C, the exam was normal.", "[name]"),
        ("The adjuster, Fatima Al-Sayed, requested records.", "[name]"),
        ("Electronically signed by Kwame Mensah", "[name]"),
        ("Her SSN is 536-22-8817.", "[SSN]"),
        ("SSN 078-05-1120 (an invalid number, still removed).", "[SSN]"),
        ("Social security 219-09-9999 on file.", "[SSN]"),
        ("Call (415) 555-0199 for the results.", "[phone]"),
        ("Reach him at jdoe@example.org please.", "[email]"),
        ("Claim No.: 4417-22981-WC was accepted.", "[claim number]"),
        ("WCAB ADJ9876543 is pending.", "[claim number]"),
        ("Policy number WC-88812345 covers the employer.", "[policy number]"),
        ("MRN: 7731904 at the hospital.", "[record number]"),
        ("DOB: 04/02/1968 per the intake form.", "[date of birth]"),
        ("Date of birth: July 4, 1959.", "[date of birth]"),
        ("He lives at 77 Sunset Boulevard, Suite 200, Los Angeles, CA 90028.", "[address]"),
        ("Mail to P.O. Box 4411 only.", "[address]"),
    ],
)
def test_unlisted_identifiers_are_detected(
    bare_redactor: Redactor, sentence: str, placeholder: str
) -> None:
    assert placeholder in bare_redactor.redact(sentence).text


@pytest.mark.parametrize(
    "sentence",
    [
        "The applicant sustained an industrial injury on October 10, 2015 (date of injury).",
        "As noted on page 82 of the MTUS Chronic Pain Medical Treatment Guidelines, the request "
        "was not medically necessary.",
        "MAXIMUS guideline: Decision based on MTUS Low Back Complaints 2004, Section(s): Summary.",
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Knee.",
        "Per the MTUS ACOEM Chapter 12, Table 12-8, page 309, facet injections are not "
        "recommended.",
        "Case Number CM16-0000777 was assigned on 11/18/2016.",
        "Pain was rated 2-5 out of 10; L4-5 and L5-S1 facets; CPT 97110 x 12 visits.",
        "Tinel's sign, Phalen's test, McMurray test and Spurling maneuver were documented.",
        "Norco, Flexeril, Motrin and Skelaxin were renewed; Lyrica was added.",
        "Per Dr. MRI report the disc was normal.",
        "Registered Nurse, Physical Therapist, Occupational Therapist or other provider.",
        "The injured worker is a 60 year old male seen on 11-21-2016.",
        "The reviewer is licensed to practice in North Carolina and West Virginia.",
        "ACOEM Practice Guidelines, 3rd Edition, Online Version.",
        "On March 3, 2016, Tramadol was refilled for pain.",
        "The request for Norco at this time is not supported.",
    ],
)
def test_clinical_text_stays(bare_redactor: Redactor, sentence: str) -> None:
    assert bare_redactor.redact(sentence).text == sentence


@pytest.mark.parametrize(
    ("sentence", "name"),
    [
        ("Chuy reported that the pain was worse at night.", "Chuy"),
        ("Paco's lumbar MRI showed a disc protrusion.", "Paco"),
        ("The nurse called Vova to confirm the appointment.", "Vova"),
        ("The physician examined Lalo on the same day.", "Lalo"),
        ("The records of Pepe were read in full.", "Pepe"),
        ("At the visit Dima was examined by the surgeon.", "Dima"),
        ("Tramadol was refilled for Xochi at the last visit.", "Xochi"),
        ("Therapy notes describe Xochi as guarded with flexion.", "Xochi"),
        ("On March 3, 2016, Xochi had a positive Spurling test.", "Xochi"),
        ("Ginger's cervical MRI showed a disc bulge.", "Ginger"),
        # a capital no word list holds, inside a sentence: whatever follows it
        ("The cervical pillow was delivered to Zorvak Street by the vendor.", "Zorvak"),
        ("Symptoms were worse after lifting, per Quelby the day before.", "Quelby"),
        # an ordinary word or a name, capitalized alone inside a sentence
        ("Medication was refilled and Sunny said the pain was better.", "Sunny"),
        ("The brace fit well, and Buddy wore it at work.", "Buddy"),
    ],
)
def test_a_name_written_alone_is_detected(
    bare_redactor: Redactor, sentence: str, name: str
) -> None:
    redacted = bare_redactor.redact(sentence).text
    assert "[name]" in redacted
    assert name not in redacted


@pytest.mark.parametrize(
    "sentence",
    [
        "Hawkin's and Neer's are positive.",
        "It meets Medicare's definition of durable medical equipment.",
        "She reported that the pain was worse.",
        "Applicant stated that she fell; Patient reported relief.",
        "Therefore the request is not medically necessary.",
        "Tinel's sign was positive and Norco was refilled.",
        "The physician examined Norco use and Tinel's sign.",
    ],
)
def test_words_in_a_persons_place_that_are_known_stay(
    bare_redactor: Redactor, sentence: str
) -> None:
    assert bare_redactor.redact(sentence).text == sentence


@pytest.mark.parametrize(
    "sentence",
    [
        # a run of capitals is a title, not a name
        "The request for Independent Medical Review was received.",
        "The case was reviewed under the Official Disability Guidelines and the MTUS.",
        # a compounded product named from the drugs it blends, an eponym's possessive without
        # its apostrophe, a state, a month
        "A compound of Cyclophene and Ketaprofen cream was dispensed.",
        "On examination Kemps test was positive on the right.",
        "The reviewer is licensed in California and practices in Oregon.",
        "The injured worker was seen in March and again in April.",
    ],
)
def test_capitals_inside_a_sentence_that_a_letter_keeps_stay(
    bare_redactor: Redactor, sentence: str
) -> None:
    assert bare_redactor.redact(sentence).text == sentence


_KNOWN = sorted(w for w in VOCABULARY.known_words if len(w) >= 3 and w.isalpha())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    word=st.sampled_from(_KNOWN),
    template=st.sampled_from(
        ["{} reported relief.", "The surgeon examined {} closely.", "The records of {} were read."]
    ),
)
def test_a_guideline_word_in_a_persons_place_stays(word: str, template: str) -> None:
    text = template.format(word.capitalize())
    assert redactor_for(None).redact(text).text == text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    syllables=st.lists(
        st.sampled_from(["ka", "zu", "vo", "chu", "pe", "ly", "xi", "mbo"]), min_size=2, max_size=3
    ),
    template=st.sampled_from(["{} said so.", "We called {} twice.", "{}'s knee hurts."]),
)
def test_an_unknown_word_in_a_persons_place_is_removed(syllables: list[str], template: str):
    name = "".join(syllables).capitalize()
    assume(name.lower() not in VOCABULARY.known_words and name.lower() not in VOCABULARY.drugs)
    redacted = redactor_for(None).redact(template.format(name)).text
    assert name not in redacted


def test_a_name_found_once_is_removed_wherever_the_letter_writes_it(
    bare_redactor: Redactor,
) -> None:
    text = (
        "Chuy reported that the pain was worse. Medications for Chuy included Norco.\n\n"
        "Omar Al-Sayed witnessed the fall; the statement by Al-Sayed's cousin agreed."
    )
    redacted = bare_redactor.redact(text).text
    assert "Chuy" not in redacted
    assert "Sayed" not in redacted
    assert "Norco" in redacted
    assert redacted.count("[name]") == 4


def test_a_known_word_beside_a_detected_name_is_not_carried_elsewhere(
    bare_redactor: Redactor,
) -> None:
    text = "Dr. Rajesh Kumar examined the knee. The knee had a positive McMurray test."
    redacted = bare_redactor.redact(text).text
    assert redacted == "Dr. [name] examined the knee. The knee had a positive McMurray test."


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    syllables=st.lists(
        st.sampled_from(["ka", "zu", "vo", "chu", "pe", "ly", "xi", "mbo"]), min_size=2, max_size=3
    ),
    neutral=st.sampled_from(
        ["Medications for {} included Norco.", "Pain in {} was 7/10.", "Tinel's sign: {}, left."]
    ),
)
def test_a_name_in_a_persons_place_is_also_removed_where_nothing_marks_it(
    syllables: list[str], neutral: str
) -> None:
    name = "".join(syllables).capitalize()
    assume(name.lower() not in VOCABULARY.known_words and name.lower() not in VOCABULARY.drugs)
    text = f"{name} reported relief. " + neutral.format(name)
    redacted = redactor_for(None).redact(text).text
    assert name not in redacted
    assert redacted.count("[name]") == 2
