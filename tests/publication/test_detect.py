"""Identifiers nobody listed are detected; clinical text, dates of injury and citations stay."""

from __future__ import annotations

import pytest

from openimr.publication import Redactor


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
    ],
)
def test_clinical_text_stays(bare_redactor: Redactor, sentence: str) -> None:
    assert bare_redactor.redact(sentence).text == sentence
