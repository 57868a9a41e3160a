"""Whole-case review: the sample letter's case, the search sequence, determinism, procedures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from openimr.casefile import load_case_file, parse_case_data
from openimr.domain import Decision, GuidelineFamily

EXAMPLE = Path(__file__).parents[2] / "examples" / "chronic-low-back-2014.json"


@pytest.fixture(scope="module")
def sample(engine):
    return engine.review(load_case_file(EXAMPLE))


def test_massage_upheld_on_the_chronic_pain_guidelines(sample) -> None:
    massage = sample.items[0]
    assert massage.decision is Decision.UPHELD
    assert not massage.medically_necessary
    assert massage.guideline.family is GuidelineFamily.MTUS_CPMTG
    assert massage.guideline.pages == "60"
    assert massage.guideline.edition == "2009"
    also = massage.additional_guidelines[0]
    assert also.sections == ["Physical Medicine"] and also.pages == "98-99"
    unmet = [c for c in massage.criteria if c.met is False]
    assert unmet and "years" in unmet[0].evidence[0].quote
    assert "not medically necessary" in massage.rationale


def test_neurosurgical_consultation_overturned_on_acoem_chapter_12(sample) -> None:
    consult = sample.items[1]
    assert consult.decision is Decision.OVERTURNED
    assert consult.medically_necessary
    assert consult.guideline.family is GuidelineFamily.MTUS_ACOEM
    assert consult.guideline.chapter == "Chapter 12 Low Back Complaints"
    assert consult.guideline.pages == "305"
    lesion = next(c for c in consult.criteria if c.id == "surgical_lesion")
    assert lesion.met is True
    record = load_case_file(EXAMPLE).records[lesion.evidence[0].record_index].text
    span = lesion.evidence[0]
    assert record[span.start : span.end] == span.quote
    codes = [f.code for f in consult.claims_administrator_audit]
    assert "ur_non_mtus_although_mtus_addresses" in codes


def test_edition_follows_the_ur_date(sample, engine) -> None:
    assert sample.guideline_edition.edition == "mtus-2009"
    data = load_case_file(EXAMPLE).model_dump(mode="json")
    data["ur_decision_date"] = "2017-01-10"
    data["claimant"]["date_of_injury"] = "2016-01-01"
    later = engine.review(parse_case_data(data))
    assert later.guideline_edition.edition == "mtus-2016"
    assert later.items[0].guideline.edition == "2016"
    assert later.items[0].guideline.pages is None
    assert later.items[0].guideline.sections == ["Massage therapy"]


def test_same_case_same_bytes(engine) -> None:
    case = load_case_file(EXAMPLE)
    first = engine.review(case).to_json()
    second = engine.review(load_case_file(EXAMPLE)).to_json()
    assert first == second


def test_every_criterion_carries_quoted_evidence_from_its_record(sample) -> None:
    case = load_case_file(EXAMPLE)
    for item in sample.items:
        for criterion in item.criteria:
            for evidence in criterion.evidence:
                text = case.records[evidence.record_index].text
                assert " ".join(text[evidence.start : evidence.end].split()).startswith(
                    evidence.quote.rstrip(".").removesuffix("...")
                )


def _case(records: list[str], items: list[str], **extra):
    data = {
        "claimant": {"date_of_injury": "2016-06-01"},
        "ur_decision_date": "2016-11-15",
        "disputed_items": [{"request": r} for r in items],
        "records": [{"kind": "progress_report", "date": "2016-11-01", "text": t} for t in records],
    }
    data.update(extra)
    return parse_case_data(data)


def test_services_tied_to_a_denied_surgery_follow_it(engine) -> None:
    case = _case(
        ["Right knee pain after a twist. Exam shows tenderness only. No MRI has been done."],
        [
            "Right knee arthroscopy with partial meniscectomy",
            "Pre-op clearance",
            "Post-operative physical therapy 12 sessions",
        ],
    )
    determination = engine.review(case)
    surgery, clearance, therapy = determination.items
    assert surgery.decision is Decision.UPHELD
    for item in (clearance, therapy):
        assert item.decision is Decision.UPHELD
        assert item.guideline.family is GuidelineFamily.NONE
        assert item.criteria[0].id == "procedure_certified"


def test_silence_keeps_the_burden_on_the_request_and_flags_it(engine) -> None:
    case = _case(["Neck pain."], ["MRI of the cervical spine"])
    item = engine.review(case).items[0]
    assert item.decision is Decision.UPHELD
    assert any(c.met is None for c in item.criteria) or any(c.met is False for c in item.criteria)
    assert item.flags or item.confidence < 0.9


def test_clear_findings_overturn(engine) -> None:
    case = _case(
        [
            "Neck pain radiating to the right arm for two months despite physical therapy and "
            "naproxen, not improving. Examination: decreased sensation in the C6 dermatome and "
            "diminished biceps reflex on the right.",
        ],
        ["MRI of the cervical spine without contrast"],
        ur_decision_date="2016-08-15",
    )
    item = engine.review(case).items[0]
    assert item.decision is Decision.OVERTURNED, [(c.id, c.met, c.finding) for c in item.criteria]
    assert item.guideline.family is GuidelineFamily.MTUS_ACOEM


def test_mtus_silence_goes_to_odg_and_says_so(engine) -> None:
    case = _case(
        ["Knee osteoarthritis, failed injections."], ["Platelet-rich plasma injection, right knee"]
    )
    item = engine.review(case).items[0]
    assert item.guideline.family is GuidelineFamily.ODG
    assert "does not address" in item.rationale
    assert any(f.code == "non_mtus_guideline" for f in item.flags)


def test_unmapped_request_is_flagged_not_crashed(engine) -> None:
    item = engine.review(_case(["Pain."], ["Purple widget service"])).items[0]
    assert item.normalized.topic == "unmapped"
    assert item.guideline.family is GuidelineFamily.NONE
    assert [f.code for f in item.flags] == ["unmapped"]


def test_services_tied_to_an_indicated_surgery_follow_it(engine) -> None:
    case = _case(
        [
            "Right shoulder pain and weakness after a fall at work. MRI of the right shoulder "
            "showed a full-thickness supraspinatus tear. Strength 3/5 in abduction with a "
            "positive drop arm test. The surgeon plans arthroscopic rotator cuff repair.",
        ],
        [
            "Right shoulder arthroscopy with rotator cuff repair",
            "Pre-operative medical clearance",
            "Assistant surgeon",
        ],
    )
    surgery, clearance, assistant = engine.review(case).items
    assert surgery.decision is Decision.OVERTURNED, [(c.id, c.met) for c in surgery.criteria]
    for item in (clearance, assistant):
        assert item.decision is Decision.OVERTURNED
        assert item.guideline.family is not GuidelineFamily.NONE
        criterion = next(c for c in item.criteria if c.id == "surgery_certified")
        assert criterion.met is True and "found medically necessary" in criterion.finding


def test_services_tied_to_an_operation_the_records_say_was_authorized(engine) -> None:
    case = _case(
        ["Left carpal tunnel release was authorized and is scheduled for next month."],
        ["Pre-operative medical clearance"],
    )
    item = engine.review(case).items[0]
    assert item.decision is Decision.OVERTURNED
    criterion = item.criteria[0]
    assert criterion.met is True
    assert "authorized" in criterion.evidence[0].quote
    # without that word the records are silent and the burden stays with the request
    silent = engine.review(
        _case(["Left carpal tunnel syndrome."], ["Pre-operative medical clearance"])
    ).items[0]
    assert silent.decision is Decision.UPHELD and silent.criteria[0].met is None


def test_preoperative_ecg_needs_a_cardiac_risk_factor(engine) -> None:
    records = ["Knee arthroscopy was certified. The worker is 40 and otherwise healthy."]
    healthy = engine.review(_case(records, ["Pre-operative EKG"])).items[0]
    assert healthy.normalized.topic == "preoperative_ecg"
    assert healthy.decision is Decision.UPHELD
    risk = ["Knee arthroscopy was certified. History of coronary artery disease and a stent."]
    assert engine.review(_case(risk, ["Pre-operative EKG"])).items[0].decision is (
        Decision.OVERTURNED
    )


@pytest.mark.parametrize(
    ("records", "asked", "topic", "expected"),
    [
        (
            ["He walks about the house with a cane."],
            "Standard wheelchair rental",
            "wheelchair",
            Decision.UPHELD,
        ),
        (
            ["Non-weight bearing on the left leg for six weeks after the fracture."],
            "Knee scooter rental",
            "wheelchair",
            Decision.OVERTURNED,
        ),
        (
            ["She cannot climb the stairs to her bedroom."],
            "Hospital bed rental",
            "hospital_bed",
            Decision.UPHELD,
        ),
        (
            ["He is able to walk to the bathroom."],
            "Bedside 3 in 1 commode",
            "bathroom_equipment",
            Decision.UPHELD,
        ),
        (
            ["Confined to bed since the crush injury."],
            "Bedside 3 in 1 commode",
            "bathroom_equipment",
            Decision.OVERTURNED,
        ),
    ],
)
def test_home_equipment_needs_the_medical_need_its_guideline_states(
    engine, records, asked, topic, expected
) -> None:
    item = engine.review(_case(records, [asked])).items[0]
    assert item.normalized.topic == topic
    assert item.decision is expected, [(c.id, c.met, c.finding) for c in item.criteria]


def test_request_of_no_catalogued_topic_gets_the_general_guidance_of_its_kind(engine) -> None:
    item = engine.review(_case(["Low back pain."], ["Zorbexin 10mg #30"])).items[0]
    assert item.normalized.topic == "medication_general"
    assert item.guideline.family is GuidelineFamily.MTUS_CPMTG
    assert "general_guidance" in [f.code for f in item.flags]
    assert item.decision is Decision.UPHELD


def test_opioids_for_a_severe_acute_injury(engine) -> None:
    case = _case(
        ["Rib fractures after a fall two weeks ago; severe pain despite ibuprofen."],
        ["Oxycodone 5mg #30"],
        ur_decision_date="2016-11-20",
        claimant={"date_of_injury": "2016-10-25"},
    )
    item = engine.review(case).items[0]
    assert item.guideline.sections == ["Opioids for Acute Pain"]
    assert item.decision is Decision.OVERTURNED
    sprain = _case(
        ["Low back strain two weeks ago."],
        ["Oxycodone 5mg #30"],
        ur_decision_date="2016-11-20",
        claimant={"date_of_injury": "2016-10-25"},
    )
    assert engine.review(sprain).items[0].decision is Decision.UPHELD


def test_confidence_is_a_probability_and_lower_where_the_records_are_silent(engine) -> None:
    clear = engine.review(_case(["Low back pain."], ["Purchase of a bath/shower chair"])).items[0]
    silent = engine.review(_case(["Neck pain."], ["MRI of the cervical spine"])).items[0]
    for item in (clear, silent):
        assert item.confidence is not None and 0.0 < item.confidence < 1.0


def _words(text: str) -> str:
    """Words as printed, spacing aside, with the hyphens of words broken at a line end undone."""
    return " ".join(text.split()).replace("\u2010 ", "").replace("\u00ad", "")


def test_evidence_from_a_pdf_names_the_page_its_words_are_printed_on(engine, tmp_path) -> None:
    import pypdfium2
    from bench import recordgen

    from openimr.records import CaseDetails, build_case_file

    bundle = recordgen.make_bundle(5, 8, duplicate=False, repeated_page=False)
    pdf = tmp_path / "bundle.pdf"
    pdf.write_bytes(bundle.pdf)
    document = pypdfium2.PdfDocument(pdf)
    printed = [_words(page.get_textpage().get_text_range()) for page in document]
    document.close()
    requests = (
        "Physical therapy 2 times a week for 6 weeks for the lumbar spine",
        "Lumbar epidural steroid injection at left L4-5",
        "Cyclobenzaprine 7.5 mg #60",
    )
    case = build_case_file(
        [pdf],
        CaseDetails(
            requests=requests,
            ur_decision_date=max(d.date for d in bundle.documents),
            date_of_injury=min(d.date for d in bundle.documents).replace(day=1),
        ),
    ).case_file
    determination = engine.review(case)
    evidence = [e for i in determination.items for c in i.criteria for e in c.evidence]
    assert evidence
    later_pages = 0
    for quoted in evidence:
        source = case.records[quoted.record_index].source
        assert source is not None and quoted.page is not None
        assert source.first_page <= quoted.page <= source.last_page
        opening = _words(quoted.quote)[:40]
        assert opening in printed[quoted.page - 1]
        later_pages += quoted.page > source.first_page
    assert later_pages, "no quote came from a record's second or later page"
    assert determination.to_json() == engine.review(case).to_json()


def test_evidence_of_records_without_a_source_has_no_page(sample) -> None:
    assert '"page"' not in sample.to_json()


def _wrapped(text: str, width: int) -> str:
    """``text`` with its lines broken at ``width`` columns, long words hyphenated at the margin,
    as a PDF's text layer or a fax's OCR may give a record."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if not line or len(line) + 1 + len(word) <= width:
            line = f"{line} {word}".strip()
        elif len(word) >= 8 and word.isalpha() and width - len(line) - 2 >= 3:
            cut = width - len(line) - 2
            lines.append(f"{line} {word[:cut]}-")
            line = word[cut:]
        else:
            lines.append(line)
            line = word
    return "\n".join([*lines, line])


@pytest.mark.parametrize("width", [38, 61, 80])
def test_records_with_broken_lines_are_read_as_the_same_records(engine, sample, width) -> None:
    """Lines broken at a margin and words hyphenated there change no decision, criterion or
    finding: the engine reads a line break as a space and a margin hyphen as no break."""
    data = json.loads(EXAMPLE.read_text())
    for record in data["records"]:
        record["text"] = _wrapped(" ".join(record["text"].split()), width)
    flowed = json.loads(EXAMPLE.read_text())
    for record in flowed["records"]:
        record["text"] = " ".join(record["text"].split())
    expected = engine.review(parse_case_data(flowed))
    got = engine.review(parse_case_data(data))
    assert [i.decision for i in got.items] == [i.decision for i in expected.items]
    for mine, theirs in zip(got.items, expected.items, strict=True):
        assert [(c.id, c.met, c.finding) for c in mine.criteria] == [
            (c.id, c.met, c.finding) for c in theirs.criteria
        ]
