"""``/api/v1/decisions``: the precedent corpus of published decisions, searched and counted.

Any signed-in role may read it (published decisions are de-identified). Every route takes the
same words (``q``) and facets; a parameter the route does not know, or a value out of range,
is a 422 naming it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from openimr.api.deps import ActorDep, WorkflowDep
from openimr.api.errors import responses
from openimr.corpus.schemas import (
    DecisionHit,
    DecisionLetter,
    DecisionPage,
    DecisionValue,
    StatsKey,
    StatsRow,
    TurnaroundKey,
    TurnaroundRow,
)

router = APIRouter(prefix="/decisions", tags=["decisions"])

#: Largest page the API serves.
MAX_PAGE = 100


class FacetParams(BaseModel):
    """Words and facets, all optional; text facets match whole values, in any case."""

    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(
        default=None,
        max_length=1000,
        description='Words, all required (stemmed); "a phrase" as written; OR between words.',
    )
    topic: str | None = Field(default=None, max_length=80, description="Treatment topic id.")
    region: str | None = Field(default=None, max_length=40, description="Body region.")
    decision: DecisionValue | None = None
    year: int | None = Field(default=None, ge=1990, le=2100, description="Year decided.")
    family: str | None = Field(
        default=None, max_length=24, description="Guideline family the reviewer relied on."
    )
    section: str | None = Field(default=None, max_length=200, description="Guideline section.")
    specialty: str | None = Field(
        default=None, max_length=120, description="The reviewer's specialty."
    )
    ur_family: str | None = Field(
        default=None, max_length=24, description="Guideline family the UR cited (or none)."
    )


class SearchParams(FacetParams):
    limit: int = Field(default=20, ge=1, le=MAX_PAGE, description="Decisions per page.")
    offset: int = Field(default=0, ge=0, le=2**31 - 1, description="Decisions skipped.")


class StatsParams(FacetParams):
    by: StatsKey = Field(default="topic", description="The facet to count by.")


class TurnaroundParams(FacetParams):
    by: TurnaroundKey = Field(default="year", description="The letter's field to group by.")


def _values(params: BaseModel, *leave: str) -> dict[str, Any]:
    return params.model_dump(exclude=set(leave))


@router.get("", response_model=DecisionPage, responses=responses(403))
def search(
    params: Annotated[SearchParams, Query()], workflow: WorkflowDep, actor: ActorDep
) -> DecisionPage:
    """Published decisions, one item each, best match first (newest first without words)."""
    query = workflow.corpus_query(**_values(params))
    return workflow.search_decisions(actor, query)


@router.get("/stats", response_model=list[StatsRow], responses=responses(403))
def stats(
    params: Annotated[StatsParams, Query()], workflow: WorkflowDep, actor: ActorDep
) -> list[StatsRow]:
    """Overturn rate under each value of ``by``: items, overturned, rate and the Wilson 95 %
    interval (``low``, ``high``), most items first (years in order)."""
    query = workflow.corpus_query(**_values(params, "by"))
    return workflow.decision_rates(actor, params.by, query)


@router.get("/turnaround", response_model=list[TurnaroundRow], responses=responses(403))
def turnaround(
    params: Annotated[TurnaroundParams, Query()], workflow: WorkflowDep, actor: ActorDep
) -> list[TurnaroundRow]:
    """Days from the application received to the decision (median, mean, 90th percentile)
    under each value of ``by``, a letter counted once."""
    query = workflow.corpus_query(**_values(params, "by"))
    return workflow.decision_turnaround(actor, params.by, query)


class SimilarParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: str = Field(min_length=1, max_length=80, description="Treatment topic id.")
    region: str | None = Field(default=None, max_length=40, description="Body region.")
    facts: str = Field(default="", max_length=4000, description="The case's facts, in words.")
    limit: int = Field(default=5, ge=1, le=20)


@router.get("/similar", response_model=list[DecisionHit], responses=responses(403))
def similar(
    params: Annotated[SimilarParams, Query()], workflow: WorkflowDep, actor: ActorDep
) -> list[DecisionHit]:
    """Decisions on the same topic (the region first), nearest to the facts' words."""
    return workflow.similar_decisions(
        actor, params.topic, params.region, params.facts, params.limit
    )


@router.get("/letters/{key}", response_model=DecisionLetter, responses=responses(403, 404))
def letter(key: str, workflow: WorkflowDep, actor: ActorDep) -> DecisionLetter:
    """A published letter with every item's decision, citations and rationale; ``key`` is a
    hit's ``key`` (the case number, or ``sha256:...`` for a letter printing none)."""
    return workflow.decision_letter(actor, key)
