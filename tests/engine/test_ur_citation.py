"""Findings about the claims administrator's basis for its decision."""

from __future__ import annotations

from datetime import date

from openimr.engine.ur_citation import audit_claims_administrator, cited_mtus_documents


def test_no_evidence_cited(engine) -> None:
    findings = audit_claims_administrator(
        "The Claims Administrator did not cite any medical evidence for its decision.",
        None,
        None,
        engine.knowledge,
        date(2016, 11, 1),
    )
    assert [f.code for f in findings] == ["ur_no_evidence_cited"]


def test_cited_documents_resolve_editions_by_year_or_date(engine) -> None:
    catalog = engine.knowledge.sources
    text = (
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, "
        "Section(s): Topical analgesics."
    )
    assert cited_mtus_documents(text, catalog, date(2016, 12, 1)) == {("cpmtg-2016", None)}
    text = (
        "Decision based on MTUS Low Back Complaints 2004. Decision based on Non-MTUS Citation ODG."
    )
    assert cited_mtus_documents(text, catalog, date(2016, 12, 1)) == {("acoem-2004", 12)}


def test_chapter_that_does_not_cover_the_request(engine) -> None:
    topic = engine.knowledge.topic("mri_lumbar")
    findings = audit_claims_administrator(
        "Decision based on MTUS Neck and Upper Back Complaints 2004, Section(s): Special Studies.",
        topic,
        None,
        engine.knowledge,
        date(2016, 12, 1),
    )
    assert [f.code for f in findings] == ["ur_citation_does_not_cover_request"]


def test_superseded_guideline(engine) -> None:
    topic = engine.knowledge.topic("physical_therapy")
    findings = audit_claims_administrator(
        "Decision based on MTUS Chronic Pain Medical Treatment 2009, "
        "Section(s): Physical Medicine.",
        topic,
        None,
        engine.knowledge,
        date(2017, 2, 1),
    )
    assert "ur_superseded_guideline" in [f.code for f in findings]
