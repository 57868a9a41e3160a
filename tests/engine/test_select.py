"""Guideline selection: the MTUS edition in force, the MTUS first, phase conditions."""

from __future__ import annotations

from datetime import date

import pytest

from openimr.casefile import parse_case_data
from openimr.engine.criteria import Situation
from openimr.engine.normalize import normalize_request
from openimr.engine.select import choose_edition, select_guidance
from openimr.facts.extract import FactExtractor
from openimr.knowledge.topics import default_knowledge_base


@pytest.fixture(scope="module")
def extractor() -> FactExtractor:
    return FactExtractor()


def _selection(extractor: FactExtractor, request: str, injury: str, ur: str):
    knowledge = default_knowledge_base()
    case = parse_case_data(
        {
            "claimant": {"date_of_injury": injury},
            "ur_decision_date": ur,
            "disputed_items": [{"request": request}],
            "records": [{"kind": "progress_report", "text": "Pain after a fall at work."}],
        }
    )
    norm = normalize_request(request, knowledge, extractor.vocabulary)
    facts = extractor.extract(case)
    edition, _choice, _flag = choose_edition(knowledge, case.ur_decision_date, None)
    situation = Situation(facts=facts, request=norm.request, topic=norm.topic, knowledge=knowledge)
    return edition, select_guidance(norm.topic, edition, facts.reference_date, situation)


def test_the_edition_in_force_on_the_ur_date() -> None:
    knowledge = default_knowledge_base()
    early, _, _ = choose_edition(knowledge, date(2012, 5, 1), None)
    later, _, _ = choose_edition(knowledge, date(2017, 3, 1), None)
    assert early.id == "mtus-2009" and later.id == "mtus-2016"


def test_the_mtus_first_and_other_guidelines_only_where_it_is_silent(extractor) -> None:
    _edition, mri = _selection(extractor, "MRI of the lumbar spine", "2016-01-04", "2016-11-15")
    assert mri.mtus_addresses and mri.citation.family.value == "MTUS-ACOEM"
    _edition, bed = _selection(extractor, "Hospital bed rental", "2016-01-04", "2016-11-15")
    assert not bed.mtus_addresses and bed.citation.family.value == "ODG"
    assert "Medical Evidence Search Sequence" in bed.search_note


def test_a_phase_condition_chooses_the_guidance(extractor) -> None:
    _e, acute = _selection(extractor, "Oxycodone 5mg #30", "2016-11-01", "2016-11-15")
    _e, chronic = _selection(extractor, "Oxycodone 5mg #30", "2015-01-01", "2016-11-15")
    assert acute.citation.sections == ["Opioids for Acute Pain"]
    assert chronic.citation.sections == ["Opioids for Chronic Pain and Chronic Opioid Treatment"]
