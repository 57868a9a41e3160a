"""Record text as HTML with the engine's evidence spans marked.

Spans may overlap or nest; the text is cut at every span boundary and each piece is wrapped
in one ``<mark>`` naming every span that covers it, so the HTML never nests marks and every
character of the record appears exactly once, escaped. Form feeds (page breaks of PDF text)
become visible page markers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from openimr.domain import Evidence


@dataclass(frozen=True, order=True)
class Span:
    """A located span of one record, with the HTML id that links to it."""

    start: int
    end: int
    anchor: str


def anchor_id(record_index: int, start: int, end: int) -> str:
    """A stable id for a span: the same words are one target whichever criterion cites them."""
    return f"ev-{record_index}-{start}-{end}"


def locate(evidence: Evidence, texts: Sequence[str]) -> tuple[int, int] | None:
    """Where the evidence's words are in its record.

    The recorded offsets are trusted when the words are there (spacing aside: the engine reads
    a line break as a space); otherwise the first place the quoted words occur is used, and
    ``None`` says they are not in the record at all.
    """
    if not 0 <= evidence.record_index < len(texts):
        return None
    text = texts[evidence.record_index]
    there = text[evidence.start : evidence.end]
    if evidence.end > evidence.start and (
        there == evidence.quote or there.split() == evidence.quote.split()
    ):
        return evidence.start, evidence.end
    if evidence.quote:
        found = text.find(evidence.quote)
        if found >= 0:
            return found, found + len(evidence.quote)
    return None


def _with_pages(piece: str, page: int) -> tuple[str, int]:
    """Escape ``piece``, turning each form feed into a page marker; return the next page.

    The marker is a block of its own, so one line break on either side of the form feed
    (PDF text joins pages with ``\n\f\n``) is left out rather than shown as a blank line.
    """
    parts = piece.split("\f")
    if len(parts) == 1:
        return str(escape(piece)), page
    out = []
    for index, part in enumerate(parts):
        if index > 0:
            page += 1
            out.append(f'<span class="page-break" role="separator">Page {page}</span>')
            part = part.removeprefix("\n")
        if index < len(parts) - 1:
            part = part.removesuffix("\n")
        out.append(str(escape(part)))
    return "".join(out), page


def render_record(text: str, spans: Sequence[Span]) -> Markup:
    """The record as escaped HTML with ``<mark>`` around every span (overlaps allowed)."""
    size = len(text)
    clean = sorted(
        {Span(max(0, s.start), min(size, s.end), s.anchor) for s in spans if s.end > s.start}
    )
    clean = [s for s in clean if s.end > s.start]
    cuts = sorted({0, size, *(s.start for s in clean), *(s.end for s in clean)})
    out: list[str] = []
    page = 1
    anchored: set[str] = set()
    for left, right in itertools.pairwise(cuts):
        body, page = _with_pages(text[left:right], page)
        covering = [s for s in clean if s.start <= left and s.end >= right]
        if not covering:
            out.append(body)
            continue
        names = list(dict.fromkeys(s.anchor for s in covering))
        starting = [s.anchor for s in covering if s.start == left and s.anchor not in anchored]
        anchored.update(starting)
        extra = "".join(
            f'<span class="ev-anchor" id="{escape(a)}" tabindex="-1"></span>' for a in starting[1:]
        )
        ident = f' id="{escape(starting[0])}" tabindex="-1"' if starting else ""
        many = " ev-multi" if len(names) > 1 else ""
        out.append(
            f'{extra}<mark class="ev{many}" data-spans="{escape(" ".join(names))}"{ident}>'
            f"{body}</mark>"
        )
    return Markup("".join(out))


def page_count(text: str) -> int:
    return text.count("\f") + 1
