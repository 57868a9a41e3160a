"""Properties of the redactor: a planted identifier never survives, in any form it is written;
clinical vocabulary is never removed; redaction is idempotent."""

from __future__ import annotations

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from openimr.casefile.model import Parties
from openimr.publication import redactor_for
from openimr.publication.vocabulary import load_publication_vocabulary

VOCABULARY = load_publication_vocabulary()
SENTENCES = [
    "{} reported low back pain radiating to the left leg.",
    "On 10/28/2016 {} had a positive Tinel's sign at the wrist.",
    "The treating physician noted that {} remained off work.",
    "Physical therapy was requested for {}, 2 times a week for 6 weeks.",
    "Norco and gabapentin were continued; {} denied side effects.",
]
CLINICAL = sorted(
    {"Tinel's sign", "Phalen's test", "McMurray test", "Spurling maneuver", "Lachman test"}
    | {d.capitalize() for d in list(VOCABULARY.drugs)[:40]}
)
_SYLLABLES = [
    "ka",
    "mi",
    "ro",
    "su",
    "te",
    "no",
    "vla",
    "dim",
    "zh",
    "ang",
    "oye",
    "bu",
    "ki",
    "lo",
    "ra",
    "shi",
    "ta",
    "wen",
    "fu",
    "olu",
    "ade",
    "nna",
    "gui",
    "rre",
]


def _word(draw: st.DrawFn) -> str:
    parts = draw(st.lists(st.sampled_from(_SYLLABLES), min_size=2, max_size=4))
    return "".join(parts).capitalize()


@st.composite
def names(draw: st.DrawFn) -> tuple[str, str]:
    given_name, family = _word(draw), _word(draw)
    for word in (given_name, family):
        assume(not VOCABULARY.clinical(word) and word.lower() not in VOCABULARY.common_words)
        assume(not VOCABULARY.eponym(word) and word.lower() not in VOCABULARY.role_words)
    return given_name, family


def _form(draw: st.DrawFn, given_name: str, family: str) -> str:
    style = draw(
        st.sampled_from(
            ["full", "reversed", "family", "upper", "lower", "spaced", "ocr", "hyphen", "title"]
        )
    )
    if style == "full":
        return f"{given_name} {family}"
    if style == "reversed":
        return f"{family}, {given_name}"
    if style == "family":
        return family
    if style == "upper":
        return f"{given_name} {family}".upper()
    if style == "lower":
        return f"{given_name} {family}".lower()
    if style == "spaced":
        return " ".join(family)
    if style == "ocr":
        return family.replace("i", "1").replace("o", "0").replace("m", "rn")
    if style == "hyphen":
        cut = draw(st.integers(1, len(family) - 1))
        return f"{family[:cut]}-\n{family[cut:]}"
    return f"Mr. {family}"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), name=names(), sentence=st.sampled_from(SENTENCES))
def test_a_listed_name_never_survives(data: st.DataObject, name: tuple[str, str], sentence: str):
    given_name, family = name
    listed = {"claimant": {"name": f"{given_name} {family}"}}
    redactor = redactor_for(Parties.model_validate(listed))
    written = _form(data.draw, given_name, family)
    text = sentence.format(written)
    redacted = redactor.redact(text).text
    assert redactor.leaks(redacted) == []
    assert family.lower() not in redacted.lower()


@settings(max_examples=100, deadline=None)
@given(
    digits=st.lists(st.integers(0, 9), min_size=9, max_size=9),
    separator=st.sampled_from(["-", " ", ".", ""]),
)
def test_a_listed_number_never_survives(digits: list[int], separator: str) -> None:
    number = "".join(map(str, digits))
    redactor = redactor_for(Parties.model_validate({"claim_numbers": [number]}))
    written = separator.join([number[:3], number[3:6], number[6:]])
    redacted = redactor.redact(f"Claim {written} was accepted on 10/10/2016.").text
    assert number not in (redacted.replace(separator, "") if separator else redacted)
    assert "10/10/2016" in redacted


@settings(max_examples=100, deadline=None)
@given(name=names(), words=st.lists(st.sampled_from(CLINICAL), min_size=1, max_size=4))
def test_clinical_vocabulary_is_never_removed(name: tuple[str, str], words: list[str]) -> None:
    redactor = redactor_for(Parties.model_validate({"claimant": {"name": " ".join(name)}}))
    text = "The examination showed " + ", ".join(words) + " on 11/08/2016."
    assert redactor.redact(text).text == text


@settings(max_examples=60, deadline=None)
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_redaction_is_idempotent_and_never_fails(text: str) -> None:
    redactor = redactor_for(Parties.model_validate({"claimant": {"name": "Kamiro Sute"}}))
    once = redactor.redact(text).text
    assert redactor.redact(once).text == once
