"""Guideline citation text of every era read into GuidelineCitation, and written back."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openimr.domain import GuidelineCitation, GuidelineFamily
from openimr.knowledge.citations import (
    NO_EVIDENCE_SENTENCE,
    clause_families,
    format_citations,
    parse_citations,
    resolve_guideline,
)
from openimr.knowledge.sources import load_sources

F = GuidelineFamily


def families(text: str) -> list[str]:
    return [f.value for f in clause_families(parse_citations(text))]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Office "
            "visits.",
            ["MTUS-CPMTG"],
        ),
        (
            "Decision based on MTUS Opioid Treatment 2016, Section(s): 4.2 Tapering Opioids: "
            "Methods.",
            ["MTUS-Opioids"],
        ),
        ("Decision based on MTUS Knee Complaints 2004, Section(s): Summary.", ["MTUS-ACOEM"]),
        (
            "Decision based on MTUS General Approaches 2004, Section(s): Cornerstones.",
            ["MTUS-ACOEM"],
        ),
        (
            "Decision based on MTUS Elbow Complaints 2007, Section(s): Recommendations.",
            ["MTUS-ACOEM"],
        ),
        ("Decision based on MTUS Stress-Related Conditions 2004.", ["MTUS-ACOEM"]),
        (
            "Decision based on MTUS ACOEM Chapter 9 Shoulder Complaints Page(s): 209.",
            ["MTUS-ACOEM"],
        ),
        ("Decision based on MTUS Acupuncture Treatment 2007.", ["MTUS-Acupuncture"]),
        (
            "Decision based on MTUS Postsurgical Treatment 2009, Section(s): Knee.",
            ["MTUS-Postsurgical"],
        ),
        ("Decision based on MTUS Drug Formulary 2018.", ["MTUS-Formulary"]),
        (
            "Decision based on MTUS Shoulder Complaints 2004, Section(s): Summary, and Chronic "
            "Pain Medical Treatment 2016, Section(s): Physical medicine treatment. Decision based "
            "on Non-MTUS Citation Official Disability Guidelines (ODG) Shoulder, Physical therapy.",
            ["MTUS-ACOEM", "ODG"],
        ),
        ("Some preamble. Decision based on Non-MTUS Citation ODG Knee and Leg, Bracing.", ["ODG"]),
        ("Decision based on Non-MTUS Citation Shoulder, Manipulation, ODG Preface.", ["ODG"]),
        (
            "Decision based on Non-MTUS Citation ACOEM Occupational Medicine Practice Guidelines, "
            "3rd ed., Shoulder Disorders, pg. 412.",
            ["other"],
        ),
        (
            "Decision based on Non-MTUS Citation ACOEM: Hand, Wrist, and Forearm Disorders.",
            ["other"],
        ),
        (
            "Decision based on Non-MTUS Citation Naproxen: drug information, read on 3/2/2017.",
            ["other"],
        ),
        ("The Expert Reviewer did not cite any medical evidence for its decision.", ["none"]),
        (
            "The Claims Administrator did not base their decision on the MTUS. Decision based on "
            "Non-MTUS Citation Official Disability Guidelines.",
            ["ODG"],
        ),
    ],
)
def test_clause_families(text: str, expected: list[str]) -> None:
    assert families(text) == expected


def test_several_mtus_documents_in_one_clause() -> None:
    citations = parse_citations(
        "Decision based on MTUS General Approaches 2004, Section(s): Initial Approaches to "
        "Treatment, and Neck and Upper Back Complaints 2004, Section(s): Summary, Special Studies."
    )
    assert [(c.family, c.chapter, c.sections, c.same_clause) for c in citations] == [
        (F.MTUS_ACOEM, "General Approaches", ["Initial Approaches to Treatment"], False),
        (F.MTUS_ACOEM, "Neck and Upper Back Complaints", ["Summary", "Special Studies"], True),
    ]
    assert clause_families(citations) == [F.MTUS_ACOEM]


def test_2014_page_citations() -> None:
    (massage,) = parse_citations(
        "Decision based on MTUS Chronic Pain Treatment Guidelines Massage Therapy, Physical "
        "Medicine Page(s): 60, 98-99."
    )
    assert massage == GuidelineCitation(
        family=F.MTUS_CPMTG,
        title="Chronic Pain Medical Treatment Guidelines",
        sections=["Massage Therapy", "Physical Medicine"],
        pages="60, 98-99",
    )
    (chapter,) = parse_citations(
        "Decision based on MTUS ACOEM Chapter 11 Forearm, Wrist, and Hand Complaints Page(s): 270."
    )
    assert chapter.title == "ACOEM Practice Guidelines, 2nd Edition"
    assert chapter.chapter == "Chapter 11 Forearm, Wrist, and Hand Complaints"
    assert chapter.pages == "270"


def test_2013_free_sentences_name_their_guidelines() -> None:
    citations = parse_citations(
        "The Expert Reviewer relied on the Chronic Pain Medical Treatment Guidelines (2009), "
        "Opioids, pages 76-80, part of the MTUS, and on the Official Disability Guidelines."
    )
    assert [(c.family, c.pages, c.edition) for c in citations] == [
        (F.MTUS_CPMTG, "76-80", "2009"),
        (F.ODG, None, None),
    ]
    assert parse_citations("No guideline is named here.") == []


def test_odg_chapters_and_sections_are_read() -> None:
    (odg,) = parse_citations(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back "
        "(Lumbar & Thoracic) Chapter, Discography, Epidural steroid injections (ESIs)."
    )
    assert odg.chapter == "Low Back (Lumbar & Thoracic)"
    assert odg.sections == ["Discography", "Epidural steroid injections (ESIs)"]


def test_every_catalog_document_resolves_from_its_letter_name() -> None:
    for document in load_sources().documents:
        if document.edition is None:
            continue
        prefix = "MTUS" if document.family.is_mtus else "Non-MTUS Citation"
        (citation,) = parse_citations(
            f"Decision based on {prefix} {document.letter_name} {document.edition}."
        )
        assert (citation.family, citation.title, citation.edition) == (
            document.family,
            document.title,
            document.edition,
        ), document.id


def test_resolve_guideline_prefers_the_stated_edition() -> None:
    elbow_2007 = resolve_guideline("Elbow Complaints 2007")
    elbow_2004 = resolve_guideline("Elbow Complaints 2004")
    assert elbow_2007 is not None and elbow_2004 is not None
    assert elbow_2007.document.id == "acoem-elbow-2007" and elbow_2007.chapter is None
    assert elbow_2004.document.id == "acoem-2004" and elbow_2004.chapter is not None
    assert elbow_2004.chapter.number == 10
    assert resolve_guideline("ACOEM", mtus=False) is None
    assert resolve_guideline("Something else entirely") is None


def test_format_writes_a_readable_statement() -> None:
    text = format_citations(
        [
            GuidelineCitation(
                family=F.MTUS_ACOEM,
                title="ACOEM Practice Guidelines, 2nd Edition",
                edition="2004",
                chapter="Chapter 12 Low Back Complaints",
                sections=["Summary", "NSAIDs, GI symptoms & cardiovascular risk"],
                pages="301",
            ),
            GuidelineCitation(
                family=F.MTUS_FORMULARY, title="MTUS Drug Formulary", same_clause=True
            ),
            GuidelineCitation(
                family=F.ODG, title="Official Disability Guidelines", chapter="Knee and Leg"
            ),
        ]
    )
    assert text == (
        "Decision based on MTUS ACOEM Practice Guidelines, 2nd Edition (2004), Chapter 12 Low Back "
        "Complaints, Sections: Summary; NSAIDs, GI symptoms & cardiovascular risk, Page(s): 301, "
        "and MTUS Drug Formulary. Decision based on Non-MTUS Citation Official Disability "
        "Guidelines, Chapter: Knee and Leg."
    )
    assert format_citations([]) == NO_EVIDENCE_SENTENCE
    assert format_citations([GuidelineCitation(family=F.NONE)]) == NO_EVIDENCE_SENTENCE
    assert format_citations([GuidelineCitation(family=F.ODG)]).startswith(
        "The expert reviewer relied on evidence outside the MTUS"
    )


CATALOG = load_sources()
SECTIONS = [
    "Office visits",
    "NSAIDs, GI symptoms & cardiovascular risk",
    "Summary",
    "4.1 Tapering Opioids: Indications",
    "Physical Methods (heat & cold)",
]


@st.composite
def citation_lists(draw: st.DrawFn) -> list[GuidelineCitation]:
    cited: list[GuidelineCitation] = []
    for position in range(draw(st.integers(1, 4))):
        document = draw(st.sampled_from(CATALOG.documents))
        title = document.title
        if document.family is F.OTHER and draw(st.booleans()):
            title = draw(st.sampled_from(["Drug monograph for meloxicam", "Review of bracing"]))
        chapter = None
        if document.chapters and draw(st.booleans()):
            picked = draw(st.sampled_from(document.chapters))
            chapter = (
                f"Chapter {picked.number} {picked.title}"
                if picked.number and draw(st.booleans())
                else picked.letter_name
            )
        cited.append(
            GuidelineCitation(
                family=document.family,
                title=title,
                edition=draw(st.sampled_from([None, document.edition])),
                chapter=chapter,
                sections=draw(st.lists(st.sampled_from(SECTIONS), max_size=3, unique=True)),
                pages=draw(st.sampled_from([None, "12", "60, 98-99", "301-303"])),
                same_clause=bool(position) and draw(st.booleans()),
            )
        )
    return cited


@settings(max_examples=300, deadline=None)
@given(citation_lists())
def test_format_then_parse_gives_the_same_citations(cited: list[GuidelineCitation]) -> None:
    assert parse_citations(format_citations(cited)) == cited


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_parse_never_fails_on_any_text(text: str) -> None:
    citations = parse_citations(text)
    assert all(isinstance(c, GuidelineCitation) for c in citations)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "Decision based on ",
                    "MTUS ",
                    "Non-MTUS Citation ",
                    "Section(s): ",
                    ", and ",
                    "Page(s): ",
                    "Chapter 12 ",
                    "Chapter: ",
                    "(2016)",
                    "Low Back Complaints 2004",
                    "did not cite any medical evidence",
                    ". ",
                ]
            ),
            st.text(max_size=20),
        ),
        max_size=20,
    )
)
def test_parse_never_fails_on_citation_shaped_text(parts: list[str]) -> None:
    citations = parse_citations("".join(parts))
    assert all(isinstance(c, GuidelineCitation) for c in citations)
