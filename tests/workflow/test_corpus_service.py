"""The corpus as the workflow serves it: every role reads it, what a person typed builds the
query or is refused naming its field, and a chart is the same bytes for the same rows."""

from __future__ import annotations

import pytest
from tests.corpus.support import build
from tests.support import ADMIN

from openimr.errors import InputError, NotFound
from openimr.workflow import Actor, Role, Workflow


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_published_decisions(workflow: Workflow, role: Role) -> None:
    build(workflow.db, 8)
    actor = Actor(name="someone", role=role)
    page = workflow.search_decisions(actor, workflow.corpus_query(limit=3))
    assert len(page.hits) == 3
    assert workflow.decision_letter(actor, page.hits[0].key).items
    assert sum(r.items for r in workflow.decision_rates(actor, "topic", workflow.corpus_query()))
    with pytest.raises(NotFound):
        workflow.decision_letter(actor, "CM00-0000000")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"q": "?!"}, "q"),
        ({"q": "x" * 1001}, "q"),
        ({"year": 1800}, "year"),
        ({"family": "guesswork"}, "family"),
        ({"ur_family": "guesswork"}, "ur_family"),
        ({"topic": "a\x00b"}, "topic"),
        ({"limit": 0}, "limit"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_a_bad_value_names_its_field(
    workflow: Workflow, values: dict[str, object], field: str
) -> None:
    with pytest.raises(InputError) as caught:
        workflow.search_decisions(ADMIN, workflow.corpus_query(**values))
    assert caught.value.location == field


def test_blank_values_are_not_given(workflow: Workflow) -> None:
    assert workflow.corpus_query(q="  ", topic="", year=None) == workflow.corpus_query()


def test_a_chart_is_the_same_bytes_for_the_same_rows(workflow: Workflow) -> None:
    build(workflow.db, 10)
    query = workflow.corpus_query()
    first = workflow.decision_chart(ADMIN, "rates", "year", query)
    assert first.startswith(b"<?xml") and b"IMR overturn rate by year" in first
    assert workflow.decision_chart(ADMIN, "rates", "year", query) == first
    png = workflow.decision_chart(ADMIN, "turnaround", "specialty", query, "png")
    assert png.startswith(b"\x89PNG")
    with pytest.raises(InputError) as caught:
        workflow.decision_chart(ADMIN, "turnaround", "topic", query)
    assert caught.value.location == "by"
