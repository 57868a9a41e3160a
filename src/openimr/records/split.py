"""Splitting a bundle of pages into records, and giving each its kind, date, author, specialty.

A bundle is a fax or a scan of many reports, one after another. Reports start on a new page,
so a boundary is a page where a new document starts: its own "Page 1 of N", a report title
after a signed page or under a different letterhead, a new date of service. Pages that say
"Page 3 of 7" continue the report whose page 2 came before. Page furniture (page numbers, fax
stamps) is read for these signs and left out of the record text.

Then records are compared: the same report sent twice is kept once, and a page sent twice
within the kept records is kept once; both are noted.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from openimr.records.model import (
    DocumentKind,
    Duplicate,
    PageSegment,
    SplitRecord,
)
from openimr.records.normalize import Line, clean_line, join_lines
from openimr.records.vocabulary import find_dates, vocabulary

__all__ = ["Deduplicator", "Page", "analyse_page", "split_pages"]

_PAGE_OF = re.compile(
    r"\b(?:page|pg\.?|p\.)\s*(?P<x>[0-9lIO|]{1,3})\s*(?:of|/)\s*(?P<y>[0-9lIO|]{1,3})\b",
    re.IGNORECASE,
)
_BARE_PAGE = re.compile(r"^(?:-\s*\d{1,3}\s*-|page\s*\d{1,3}|\d{1,3})$", re.IGNORECASE)
_FAX = re.compile(r"\bfax\b|\bfrom:|\bto:|\bp\.\s*\d{1,4}\s*/\s*\d{1,4}\b", re.IGNORECASE)
_FAX_STAMP = re.compile(r"\d{1,2}:\d{2}|\bp\.?\s*\d{1,4}\s*/\s*\d{1,4}\b", re.IGNORECASE)
_CONTINUED = re.compile(r"\(?\bcontinued\b\)?|\bcont'?d\b", re.IGNORECASE)
_SIGNED = re.compile(
    r"electronically signed|\bsigned by\b|\bsincerely\b|\brespectfully\b|penalty of perjury|"
    r"\bsignature\b|\bdictated by\b|\battest|reviewed and signed|\bsigned:",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[^a-z]+")
_NORMAL = re.compile(r"[^a-z0-9]+")
_FURNITURE_ZONE = 3  # lines at the top and at the bottom of a page where furniture is
_TITLE_ZONE = 10  # first lines of a page where a report's title is looked for
_DATE_ZONE = 25  # first lines of a page where the record's date is looked for
_SIGNATURE_ZONE = 12  # last lines of a page where a signature is looked for
_OCR_DIGITS = str.maketrans("lIO|", "1101")
_SAME_RECORD = 0.9  # word-shingle overlap above which two records are the same report
_SAME_PAGE = 0.9
#: A page shorter than this many four-word runs (a signature, a fax cover) is never taken
#: for a repeat of another: short pages are alike without being the same page.
_MIN_PAGE_SHINGLES = 40


@dataclass(slots=True)
class Page:
    """One page as read, with what splitting needs to know about it."""

    document: str
    number: int
    text: str  # the page's paragraphs, furniture left out (record text is made of these)
    lines: tuple[str, ...]  # cleaned lines without furniture (for titles, dates, signatures)
    method: str = "text"  # "text" layer or "ocr"
    confidence: float | None = None
    page_of: tuple[int, int] | None = None
    header: str = ""
    title: str | None = None
    title_kind: DocumentKind | None = None
    continued: bool = False
    signed: bool = False
    dated: date | None = None
    extra: dict[str, float] = field(default_factory=dict)


def _page_of(line: str) -> tuple[int, int] | None:
    match = _PAGE_OF.search(line)
    if not match:
        return None
    try:
        x = int(match.group("x").translate(_OCR_DIGITS))
        y = int(match.group("y").translate(_OCR_DIGITS))
    except ValueError:
        return None
    return (x, y) if 1 <= x <= y <= 999 else None


def _is_furniture(line: str) -> bool:
    if len(line) > 120:
        return False
    if _BARE_PAGE.match(line):
        return True
    if _PAGE_OF.search(line):
        return True
    # A fax machine's stamp: a time or its own page count beside "fax", "from:" or "to:"
    # (a letterhead's "Phone ... Fax ..." line is not furniture).
    return bool(_FAX.search(line) and _FAX_STAMP.search(line))


def labeled_date(lines: Sequence[str]) -> date | None:
    """The date a record is dated by: after the most telling label in ``lines``."""
    vocab = vocabulary()
    best: tuple[int, int, date] | None = None
    for position, line in enumerate(lines):
        previous_end = 0
        for start, end, value in find_dates(line):
            label = line[max(previous_end, start - 48) : start]
            previous_end = end
            if vocab.not_date_label.search(label):
                continue
            for rank, pattern in enumerate(vocab.date_labels):
                if pattern.search(label):
                    if best is None or (rank, position) < best[:2]:
                        best = (rank, position, value)
                    break
    return best[2] if best else None


_TITLE_PREFIX = re.compile(r"^(?:re|subject|report)\s*:\s*", re.IGNORECASE)


def _title_like(line: str) -> str | None:
    """The line as a title when it looks like one (short, capitals, not a labelled field)."""
    line = _TITLE_PREFIX.sub("", line)
    if not 4 <= len(line) <= 90 or line.endswith((".", ",", ";", ":")):
        return None
    if ":" in line.rstrip(":"):
        return None
    letters = [ch for ch in line if ch.isalpha()]
    if not letters:
        return None
    upper = sum(ch.isupper() for ch in letters) / len(letters)
    words = [w for w in line.split() if w[:1].isalpha()]
    small = {"of", "the", "and", "for", "with", "without", "to", "a", "an", "in", "on", "or"}
    capitalized = (
        sum(w[0].isupper() or w.lower() in small for w in words) / len(words) if words else 0.0
    )
    return line if upper >= 0.6 or capitalized >= 0.99 else None


def _signed(tail: Sequence[str]) -> bool:
    """Whether a page ends a report: a signature with the signer's name on the page.

    "Sincerely," at the foot of a page with the name on the next page does not end it.
    """
    for index in range(len(tail) - 1, -1, -1):
        if _SIGNED.search(tail[index]):
            patterns = _authors()
            return any(
                patterns.signed.search(line) or patterns.credentialed.search(line)
                for line in tail[index:]
            )
    return False


def _title(lines: Sequence[str]) -> tuple[str | None, DocumentKind | None, bool]:
    """A page's report title and kind, and whether it says it continues a report.

    A title in capitals wins over one in mixed case (a letterhead's clinic name may also match),
    and a title wrapped over two lines is read whole.
    """
    vocab = vocabulary()
    continued = any(_CONTINUED.search(line) for line in lines)
    found: list[tuple[bool, str, DocumentKind]] = []
    for index, line in enumerate(lines):
        candidate = _title_like(line)
        if candidate is None:
            continue
        whole, kind = candidate, vocab.title_kind(candidate)
        following = _title_like(lines[index + 1]) if index + 1 < len(lines) else None
        same_style = following is not None and (following.isupper() == candidate.isupper())
        if following and same_style and not any(ch.isdigit() for ch in candidate):
            joined = f"{candidate} {following}"
            if (joined_kind := vocab.title_kind(joined)) is not None:
                whole, kind = joined, joined_kind
        if kind is not None:
            found.append((whole.upper() == whole, whole, kind))
    if not found:
        return None, None, continued
    upper = [entry for entry in found if entry[0]]
    _, title, kind = (upper or found)[0]
    return title, kind, continued


def analyse_page(
    document: str,
    number: int,
    lines: Sequence[Line],
    *,
    method: str = "text",
    confidence: float | None = None,
) -> Page:
    """A page's text and the signs of where a document starts or ends on it."""
    kept: list[Line] = []
    page_of: tuple[int, int] | None = None
    count = len(lines)
    for index, line in enumerate(lines):
        text = clean_line(line.text)
        if not text:
            continue
        in_zone = index < _FURNITURE_ZONE or index >= count - _FURNITURE_ZONE
        if in_zone and _is_furniture(text):
            if page_of is None and not _FAX.search(text):
                page_of = _page_of(text)
            continue
        kept.append(line)
    cleaned = tuple(t for line in kept if (t := clean_line(line.text)))
    title, title_kind, continued = _title(cleaned[:_TITLE_ZONE])
    signed = _signed(cleaned[-_SIGNATURE_ZONE:])
    header = _LETTERS.sub("", cleaned[0].lower())[:60] if cleaned else ""
    return Page(
        document=document,
        number=number,
        text=join_lines(kept),
        lines=cleaned,
        method=method,
        confidence=confidence,
        page_of=page_of,
        header=header,
        title=title,
        title_kind=title_kind,
        continued=continued,
        signed=signed,
        dated=labeled_date(cleaned[:_DATE_ZONE]),
    )


def _starts_record(page: Page, previous: Page | None, current_date: date | None) -> bool:
    """Whether ``page`` is the first page of a new record (``previous`` is the page before)."""
    if previous is None or previous.document != page.document:
        return True
    if page.page_of is not None:
        x, y = page.page_of
        if x == 1:
            return True
        if previous.page_of is not None and previous.page_of[1] == y and previous.page_of[0] < x:
            return False
    ended = previous.signed or (
        previous.page_of is not None and previous.page_of[0] == previous.page_of[1]
    )
    if page.continued and not ended:
        return False
    new_date = page.dated is not None and current_date is not None and page.dated != current_date
    if page.title is not None:
        if page.page_of is not None and page.page_of[0] > 1 and not ended:
            return False
        return ended or page.header != previous.header or new_date or previous.title is None
    if not ended:
        return False
    return page.header != previous.header or new_date or not previous.text


def _repeats(page: Page, previous: Page | None) -> bool:
    """Whether ``page`` is the page before sent again (a fax resending a page)."""
    if previous is None or previous.document != page.document or not page.text:
        return False
    if page.text == previous.text and len(page.text) > 200:
        return True
    if len(page.text) < 200 or _numbers(page.text) != _numbers(previous.text):
        return False
    return _similar(_shingles(page.text), _shingles(previous.text), _SAME_PAGE)


def _group(pages: Iterable[Page]) -> list[list[Page]]:
    """Pages in runs, one run a record; a page repeating the one before stays in its run."""
    groups: list[list[Page]] = []
    previous: Page | None = None
    current_date: date | None = None
    for page in pages:
        if _starts_record(page, previous, current_date) and not _repeats(page, previous):
            groups.append([page])
            current_date = page.dated
        else:
            groups[-1].append(page)
            current_date = current_date or page.dated
        previous = page
    return groups


_NAME = r"(?:Dr\.?\s+)?[A-Z][A-Za-z'.-]+(?:\s+[A-Z][A-Za-z'.-]*){0,3}"


@dataclass(frozen=True)
class _AuthorPatterns:
    signed: re.Pattern[str]
    labeled: re.Pattern[str]
    credentialed: re.Pattern[str]


def _author_patterns() -> _AuthorPatterns:
    credential = vocabulary().credential_pattern
    named = rf"(?P<name>{_NAME}),?\s+(?P<cred>{credential})(?![A-Za-z])"
    return _AuthorPatterns(
        signed=re.compile(
            rf"(?:electronically signed|signed|dictated|reviewed)(?:\s+by)?:?\s+{named}",
            re.IGNORECASE,
        ),
        labeled=re.compile(
            r"^(?:treating physician|physician|provider|radiologist|surgeon|examiner|evaluator|"
            r"reviewer|reviewing physician|therapist|pharmacist|consultant|author)\s*:\s*" + named
        ),
        credentialed=re.compile(rf"^{named}"),
    )


_AUTHOR_CACHE: list[_AuthorPatterns] = []


def _authors() -> _AuthorPatterns:
    if not _AUTHOR_CACHE:
        _AUTHOR_CACHE.append(_author_patterns())
    return _AUTHOR_CACHE[0]


def _author(first: Page, last: Page) -> tuple[str | None, str | None]:
    """The author (name and credential as written) and the credential."""
    patterns = _authors()
    tail = last.lines[-_SIGNATURE_ZONE:]
    for line in tail:
        match = patterns.signed.search(line)
        if match:
            return _name(match), match.group("cred")
    for line in first.lines[:_DATE_ZONE]:
        match = patterns.labeled.search(line)
        if match:
            return _name(match), match.group("cred")
    for line in [*tail, *first.lines[:8]]:
        match = patterns.credentialed.search(line)
        if match and len(line) < 80:
            return _name(match), match.group("cred")
    return None, None


def _name(match: re.Match[str]) -> str:
    name = " ".join(match.group("name").split())
    return f"{name}, {match.group('cred')}"


_SPECIALTY_LABEL = re.compile(r"^(?:specialty|department|service)\s*:\s*(?P<value>.{3,60})$", re.I)


def _specialty(first: Page, last: Page, kind: DocumentKind, credential: str | None) -> str | None:
    vocab = vocabulary()
    for line in first.lines[:_DATE_ZONE]:
        match = _SPECIALTY_LABEL.match(line)
        if match:
            return vocab.specialty_in(match.group("value")) or match.group("value").strip()
    zone = " \n".join(
        line for line in [*first.lines[:6], *last.lines[-_SIGNATURE_ZONE:]] if len(line) < 80
    )
    found = vocab.specialty_in(zone)
    if found:
        return found
    if credential:
        implied = vocab.credential_specialty(credential)
        if implied:
            return implied
    return vocab.kind_specialties.get(kind)


def _record(pages: list[Page]) -> SplitRecord:
    first, last = pages[0], pages[-1]
    vocab = vocabulary()
    parts: list[str] = []
    segments: list[PageSegment] = []
    position = 0
    for page in pages:
        if not page.text:
            continue
        if parts:
            parts.append("\n")
            position += 1
        parts.append(page.text)
        segments.append(
            PageSegment(
                start=position,
                end=position + len(page.text),
                document=page.document,
                page=page.number,
                page_start=0,
            )
        )
        position += len(page.text)
    text = "".join(parts)
    kind = first.title_kind or vocab.cue_kind(text) or DocumentKind.OTHER
    when = first.dated or next((p.dated for p in pages if p.dated), None)
    if when is None:
        when = _first_plain_date(first)
    author, credential = _author(first, last)
    ocr = [p for p in pages if p.method == "ocr"]
    confidences = [p.confidence for p in ocr if p.confidence is not None]
    return SplitRecord(
        kind=kind,
        date=when,
        author=author,
        specialty=_specialty(first, last, kind, credential),
        title=first.title,
        document=first.document,
        pages=(first.number, last.number),
        text=text,
        page_map=tuple(segments),
        ocr_pages=tuple(p.number for p in ocr),
        ocr_confidence=min(confidences) if confidences else None,
    )


def _first_plain_date(page: Page) -> date | None:
    vocab = vocabulary()
    for line in page.lines[:_DATE_ZONE]:
        if vocab.not_date_label.search(line):
            continue
        dates = find_dates(line)
        if dates:
            return dates[0][2]
    return None


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest())


def _shingles(text: str) -> frozenset[int]:
    """Hashes of every run of four words (stable across processes, unlike ``hash``)."""
    words = _NORMAL.sub(" ", text.lower()).split()
    if len(words) < 4:
        return frozenset({_hash(" ".join(words))}) if words else frozenset()
    return frozenset(_hash(" ".join(words[i : i + 4])) for i in range(len(words) - 3))


def _overlap(a: frozenset[int], b: frozenset[int]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b)) if min(len(a), len(b)) else 0.0


def _similar(a: frozenset[int], b: frozenset[int], threshold: float) -> bool:
    if not a or not b or min(len(a), len(b)) < threshold * max(len(a), len(b)):
        return False
    return _overlap(a, b) >= threshold


@dataclass(slots=True)
class _Kept:
    index: int
    record: SplitRecord
    shingles: frozenset[int]
    duplicates: list[str] = field(default_factory=list)

    def finished(self) -> SplitRecord:
        """The record with the copies found so far listed."""
        if not self.duplicates:
            return self.record
        return self.record.model_copy(update={"duplicates": tuple(self.duplicates)})


_DIGITS = re.compile(r"\d+")


def _numbers(text: str) -> tuple[str, ...]:
    """The numbers of a page in order: copied-forward notes share words but not numbers."""
    return tuple(_DIGITS.findall(text.translate(_OCR_DIGITS)))


class _PageIndex:
    """Pages already kept, by length, to find a page sent twice without comparing all pairs.

    A page is the same as an earlier one when its words overlap and its numbers (dates,
    doses, measurements) are the same, in order: a note copied forward to a later visit has
    the words of the earlier note but not its numbers, and is kept.
    """

    def __init__(self) -> None:
        self._buckets: dict[int, list[tuple[frozenset[int], tuple[str, ...], str]]] = {}

    def find(self, shingles: frozenset[int], text: str) -> str | None:
        key = len(text) // 400
        numbers = _numbers(text)
        for bucket in (key - 1, key, key + 1):
            for other, other_numbers, where in self._buckets.get(bucket, ()):
                if other_numbers == numbers and _similar(shingles, other, _SAME_PAGE):
                    return where
        return None

    def add(self, shingles: frozenset[int], text: str, where: str) -> None:
        self._buckets.setdefault(len(text) // 400, []).append((shingles, _numbers(text), where))


class Deduplicator:
    """What has been kept so far in a batch, so that a report sent twice (in one document or
    in two) is kept once. Record indexes count records kept across the whole batch."""

    def __init__(self) -> None:
        self._kept: list[_Kept] = []
        self._pages = _PageIndex()

    def records(self) -> list[SplitRecord]:
        """Every record kept, in the order read, each listing where its copies were."""
        return [entry.finished() for entry in self._kept]

    def add(self, group: list[Page], duplicates: list[Duplicate]) -> _Kept | None:
        """The kept record for ``group`` (pages of one record), or None if it is a copy."""
        record = _record(group)
        shingles = _shingles(record.text)
        twin = next(
            (
                k
                for k in self._kept
                if k.record.kind == record.kind
                and k.record.date == record.date
                and _similar(shingles, k.shingles, _SAME_RECORD)
            ),
            None,
        )
        if twin is not None:
            twin.duplicates.append(f"{record.document} pages {record.pages[0]}-{record.pages[1]}")
            duplicates.append(
                Duplicate(
                    document=record.document,
                    pages=record.pages,
                    same_as=f"record {twin.index}",
                    what="record",
                )
            )
            return None
        unique: list[Page] = []
        for page in group:
            page_shingles = _shingles(page.text)
            enough = len(page_shingles) >= _MIN_PAGE_SHINGLES
            same = self._pages.find(page_shingles, page.text) if enough else None
            if same is not None and unique:
                duplicates.append(
                    Duplicate(
                        document=page.document,
                        pages=(page.number, page.number),
                        same_as=same,
                        what="page",
                    )
                )
                continue
            unique.append(page)
            if enough:
                self._pages.add(page_shingles, page.text, f"{page.document} page {page.number}")
        if len(unique) != len(group):
            record = _record(unique)
            shingles = _shingles(record.text)
        kept = _Kept(len(self._kept), record, shingles)
        self._kept.append(kept)
        return kept


def split_pages(
    pages: Iterable[Page], deduplicator: Deduplicator | None = None
) -> tuple[list[SplitRecord], list[Duplicate]]:
    """Records (in page order) from pages, duplicates set aside and listed.

    A record whose kind, date and words are those of an earlier one is the same report sent
    again: it is dropped and the kept record lists where the copy was. Within the kept
    records, a page that repeats an earlier page (a fax page sent twice) is dropped. Pass one
    ``deduplicator`` for every document of a case to find copies across documents; a copy of
    a record of an earlier document is then noted on that document's record object.
    """
    deduplicator = deduplicator or Deduplicator()
    duplicates: list[Duplicate] = []
    kept: list[_Kept] = []
    for group in _group(pages):
        if any(p.text for p in group) and (entry := deduplicator.add(group, duplicates)):
            kept.append(entry)
    return [entry.finished() for entry in kept], duplicates
