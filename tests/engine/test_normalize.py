"""Requests as worded by physicians and UR letters, read into what the guidelines reason about."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.engine import ReviewEngine
from openimr.engine.normalize import UNMAPPED, normalize_request, split_modification


def norm(engine: ReviewEngine, text: str, fallback: tuple[str, ...] = ()):
    return normalize_request(text, engine.knowledge, engine.extractor.vocabulary, fallback)


@pytest.mark.parametrize(
    ("text", "topic", "quantity", "per_week", "weeks"),
    [
        ("Physical therapy 2x6 for the lumbar spine", "physical_therapy", 12, 2, 6),
        (
            "Physical therapy 3 times a week for 4 weeks, right shoulder",
            "physical_therapy",
            12,
            3,
            4,
        ),
        ("Acupuncture, 1 to 2 times per week for 4 weeks, for the neck", "acupuncture", 8, 2, 4),
        ("4 massage therapy visits (lumbar)", "massage_therapy", 4, None, None),
        (
            "Chiropractic treatment for the lumbar spine, 12 visits",
            "chiropractic_manipulation",
            12,
            None,
            None,
        ),
        ("Acupuncture therapy sessions lumbar spine #6", "acupuncture", 6, None, None),
        (
            "Twelve sessions of physical therapy for the right wrist",
            "physical_therapy",
            12,
            None,
            None,
        ),
        ("Cold therapy unit 7-day rental", "cold_therapy_unit", 7, None, None),
        ("Physical therapy 10-12 visits", "physical_therapy", 12, None, None),
        ("Acupuncture two (2) times a week for three (3) weeks", "acupuncture", 6, 2, 3),
        ("Acupuncture twice weekly for 3 weeks", "acupuncture", 6, 2, 3),
        ("Physical therapy once a week for 6 weeks", "physical_therapy", 6, 1, 6),
        ("Acupuncture (6)", "acupuncture", 6, None, None),
        ("Acupuncture times 6", "acupuncture", 6, None, None),
        ("Acupuncture treatments, quantity six", "acupuncture", 6, None, None),
    ],
)
def test_quantity_frequency_duration(engine, text, topic, quantity, per_week, weeks) -> None:
    item = norm(engine, text)
    assert item.request.topic == topic
    assert item.request.quantity is not None and item.request.quantity.value == quantity
    assert item.request.frequency_per_week == per_week
    assert item.request.duration_weeks == weeks


@pytest.mark.parametrize(
    ("text", "generic", "drug_class", "topic"),
    [
        ("Norco 10/325mg #120", "hydrocodone/acetaminophen", "opioid", "opioids"),
        ("Neurontin 600mg #90", "gabapentin", "anti_epilepsy_drug", "anti_epilepsy_drugs"),
        ("Naprosyn 550 mg, one twice a day, #60", "naproxen", "nsaid", "nsaids"),
        ("Celebrex 200mg #30", "celecoxib", "cox2_inhibitor", "celecoxib"),
        ("Prilosec 20mg #30", "omeprazole", "proton_pump_inhibitor", "gi_protection"),
    ],
)
def test_brand_to_generic_to_class(engine, text, generic, drug_class, topic) -> None:
    item = norm(engine, text)
    assert item.request.drug.generic == generic
    assert item.request.drug.drug_class == drug_class
    assert item.request.topic == topic


def test_dosing_gives_days_of_supply_inputs(engine) -> None:
    item = norm(engine, "Naprosyn 550 mg, one twice a day, #60")
    assert item.request.doses_per_day == 2
    assert item.request.quantity.value == 60


def test_compound_is_split_into_ingredients(engine) -> None:
    item = norm(engine, "Flurbiprofen 10%/Cyclobenzaprine 2%/Lidocaine 5% cream, 120 grams")
    assert item.request.topic == "topical_compounded_analgesics"
    assert [i.generic for i in item.request.ingredients] == [
        "flurbiprofen",
        "cyclobenzaprine",
        "lidocaine",
    ]


def test_modification_leaves_the_remaining_portion(engine) -> None:
    text = (
        "Physical therapy 8 sessions was the original request. Physical therapy 6 sessions was "
        "authorized by the Claims Administrator. The remaining IMR eligible portion of the "
        "original request, Physical therapy 2 sessions"
    )
    item = norm(engine, text)
    assert item.ur_modification.original_request == "Physical therapy 8 sessions"
    assert item.ur_modification.authorized == "Physical therapy 6 sessions"
    assert item.request.reviewed_text == "Physical therapy 2 sessions"
    assert item.request.quantity.value == 2
    assert item.authorized_quantity == 6
    assert item.request.continuation


def test_modification_of_another_kind() -> None:
    modification = split_modification(
        "Day treatment was the original request. The Claims Administrator authorized an evaluation "
        "only, leaving the original request IMR eligible. The original request, Day treatment is"
    )
    assert modification.authorized == "an evaluation only"
    assert modification.remaining == "Day treatment"


def test_region_side_and_retrospective(engine) -> None:
    item = norm(engine, "Retrospective MRI of the left knee (DOS 11/18/16)")
    assert item.request.topic == "mri_knee"
    assert item.request.body_regions == ["knee"]
    assert item.request.laterality == "left"
    assert item.request.retrospective


def test_region_from_records_when_the_request_names_none(engine) -> None:
    item = norm(engine, "Neurosurgical consultation", ("lumbar",))
    assert item.request.topic == "surgical_consult_spine"
    assert item.region_inferred


def test_unknown_request_is_unmapped(engine) -> None:
    item = norm(engine, "Purple widget service")
    assert item.request.topic == UNMAPPED and item.topic is None


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_any_text_normalizes_without_error(text: str) -> None:
    engine = _shared()
    item = norm(engine, text or "x")
    assert item.request.topic


_ENGINE: list[ReviewEngine] = []


def _shared() -> ReviewEngine:
    if not _ENGINE:
        _ENGINE.append(ReviewEngine())
    return _ENGINE[0]


def test_a_number_whose_word_and_digits_disagree_is_not_read(engine) -> None:
    item = norm(engine, "Physical therapy two (3) times a week for 4 weeks")
    assert item.request.quantity is None
