"""Round trip: a determination rendered as a letter and read back states the same thing.

``parse(render(d))`` is compared with ``d`` on what a letter prints (see ``letter_view`` in
conftest.py for the exact list); the generated text is realistic (words, figures, dosages,
``&``, ``<``, quotes) and single-spaced, because a letter does not keep line breaks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from openimr.domain import (
    Decision,
    Determination,
    GuidelineCitation,
    GuidelineFamily,
    ItemDetermination,
    ReviewerCredentials,
    UrModification,
)
from openimr.knowledge.sources import load_sources
from openimr.letters import parse_letter, render_letter
from openimr.letters.check import check_parsed
from openimr.letters.parse import parse_text

STATES = ["California", "Nevada", "Oregon", "Arizona", "New York", "Rhode Island", "Texas"]
CERTIFICATIONS = [
    "Physical Medicine & Rehabilitation",
    "Orthopaedic Surgery",
    "Pain Medicine",
    "Occupational Medicine",
    "Internal Medicine, Sports Medicine",
]
SPECIALTIES = ["Orthopedic Surgery", "Preventive Medicine, Occupational Medicine", "Psychiatry"]
REQUESTS = [
    "Lumbar MRI without contrast",
    "Physical therapy 2 times a week for 4 weeks, right shoulder",
    "Naproxen 550mg #60",
    "Ketoprofen 10%/Lidocaine 5% cream, 120 grams",
    "Right knee arthroscopic partial meniscectomy",
    "Urine drug screen",
    "Home health aide 4 hours a day, 5 days a week for 3 weeks",
    "Cervical epidural steroid injection at C5-C6",
    "Follow-up visit with pain management",
    "Psychological evaluation & testing",
    "Norco 10/325mg #90",
    "Associated surgical service: Cold therapy unit, 7 day rental",
]
MODIFIED = [
    (
        "Physical therapy 12 sessions for the neck",
        "Physical therapy 6 sessions",
        "Physical therapy 6 sessions for the neck",
    ),
    ("Tramadol 50mg #120", "Tramadol 50mg #60", "Tramadol 50mg #60"),
    (
        "Chiropractic care 2 times a week for 6 weeks",
        "Chiropractic care 6 visits",
        "Chiropractic care 6 visits",
    ),
]
SENTENCES = [
    "The worker rated pain at 7/10 & reported sharp pain at night.",
    "Range of motion of the shoulder was < 90 degrees in flexion.",
    'The treating physician described the pain as "constant" since the fall.',
    "A prior course of 8 visits produced no measurable gain in lifting tolerance.",
    "The records from 01/2025 to 06/2025 show stable neurological findings.",
    "There is no red flag such as fever, weight loss or bowel changes.",
    "The worker returned to modified duty at 20 hours a week.",
    "Imaging of 03/2024 showed a small L4-L5 disc bulge without root contact.",
    "The guideline limits this treatment to a time-limited trial with goals.",
    "Opioid use has continued for 14 months without a signed agreement.",
]
CONCLUSIONS = {
    Decision.UPHELD: [
        "Therefore, the request is not medically necessary.",
        "As a result, the requested treatment is not medically necessary.",
    ],
    Decision.OVERTURNED: [
        "Therefore, the request is medically necessary.",
        "The requested treatment is medically necessary.",
    ],
}
CA_GUIDELINES = [
    None,
    "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids.",
    "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back.",
    "The Claims Administrator did not cite any medical evidence in its decision.",
]
SECTIONS = [
    "Physical medicine treatment",
    "NSAIDs, GI symptoms & cardiovascular risk",
    "Epidural steroid injections (ESIs)",
    "3.3.6 Opioids for Chronic Pain: Use of Urine Drug Testing (UDT)",
    "Special Studies",
    "Summary",
    "Insomnia treatment",
]
FREE_TITLES = [
    "Clinical practice guideline for the treatment of chronic insomnia in adults",
    "Review of platelet-rich plasma injections for tendinopathy",
    "Product labeling for duloxetine capsules",
]
DOCUMENTS = [
    "Application for Independent Medical Review",
    "Utilization review determination of 11/02/2025",
    "Progress reports of the treating physician, 03/2025 to 10/2025",
    "Physical therapy notes, 12 visits",
]

CATALOG = load_sources()


@st.composite
def citations(draw: st.DrawFn, family: GuidelineFamily) -> GuidelineCitation:
    """A citation a reviewer could write: catalog titles, chapters and pages that agree."""
    if family is GuidelineFamily.NONE:
        return GuidelineCitation(family=family)
    documents = [d for d in CATALOG.documents if d.family is family]
    title = None
    document = draw(st.sampled_from(documents)) if documents else None
    if family is GuidelineFamily.OTHER and (document is None or draw(st.booleans())):
        title, document = draw(st.sampled_from(FREE_TITLES)), None
    elif document is not None:
        title = document.title
    edition = None
    if document is not None and document.edition:
        edition = draw(st.sampled_from([None, document.edition]))
    chapter = None
    pages = draw(st.sampled_from([None, "12", "60, 98-99", "46"]))
    if document is not None and document.chapters and draw(st.booleans()):
        picked = draw(st.sampled_from(document.chapters))
        if picked.number is not None and picked.pages:
            chapter = f"Chapter {picked.number} {picked.title}"
            pages = str(draw(st.integers(*picked.pages)))
        else:
            chapter = picked.letter_name
    if document is not None and document.pages and pages:
        pages = str(draw(st.integers(*document.pages)))
    sections = draw(st.lists(st.sampled_from(SECTIONS), max_size=3, unique=True))
    return GuidelineCitation(
        family=family,
        title=title,
        chapter=chapter,
        sections=sections,
        pages=pages,
        edition=edition,
    )


@st.composite
def items(draw: st.DrawFn) -> ItemDetermination:
    decision = draw(st.sampled_from(list(Decision)))
    modification = None
    if draw(st.integers(0, 3)) == 0:
        original, authorized, remaining = draw(st.sampled_from(MODIFIED))
        suffix = draw(st.sampled_from(["", " is"]))
        request = (
            f"{original} was the original request. {authorized} was authorized by the Claims "
            f"Administrator. The remaining IMR eligible portion of the original request, "
            f"{remaining}{suffix}"
        )
        modification = UrModification(
            original_request=original, authorized=authorized, remaining=remaining
        )
    else:
        request = draw(st.sampled_from(REQUESTS))
    families = [f for f in GuidelineFamily if f is not GuidelineFamily.NONE]
    if draw(st.integers(0, 6)) == 0:
        cited = [GuidelineCitation(family=GuidelineFamily.NONE)]
    else:
        cited = []
        for position in range(draw(st.integers(1, 3))):
            citation = draw(citations(draw(st.sampled_from(families))))
            if position and draw(st.booleans()):
                citation = citation.model_copy(update={"same_clause": True})
            cited.append(citation)
    body = draw(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=4))
    rationale = " ".join([*body, draw(st.sampled_from(CONCLUSIONS[decision]))])
    return ItemDetermination(
        request=request,
        ur_modification=modification,
        decision=decision,
        guideline=cited[0],
        additional_guidelines=cited[1:],
        claims_administrator_guideline=draw(st.sampled_from(CA_GUIDELINES)),
        rationale=rationale,
    )


optional_dates = st.one_of(st.none(), st.dates(date(2013, 1, 1), date(2030, 12, 31)))


@st.composite
def determinations(draw: st.DrawFn) -> Determination:
    reviewer = None
    if draw(st.booleans()):
        reviewer = ReviewerCredentials(
            licensure=draw(st.lists(st.sampled_from(STATES), max_size=3, unique=True)),
            certifications=draw(st.lists(st.sampled_from(CERTIFICATIONS), max_size=2, unique=True)),
            specialty=draw(st.sampled_from([None, *SPECIALTIES])),
        )
    paragraphs = draw(
        st.lists(st.lists(st.sampled_from(SENTENCES), min_size=1, max_size=3), max_size=3)
    )
    return Determination(
        case_id=draw(st.one_of(st.none(), st.from_regex(r"CM[0-9]{2}-[0-9]{7}", fullmatch=True))),
        source=draw(st.sampled_from(["engine", "reviewer"])),
        priority=draw(st.sampled_from(["standard", "expedited"])),
        date_of_injury=draw(optional_dates),
        ur_decision_date=draw(optional_dates),
        date_assigned=draw(optional_dates),
        application_received=draw(optional_dates),
        decision_date=draw(optional_dates),
        reviewer=reviewer,
        clinical_case_summary="\n\n".join(" ".join(p) for p in paragraphs),
        documents_reviewed=draw(st.lists(st.sampled_from(DOCUMENTS), max_size=3, unique=True)),
        items=draw(st.lists(items(), min_size=1, max_size=4)),
        engine_version=draw(st.sampled_from([None, "0.1.0"])),
    )


View = Callable[[Determination], dict[str, Any]]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(determination=determinations())
def test_text_letter_reads_back_as_the_same_determination(
    determination: Determination, view: View
) -> None:
    letter = render_letter(determination, "text")
    back = parse_letter(letter, source="generated.txt")
    assert back.source == "letter"
    assert view(back) == view(determination)


# Each PDF takes a few tenths of a second; shrinking a failure would take many minutes, so a
# failing example is reported as found.
@settings(
    max_examples=12,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(determination=determinations())
def test_pdf_letter_reads_back_as_the_same_determination(
    determination: Determination, view: View
) -> None:
    letter = render_letter(determination, "pdf")
    assert letter.startswith(b"%PDF-")
    back = parse_letter(letter, source="generated.pdf")
    assert view(back) == view(determination)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(determinations())
def test_rendered_letters_have_no_inconsistency_errors(determination: Determination) -> None:
    """Every generated item has a rationale that agrees with its decision and citations whose
    chapters and pages agree with the tables, so the checker must find no error."""
    parsed = parse_text(render_letter(determination, "text").decode(), source="generated.txt")
    errors = [f for f in check_parsed(parsed) if f.severity == "error"]
    assert errors == []
