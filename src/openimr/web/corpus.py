"""Published decisions in the workbench: search with facets, a letter in full, statistics with
their charts, and the similar decisions shown beside each item of a case.

The pages call the workflow's corpus methods (the API's); what a person typed that the search
refuses is shown on the page again with the reason beside the field at fault.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool

from openimr.corpus.schemas import (
    STATS_KEYS,
    TURNAROUND_KEYS,
    CorpusQuery,
    DecisionHit,
    DecisionPage,
)
from openimr.domain import GuidelineCitation
from openimr.errors import InputError, OpenIMRError
from openimr.knowledge.citations import format_citation
from openimr.web.failures import workbench_router
from openimr.web.pages import PREFIX, private_headers, render
from openimr.web.session import Web, signed_in

router = workbench_router()

#: Decisions on a page of results.
PER_PAGE = 20
#: The words and facets a search takes, in the form's order.
FIELDS = ("q", "topic", "region", "decision", "year", "family", "section", "specialty", "ur_family")
#: Facets offered as a list of the values the corpus holds (with their counts).
LISTED = ("topic", "region", "year", "family", "specialty", "ur_family")
LABELS = {
    "q": "Words",
    "topic": "Treatment topic",
    "region": "Body region",
    "decision": "Decision",
    "year": "Year decided",
    "family": "Guideline relied on",
    "section": "Guideline section",
    "specialty": "Reviewer's specialty",
    "ur_family": "Guideline the UR cited",
    "priority": "Priority",
    "layout": "Letter layout",
    "by": "Count by",
    "page": "Page",
}
#: Similar decisions shown beside an item.
SIMILAR_SHOWN = 5
#: An SVG chart shown as an image: its own styles, nothing else.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


def _typed(request: Request, names: Sequence[str]) -> dict[str, str]:
    """What the form sent for ``names`` (blank when not sent), as typed."""
    return {name: request.query_params.get(name, "").strip() for name in names}


def _query(
    web: Web, typed: dict[str, str], *, limit: int = PER_PAGE, offset: int = 0
) -> CorpusQuery:
    values: dict[str, Any] = {name: typed.get(name) or None for name in FIELDS}
    year = values["year"]
    if year is not None:
        if not year.isdigit() or len(year) > 4:
            raise InputError("a year is four digits, e.g. 2016", location="year")
        values["year"] = int(year)
    return web.workflow.corpus_query(**values, limit=limit, offset=offset)


def _page_number(raw: str) -> int:
    if not raw:
        return 1
    if not raw.isdigit() or len(raw) > 7 or int(raw) < 1:
        raise InputError("a page is a whole number from 1", location="page")
    return int(raw)


def _options(web: Web) -> dict[str, list[tuple[str, int]]]:
    """The values each listed facet holds in the corpus, with their item counts."""
    empty = web.workflow.corpus_query()
    options: dict[str, list[tuple[str, int]]] = {}
    for name in LISTED:
        rows = web.workflow.decision_rates(web.actor, name, empty)
        listed = [(row.key, row.items) for row in rows if row.key != "unknown"]
        options[name] = sorted(listed, key=lambda kv: kv[0]) if name != "year" else listed
    return options


@dataclass
class Pager:
    """Where this page of results stands, and the links to its neighbours."""

    first: int
    last: int
    total: int
    previous: str | None
    next: str | None


def _pager(typed: dict[str, str], page: DecisionPage, number: int) -> Pager:
    kept = {name: value for name, value in typed.items() if value}

    def link(n: int) -> str:
        return f"{PREFIX}/decisions?" + urlencode({**kept, "page": n})

    return Pager(
        first=page.offset + 1 if page.hits else 0,
        last=page.offset + len(page.hits),
        total=page.total,
        previous=link(number - 1) if number > 1 else None,
        next=link(number + 1) if page.offset + len(page.hits) < page.total else None,
    )


def _search_page(web: Web) -> Response:
    typed = _typed(web.request, (*FIELDS, "page"))
    options = _options(web)
    context: dict[str, Any] = {
        "typed": typed,
        "options": options,
        "labels": LABELS,
        "results": None,
        "pager": None,
        "error": None,
        "error_field": None,
        "searched": any(typed[name] for name in FIELDS),
    }
    try:
        number = _page_number(typed["page"])
        query = _query(web, typed, offset=(number - 1) * PER_PAGE)
        results = web.workflow.search_decisions(web.actor, query)
    except InputError as exc:
        context.update(error=exc.detail, error_field=exc.location)
        return render(web.request, "decisions.html.j2", web.context(**context), status=422)
    context.update(results=results, pager=_pager(typed, results, number))
    return render(web.request, "decisions.html.j2", web.context(**context))


@router.get("/decisions")
async def search_page(request: Request) -> Response:
    web = await signed_in(request)
    return await run_in_threadpool(_search_page, web)


@router.get("/decisions/letters/{key}")
async def letter_page(request: Request, key: str) -> Response:
    web = await signed_in(request)
    found = await run_in_threadpool(web.workflow.decision_letter, web.actor, key)
    return render(
        request, "decision.html.j2", web.context(letter=found, citation_texts=_citation_texts)
    )


def _citation_texts(citations: Sequence[GuidelineCitation]) -> list[str]:
    return [format_citation(citation) for citation in citations]


# -- statistics ----------------------------------------------------------------------------

Kind = Literal["rates", "turnaround"]


def _kind_and_by(typed: dict[str, str]) -> tuple[Kind, str]:
    kind: Kind = "turnaround" if typed.get("kind") == "turnaround" else "rates"
    keys = TURNAROUND_KEYS if kind == "turnaround" else STATS_KEYS
    by = typed.get("by") or keys[0]
    if by not in keys:
        raise InputError(f"count by one of {', '.join(keys)}", location="by")
    return kind, by


def _stats_page(web: Web) -> Response:
    typed = _typed(web.request, (*FIELDS, "kind", "by"))
    context: dict[str, Any] = {
        "typed": typed,
        "labels": LABELS,
        "options": _options(web),
        "rate_keys": STATS_KEYS,
        "turnaround_keys": TURNAROUND_KEYS,
        "kind": "rates",
        "by": "topic",
        "rows": None,
        "chart_url": None,
        "error": None,
        "error_field": None,
    }
    try:
        kind, by = _kind_and_by(typed)
        context.update(kind=kind, by=by)
        query = _query(web, typed)
        if kind == "turnaround":
            rows: Sequence[Any] = web.workflow.decision_turnaround(web.actor, by, query)
        else:
            rows = web.workflow.decision_rates(web.actor, by, query)
    except InputError as exc:
        context.update(error=exc.detail, error_field=exc.location)
        return render(web.request, "decision_stats.html.j2", web.context(**context), status=422)
    kept = {name: value for name, value in typed.items() if value}
    chart = f"{PREFIX}/decisions/chart?" + urlencode({**kept, "kind": kind, "by": by})
    context.update(rows=rows, chart_url=chart, png_url=chart + "&format=png")
    return render(web.request, "decision_stats.html.j2", web.context(**context))


@router.get("/decisions/stats")
async def stats_page(request: Request) -> Response:
    web = await signed_in(request)
    return await run_in_threadpool(_stats_page, web)


def _chart(web: Web) -> Response:
    typed = _typed(web.request, (*FIELDS, "kind", "by", "format"))
    kind, by = _kind_and_by(typed)
    fmt = typed["format"] or "svg"
    if fmt not in ("svg", "png"):
        raise InputError("a chart is svg or png", location="format")
    drawn = web.workflow.decision_chart(web.actor, kind, by, _query(web, typed), fmt)  # type: ignore[arg-type]
    media = "image/svg+xml" if fmt == "svg" else "image/png"
    headers = private_headers(CHART_CSP)
    if fmt == "png":
        headers["Content-Disposition"] = f'attachment; filename="decisions-{kind}-by-{by}.png"'
    return Response(drawn, media_type=media, headers=headers)


@router.get("/decisions/chart")
async def chart(request: Request) -> Response:
    web = await signed_in(request)
    return await run_in_threadpool(_chart, web)


# -- beside a case's items -----------------------------------------------------------------


@dataclass
class SimilarPanel:
    """The decisions shown beside one item, or why there are none."""

    topic: str | None
    region: str | None
    hits: list[DecisionHit]
    search_url: str | None
    unavailable: bool = False


def similar_panels(web: Web, items: Sequence[Any], facts: str) -> dict[int, SimilarPanel]:
    """For each item the engine read a topic for: published decisions on that topic (its body
    region first) nearest to the case's facts. A corpus that cannot be read leaves the case
    page whole and says so in the panel."""
    panels: dict[int, SimilarPanel] = {}
    for item in items:
        normalized = item.shown.normalized if item.shown is not None else None
        if normalized is None or not normalized.topic or normalized.topic == "unmapped":
            panels[item.index] = SimilarPanel(None, None, [], None)
            continue
        topic = normalized.topic
        region = normalized.body_regions[0] if normalized.body_regions else None
        url = f"{PREFIX}/decisions?" + urlencode({"topic": topic})
        try:
            hits = web.workflow.similar_decisions(
                web.actor, topic, region, f"{item.request}\n{facts}", SIMILAR_SHOWN
            )
        except OpenIMRError:
            panels[item.index] = SimilarPanel(topic, region, [], url, unavailable=True)
            continue
        panels[item.index] = SimilarPanel(topic, region, hits, url)
    return panels
