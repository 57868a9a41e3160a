"""The guideline knowledge base loads, lints clean, and speaks only the engine's language."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openimr.engine.criteria import EVALUATORS
from openimr.errors import KnowledgeBaseError
from openimr.knowledge.checks import PREDICATES, parse_check
from openimr.knowledge.lint import lint_knowledge_base
from openimr.knowledge.sources import DATA_DIR, load_sources
from openimr.knowledge.topics import default_knowledge_base, load_knowledge_base


def test_every_predicate_has_an_evaluator() -> None:
    assert set(PREDICATES) == set(EVALUATORS)


def test_bundled_data_lints_clean() -> None:
    assert [str(m) for m in lint_knowledge_base()] == []


def test_topics_cover_what_imr_decides() -> None:
    knowledge = default_knowledge_base()
    assert len(knowledge.topics) >= 75
    categories = {t.category for t in knowledge.topics}
    assert {
        "imaging",
        "medication",
        "physical_medicine",
        "injection",
        "surgery",
        "equipment",
    } <= categories


def test_editions_in_force_by_date() -> None:
    catalog = load_sources()
    assert catalog.edition_on(date(2014, 2, 3)).id == "mtus-2009"
    assert catalog.edition_on(date(2016, 12, 1)).id == "mtus-2016"
    assert catalog.edition_on(date(2019, 5, 1)).id == "mtus-2017"
    assert catalog.edition_on(date(2001, 1, 1)) is None
    chapter = catalog.document("acoem-2004").chapter_for_page(305)
    assert chapter.number == 12 and chapter.title == "Low Back Complaints"


def test_lint_reports_file_and_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    target = data / "topics" / "imaging.yaml"
    text = target.read_text()
    text = text.replace(
        "check: {finding: head_injury_signs}", "check: {finding: no_such_concept}", 1
    )
    text = text.replace('pages: "303-304"', 'pages: "205"', 1)
    target.write_text(text)
    messages = [str(m) for m in lint_knowledge_base(data)]
    assert any("unknown concept 'no_such_concept'" in m for m in messages)
    assert any("page 205 is outside acoem-2004 chapter 12" in m for m in messages)
    assert all(m.startswith(str(target)) and m.split(":")[1].isdigit() for m in messages)


def test_lint_reports_an_unknown_early_treatment(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    target = data / "definitions.yaml"
    target.write_text(
        target.read_text().replace("early_treatments: [physical_therapy]", "early_treatments: [pt]")
    )
    messages = [str(m) for m in lint_knowledge_base(data)]
    assert messages == [f"{target}:1: phases.early_treatments: unknown treatment kind 'pt'"]


def test_lint_reports_a_match_pattern_of_punctuation_alone(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    target = data / "topics" / "medications.yaml"
    target.write_text(
        target.read_text().replace("exclude: ['terocin',", "exclude: ['/', 'terocin',", 1)
    )
    messages = [str(m) for m in lint_knowledge_base(data)]
    assert any("match pattern '/' is punctuation alone" in m for m in messages), messages


def test_duplicate_synonym_is_reported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    extra = data / "topics" / "zz_extra.yaml"
    extra.write_text(
        "topics:\n  - id: another_massage\n    title: Another massage\n"
        "    category: physical_medicine\n"
        "    kind: therapy\n    synonyms: [massage]\n    match: {patterns: ['rubdown']}\n"
        "    guidance:\n      - cites: {odg: {chapter: Low Back, sections: [Massage]}}\n"
        "        recommendation: recommended\n        summary: a summary long enough\n"
    )
    messages = [str(m) for m in lint_knowledge_base(data)]
    assert any("synonym 'massage' is also claimed by massage_therapy" in m for m in messages)


def test_loader_refuses_invalid_topic(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "topics" / "zz_bad.yaml").write_text("topics:\n  - id: Bad Id\n")
    with pytest.raises(KnowledgeBaseError):
        load_knowledge_base(data)


checks = st.recursive(
    st.dictionaries(
        st.sampled_from(sorted(PREDICATES)),
        st.none()
        | st.booleans()
        | st.integers(-5, 50)
        | st.text(max_size=8)
        | st.dictionaries(
            st.sampled_from(["min", "max", "modalities", "classes"]), st.integers(0, 20), max_size=2
        ),
        min_size=1,
        max_size=2,
    ),
    lambda inner: st.dictionaries(
        st.sampled_from(["all", "any", "not"]),
        st.lists(inner, max_size=3) | inner,
        min_size=1,
        max_size=1,
    ),
    max_leaves=6,
)


@given(checks)
def test_check_parser_accepts_or_names_the_problem(value: dict) -> None:
    try:
        parsed = parse_check(value)
    except KnowledgeBaseError as exc:
        assert str(exc).startswith("check")
    else:
        assert parsed.name in PREDICATES
