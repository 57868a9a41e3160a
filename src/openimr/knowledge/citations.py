"""Guideline citations as letters write them: text to :class:`GuidelineCitation` and back.

Letters state the guideline relied on in a few fixed grammars, one per era:

* 2016-17: one sentence per body of evidence, ``Decision based on MTUS <document> <year>,
  Section(s): <names>``, or ``Decision based on Non-MTUS Citation <free text>``; a single MTUS
  sentence may name several documents joined by ``, and``.
* 2014-15: ``Decision based on MTUS <document> <section names> Page(s): <pages>``, sometimes
  with ``Chapter <n> <title>`` for the ACOEM guideline.
* 2013: free sentences that name the guideline and its pages.
* OpenIMR's own letters: the 2016-17 sentence with labelled parts (``Chapter:``,
  ``Section:``/``Sections:``, ``Page(s):``) so that every field reads back exactly.

Document names, aliases, families and chapters come from the sources catalog
(``data/sources.yaml``), so that no guideline's name is written in code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from openimr.domain import GuidelineCitation, GuidelineFamily
from openimr.knowledge.sources import Chapter, Document, load_sources

__all__ = [
    "NO_EVIDENCE_SENTENCE",
    "OUTSIDE_MTUS_SENTENCE",
    "ResolvedGuideline",
    "clause_families",
    "format_citation",
    "format_citations",
    "parse_citations",
    "resolve_guideline",
]

#: How our letters say that the reviewer relied on no evidence (read back as family ``none``).
NO_EVIDENCE_SENTENCE = "The expert reviewer did not cite any medical evidence for this decision."
#: Written before the clauses when no MTUS guideline is cited (the search sequence was followed).
OUTSIDE_MTUS_SENTENCE = "The expert reviewer relied on evidence outside the MTUS for this decision."

_CLAUSE_START = re.compile(r"Decision\s*based\s*on\s*", re.IGNORECASE)
_NO_EVIDENCE = re.compile(r"did\s*not\s*cite\s*any\s*(?:medical\s*)?evidence", re.IGNORECASE)
_NON_MTUS_PREFIX = re.compile(r"Non[\s-]*MTUS\s*(?:Citation)?\s*:?\s*", re.IGNORECASE)
_MTUS_PREFIX = re.compile(r"(?:the\s+)?(?:California\s+)?MTUS(?:[\s-]*adopted)?\s*:?\s*", re.I)
_OWN_PART_JOIN = re.compile(r",?\s+and\s+(?=(?:Non-MTUS\s+Citation|MTUS)\s)")
_OTHER_JOIN = re.compile(r"\s+and\s+Other\s+Medical\s+Treatment\s+Guidelines?\s+", re.IGNORECASE)
_LABEL = re.compile(
    r"(?:,\s*|\s+|^)(?:"
    r"(?P<ch>Chapter\s*:)"
    r"|(?P<chn>(?=Chapter\s+\d))"
    r"|(?P<secs>Sections\s*:)"
    r"|(?P<sec1>Section\s*:)"
    r"|(?P<secx>Section\(s\)\s*:)"
    r"|(?P<pg>Pages?\s*:|Page\(s\)\s*:|(?i:pgs?\.|pp\.)(?=\s*\d))"
    r")"
)
_EDITION_AFTER_NAME = re.compile(
    r"^\s*(?:\((?P<p>(?:19|20)\d\d)\)|(?P<y>(?:19|20)\d\d)\b|\(edition\s+(?P<e>[^()]+)\))"
)
_TRAILING_EDITION = re.compile(r"\s*\((?:(?P<y>(?:19|20)\d\d)|edition\s+(?P<e>[^()]+))\)$")
_TRAILING_YEAR = re.compile(r"\s+((?:19|20)\d\d)$")
_SECTION_SPLIT = re.compile(r",\s+(?=[A-Z0-9])")
_LEFTOVER_NOISE = re.compile(
    r"^[\s,:;/\-–—]*(?:\(ODG\))?[\s,:;/\-–—]*(?:guidelines?\b)?[\s,:;/\-–—]*"
)
_CHAPTER_WORD = re.compile(r"^\s*(?:chapter|section)\b[\s,:;/\-–—]*", re.IGNORECASE)
_PARENTHETICAL = re.compile(r"^\s*\([^()]*\)")
_NUMBERED_CHAPTER = re.compile(
    r"\bChapter\s+\d+(?:\s+[A-Z][\w-]*(?:,?\s+(?:and\s+)?[A-Z][\w-]*)*)?"
)
_ODG_MENTION = re.compile(r"\bODG\b|Official\s+Disability\s+Guidelines", re.IGNORECASE)
_PAGES_NEAR = re.compile(r"\b(?:pages?|pp?\.|pgs?\.)\s*(\d+(?:\s*(?:-|–|,|and)\s*\d+)*)", re.I)


@dataclass(frozen=True, slots=True)
class ResolvedGuideline:
    """A name in a letter matched to a catalog document (and chapter, where it names one)."""

    document: Document
    chapter: Chapter | None
    matched: str


@dataclass(frozen=True, slots=True)
class _Name:
    document: Document
    chapter: Chapter | None


def _norm(text: str) -> str:
    return " ".join(text.replace("&", " and ").replace("–", "-").split()).casefold()


def _name_pattern(name: str) -> str:
    words = name.replace("&", " & ").split()
    return r"\s*".join(
        r"(?:&|and)" if word.lower() in ("&", "and") else re.escape(word) for word in words
    )


class _Index:
    """Every way the catalog names a document or chapter, compiled once."""

    def __init__(self) -> None:
        catalog = load_sources()
        by_key: dict[str, list[_Name]] = {}
        for document in catalog.documents:
            for name in (document.title, document.letter_name, *document.aliases):
                by_key.setdefault(_norm(name), []).append(_Name(document, None))
            for chapter in document.chapters:
                for name in dict.fromkeys((chapter.letter_name, chapter.title)):
                    by_key.setdefault(_norm(name), []).append(_Name(document, chapter))
        self.by_key = by_key
        originals: dict[str, str] = {}
        for document in catalog.documents:
            names = [document.title, document.letter_name, *document.aliases]
            names += [c.letter_name for c in document.chapters] + [
                c.title for c in document.chapters
            ]
            for name in names:
                originals.setdefault(_norm(name), name)
        ordered = sorted(originals.values(), key=lambda n: (-len(n), n))
        alternation = "|".join(_name_pattern(n) for n in ordered)
        self.start = re.compile(rf"(?:{alternation})(?!\w)", re.IGNORECASE)
        self.anywhere = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)", re.IGNORECASE)
        mtus_names = sorted(
            {
                name
                for key, entries in by_key.items()
                for entry in entries
                if entry.document.family.is_mtus
                for name in [originals[key]]
            },
            key=lambda n: (-len(n), n),
        )
        mtus_alternation = "|".join(_name_pattern(n) for n in mtus_names)
        self.mtus_join = re.compile(
            rf",?\s+and\s+(?=(?:{mtus_alternation})\s*\(?(?:19|20)\d\d\b)", re.IGNORECASE
        )
        self.default_titles: dict[GuidelineFamily, str] = {}
        for document in catalog.documents:
            self.default_titles.setdefault(document.family, document.title)


@cache
def _index() -> _Index:
    return _Index()


def _choose(entries: Iterable[_Name], edition: str | None, mtus: bool | None) -> _Name | None:
    eligible = [e for e in entries if mtus is None or e.document.family.is_mtus == mtus]
    if not eligible:
        return None
    if edition:
        same = [e for e in eligible if e.document.edition == edition]
        if same:
            documents = [e for e in same if e.chapter is None]
            return (documents or same)[0]
    return eligible[0]


def resolve_guideline(text: str, *, mtus: bool | None = None) -> ResolvedGuideline | None:
    """Match the start of ``text`` to a catalog document or chapter (``mtus`` restricts it)."""
    index = _index()
    match = index.start.match(text.strip())
    if not match:
        return None
    edition, _ = _edition_at(text.strip()[match.end() :])
    entry = _choose(index.by_key.get(_norm(match.group(0)), ()), edition, mtus)
    if entry is None:
        return None
    if entry.chapter is not None and not entry.document.family.is_mtus:
        # "Low Back (...)" alone does not say whose chapter it is: only the MTUS is cited by
        # its chapters' names; another guideline is identified by its own name.
        return None
    return ResolvedGuideline(entry.document, entry.chapter, match.group(0))


def _clean(text: str) -> str:
    """Runs of whitespace as one space (``str.split`` splits on what ``\\s`` matches)."""
    return " ".join(text.split())


def _split_outside_parentheses(value: str, separator: re.Pattern[str]) -> list[str]:
    parts, start = [], 0
    for match in separator.finditer(value):
        before = value[: match.start()]
        if before.count("(") > before.count(")"):
            continue
        parts.append(value[start : match.start()])
        start = match.end()
    parts.append(value[start:])
    return [p.strip() for p in parts if p.strip()]


def _split_sections(value: str, label: str) -> list[str]:
    """Section names: ``Section:`` one, ``Sections:`` split on ``;``, letters' commas guessed."""
    value = value.strip().rstrip(",").strip()
    if not value:
        return []
    if label == "sec1":
        return [value]
    if label == "secs" or ";" in value:
        return [s.strip() for s in value.split(";") if s.strip()]
    return _split_outside_parentheses(value, _SECTION_SPLIT)


def _fuzzy_family(text: str) -> GuidelineFamily:
    """Family of an MTUS name the catalog does not know, by its closest catalog name."""
    from rapidfuzz import fuzz, process

    index = _index()
    choices = {
        key: entries[0].document.family
        for key, entries in index.by_key.items()
        if entries[0].document.family.is_mtus
    }
    best = process.extractOne(_norm(text), list(choices), scorer=fuzz.partial_ratio)
    if best and best[1] >= 80:
        return choices[best[0]]
    return GuidelineFamily.MTUS_CPMTG


def _leading_chapter(text: str, document: Document) -> tuple[str | None, str]:
    """A chapter of ``document`` named at the start of ``text`` (as written), and the rest."""
    match = _index().start.match(text)
    names = {_norm(n) for c in document.chapters for n in (c.letter_name, c.title)}
    if not match or _norm(match.group(0)) not in names:
        return None, text
    chapter, rest = text[: match.end()], text[match.end() :]
    parenthetical = _PARENTHETICAL.match(rest)
    if parenthetical:
        chapter, rest = chapter + rest[: parenthetical.end()], rest[parenthetical.end() :]
    rest = _CHAPTER_WORD.sub("", rest, count=1)
    return _clean(chapter), _LEFTOVER_NOISE.sub("", rest, count=1).strip()


def _edition_at(text: str) -> tuple[str | None, str]:
    match = _EDITION_AFTER_NAME.match(text)
    if not match:
        return None, text
    return match.group("p") or match.group("y") or match.group("e"), text[match.end() :]


def _parse_part(text: str, mtus: bool | None) -> GuidelineCitation:
    """One document of a clause: ``<title> [edition], Chapter..., Section(s)..., Page(s)...``."""
    text = _clean(text).rstrip(".").strip()
    prefix = _NON_MTUS_PREFIX.match(text)
    if prefix:
        mtus, text = False, text[prefix.end() :]
    else:
        prefix = _MTUS_PREFIX.match(text)
        if prefix:
            mtus, text = True, text[prefix.end() :]
    labels = list(_LABEL.finditer(text))
    head = (text[: labels[0].start()] if labels else text).strip().rstrip(",").strip()
    chapter: str | None = None
    sections: list[str] = []
    pages: str | None = None
    for position, label in enumerate(labels):
        end = labels[position + 1].start() if position + 1 < len(labels) else len(text)
        value = text[label.end() : end].strip().rstrip(",").strip()
        kind = label.lastgroup or ""
        if kind in ("ch", "chn"):
            chapter = value or chapter
        elif kind in ("secs", "sec1", "secx"):
            sections += _split_sections(value, kind)
        elif kind == "pg":
            pages = value.rstrip(".").strip() or pages

    edition: str | None = None
    leading: list[str] = []
    resolved = resolve_guideline(head, mtus=mtus)
    if resolved is not None:
        document = resolved.document
        family, title = document.family, document.title
        edition, rest = _edition_at(head[len(resolved.matched) :])
        if resolved.chapter is not None and chapter is None:
            chapter = _clean(resolved.matched)
        rest = _LEFTOVER_NOISE.sub("", rest, count=1).strip()
        if rest and chapter is None and document.chapters:
            chapter, rest = _leading_chapter(rest, document)
        if rest:
            leading = _split_sections(rest, "secx")
    else:
        trailing = _TRAILING_EDITION.search(head)
        if trailing:
            edition = trailing.group("y") or trailing.group("e")
            head = head[: trailing.start()].strip()
        if mtus and edition is None and (year := _TRAILING_YEAR.search(head)):
            edition, head = year.group(1), head[: year.start()].strip()
        title = head or None
        if mtus:
            family = _fuzzy_family(head)
        elif _ODG_MENTION.search(text):
            odg = next(d for d in load_sources().documents if d.family is GuidelineFamily.ODG)
            family, title = GuidelineFamily.ODG, odg.title
            rest = head
            if chapter is None:
                chapter, rest = _leading_chapter(head, odg)
            if rest:
                leading = _split_sections(rest, "secx")
        else:
            family = GuidelineFamily.OTHER
    return GuidelineCitation(
        family=family,
        title=title,
        chapter=chapter,
        sections=leading + sections,
        pages=pages,
        edition=edition,
    )


def _split_clause(body: str, mtus: bool | None) -> list[tuple[str, bool | None]]:
    if _OWN_PART_JOIN.search(body):
        return [(part, mtus) for part in _OWN_PART_JOIN.split(body)]
    if mtus:
        return [(part, True) for part in _index().mtus_join.split(body)]
    pieces = _OTHER_JOIN.split(body)
    return [(pieces[0], mtus)] + [(piece, False) for piece in pieces[1:]]


def parse_citations(text: str) -> list[GuidelineCitation]:
    """Every guideline a letter's guideline statement cites, in order.

    Each ``Decision based on`` clause gives one citation per document it names; the second and
    later documents of a clause carry ``same_clause=True``. A statement that says no evidence
    was cited gives one citation of family ``none``; free text without clauses (2013 letters)
    gives the catalog documents it names. An empty or unreadable statement gives ``[]``.

    Letters repeat their guideline statements word for word, so statements already read are
    remembered; each call gets its own copies (citations are mutable models).
    """
    return [_own_copy(citation) for citation in _parse_citations(text)]


def _own_copy(citation: GuidelineCitation) -> GuidelineCitation:
    """A copy sharing no list with the remembered citation (its other values are immutable):
    a fraction of the cost of a deep copy, which was a tenth of reading a letter."""
    copied = citation.model_copy()
    for name, value in copied.__dict__.items():
        if isinstance(value, list):
            copied.__dict__[name] = list(value)
    return copied


@lru_cache(maxsize=8192)
def _parse_citations(text: str) -> tuple[GuidelineCitation, ...]:
    return tuple(_read_citations(text))


def _read_citations(text: str) -> list[GuidelineCitation]:
    text = _clean(text.replace("\ufffe", "-"))
    pieces = _CLAUSE_START.split(text)
    clauses = [p for p in pieces[1:] if p.strip(" .")]
    if not clauses:
        if _NO_EVIDENCE.search(text):
            return [GuidelineCitation(family=GuidelineFamily.NONE)]
        return find_citations(text)
    citations: list[GuidelineCitation] = []
    for clause in clauses:
        body = clause.strip().rstrip(".").strip()
        mtus: bool | None = None
        prefix = _NON_MTUS_PREFIX.match(body)
        if prefix:
            mtus = False
        else:
            prefix = _MTUS_PREFIX.match(body)
            if prefix and body[: prefix.end()].strip():
                mtus = True
        for position, (part, part_mtus) in enumerate(_split_clause(body, mtus)):
            if not part.strip(" .,"):
                continue
            citation = _parse_part(part, part_mtus)
            if position:
                citation = citation.model_copy(update={"same_clause": True})
            citations.append(citation)
    return citations


def find_citations(text: str) -> list[GuidelineCitation]:
    """Catalog documents named anywhere in free text, in order of first mention (2013 letters)."""
    text = _clean(text)
    index = _index()
    found: list[GuidelineCitation] = []
    seen: set[str] = set()
    for match in index.anywhere.finditer(text):
        before = text[max(0, match.start() - 40) : match.start()]
        mtus: bool | None = None
        if re.search(r"non[\s-]*MTUS", before, re.IGNORECASE):
            mtus = False
        # a chapter's name alone ("Opioids", "Knee") is too common a word in free text
        entries = [e for e in index.by_key.get(_norm(match.group(0)), []) if e.chapter is None]
        rest = text[match.end() :]
        edition, _ = _edition_at(rest)
        entry = _choose(entries, edition, mtus)
        if entry is None or entry.document.id in seen:
            continue
        seen.add(entry.document.id)
        sentence_end = rest.find(". ")
        window = rest if sentence_end < 0 else rest[:sentence_end]
        pages = _PAGES_NEAR.search(window)
        numbered = _NUMBERED_CHAPTER.search(window)
        chapter = _clean(numbered.group(0)) if numbered and entry.document.chapters else None
        found.append(
            GuidelineCitation(
                family=entry.document.family,
                title=entry.document.title,
                chapter=chapter,
                pages=_clean(pages.group(1)) if pages else None,
                edition=edition,
            )
        )
    return found


def clause_families(citations: Sequence[GuidelineCitation]) -> list[GuidelineFamily]:
    """The family of each ``Decision based on`` clause, in order (a clause's first citation)."""
    return [c.family for c in citations if not c.same_clause]


def _default_title(family: GuidelineFamily) -> str:
    return _index().default_titles.get(family, "other medical evidence")


def format_citation(citation: GuidelineCitation) -> str:
    """One document of a clause, in the labelled form :func:`parse_citations` reads back."""
    if citation.family is GuidelineFamily.NONE:
        return NO_EVIDENCE_SENTENCE
    title = _clean(citation.title or _default_title(citation.family))
    prefix = "MTUS " if citation.family.is_mtus else "Non-MTUS Citation "
    if citation.family.is_mtus and title.startswith("MTUS "):
        # "MTUS Drug Formulary" reads back from "MTUS Drug Formulary", not "MTUS MTUS ..."
        resolved = resolve_guideline(title[5:], mtus=True)
        if resolved is not None and resolved.document.title == title:
            prefix = ""
    text = prefix + title
    if citation.edition:
        edition = _clean(citation.edition)
        text += (
            f" ({edition})" if re.fullmatch(r"(?:19|20)\d\d", edition) else f" (edition {edition})"
        )
    if citation.chapter:
        chapter = _clean(citation.chapter)
        text += ", " + (chapter if re.match(r"Chapter\s+\d", chapter) else f"Chapter: {chapter}")
    sections = [_clean(s) for s in citation.sections if s.strip()]
    if len(sections) == 1:
        text += f", Section: {sections[0]}"
    elif sections:
        text += ", Sections: " + "; ".join(sections)
    if citation.pages:
        text += f", Page(s): {_clean(citation.pages)}"
    return text


def format_citations(citations: Sequence[GuidelineCitation]) -> str:
    """A guideline statement for a letter: one ``Decision based on`` sentence per clause."""
    cited = [c for c in citations if c.family is not GuidelineFamily.NONE]
    if not cited:
        return NO_EVIDENCE_SENTENCE
    clauses: list[list[GuidelineCitation]] = []
    for citation in cited:
        if citation.same_clause and clauses:
            clauses[-1].append(citation)
        else:
            clauses.append([citation])
    sentences = []
    if not any(c.family.is_mtus for c in cited):
        sentences.append(OUTSIDE_MTUS_SENTENCE)
    for clause in clauses:
        sentences.append("Decision based on " + ", and ".join(map(format_citation, clause)) + ".")
    return " ".join(sentences)
