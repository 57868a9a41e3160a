"""A published letter read into the rows the corpus stores (pure: no database).

This is the part of ingest that runs in worker processes: the file's bytes are hashed, read as
a letter (``letters.parse``), each item's request normalized to topic and body region
(``engine.normalize``) and the UR's citation audited (``engine.ur_citation``). The result is
plain data, cheap to send back to the one writer.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from openimr.domain import Determination, GuidelineFamily, ItemDetermination
from openimr.engine.normalize import NormalizedItem, normalize_request
from openimr.engine.ur_citation import audit_claims_administrator
from openimr.errors import LetterError
from openimr.facts.vocabulary import Vocabulary, load_vocabulary
from openimr.knowledge.citations import parse_citations
from openimr.knowledge.topics import KnowledgeBase, default_knowledge_base
from openimr.letters.extract import letter_text, read_letter_bytes
from openimr.letters.parse import ParsedLetter, parse_text

#: Column widths of the corpus tables (longer values are cut, never refused by the database).
_WIDTH = {
    "case_number": 40,
    "source_name": 255,
    "specialty": 120,
    "topic": 80,
    "region": 40,
    "document": 200,
    "chapter": 200,
    "section": 200,
    "pages": 60,
    "edition": 20,
}
_SPELLINGS = ((re.compile(r"\s*&\s*"), " and "), (re.compile(r"(?i)orthopaedic"), "Orthopedic"))


@dataclass(slots=True)
class LetterRecord:
    """One letter as rows: the letter's columns, one dict per item, and the file's hash."""

    key: str
    file_sha256: str
    letter: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)


def _cut(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    return value[: _WIDTH[name]]


def specialty_of(determination: Determination) -> str | None:
    """The reviewer's first certification, spelt one way ("&" as "and", "Orthopedic")."""
    reviewer = determination.reviewer
    if reviewer is None:
        return None
    first = (reviewer.certifications or [None])[0]
    if first is None and reviewer.specialty:
        first = reviewer.specialty.split(",")[0]
    if not first or not first.strip():
        return None
    value = first.strip()
    for pattern, replacement in _SPELLINGS:
        value = pattern.sub(replacement, value)
    return _cut("specialty", value)


class LetterReader:
    """Reads letters into records; holds the knowledge base, vocabulary and small caches."""

    def __init__(
        self, knowledge: KnowledgeBase | None = None, vocabulary: Vocabulary | None = None
    ) -> None:
        self.knowledge = knowledge or default_knowledge_base()
        self.vocabulary = vocabulary or load_vocabulary()
        # Published requests and UR citations repeat word for word across letters.
        self._normalize = lru_cache(maxsize=20_000)(self._normalize_uncached)
        self._ur_memo: dict[tuple[object, ...], tuple[str | None, tuple[str, ...]]] = {}
        self._signature = lru_cache(maxsize=20_000)(self._signature_uncached)

    def _signature_uncached(self, on: date | None) -> tuple[tuple[bool, bool], ...]:
        """What the audit of a UR citation reads from its date: for each document, whether
        the date is before it took effect and whether it is after it ended."""
        if on is None:
            return ()
        return tuple(
            (
                bool(d.effective_from and on < d.effective_from),
                bool(d.effective_to and on > d.effective_to),
            )
            for d in self.knowledge.sources.documents
        )

    def _ur(
        self, text: str | None, topic_id: str, ur_date: date | None
    ) -> tuple[str | None, tuple[str, ...]]:
        """The UR citation's family and audit codes; dates with the same documents in and out
        of force give the same codes, so the audit is cached by that, not by the day."""
        key = (text, topic_id, self._signature(ur_date))
        found = self._ur_memo.get(key)
        if found is None:
            found = self._ur_uncached(text, topic_id, ur_date)
            if len(self._ur_memo) < 50_000:
                self._ur_memo[key] = found
        return found

    def _normalize_uncached(self, request: str) -> NormalizedItem:
        return normalize_request(request, self.knowledge, self.vocabulary)

    def _ur_uncached(
        self, text: str | None, topic_id: str, ur_date: date | None
    ) -> tuple[str | None, tuple[str, ...]]:
        if text is None or not text.strip():
            return None, ()
        citations = parse_citations(text)
        family = citations[0].family.value if citations else GuidelineFamily.OTHER.value
        topic = self.knowledge.topic(topic_id) if topic_id in self.knowledge else None
        findings = audit_claims_administrator(text, topic, None, self.knowledge, ur_date)
        return family, tuple(f.code for f in findings)

    def read_path(self, path: Path) -> LetterRecord:
        """A letter file read into a record (raises :class:`LetterError`)."""
        data = read_letter_bytes(path)  # read once: hashed and parsed from the same bytes
        letter = letter_text(data, source=str(path))
        parsed = parse_text(letter.text, source=letter.source, kind=letter.kind)
        return self.record(parsed, hashlib.sha256(data).hexdigest(), path.name)

    def read_bytes(self, data: bytes, name: str) -> LetterRecord:
        """A letter given as bytes (a PDF or text) read into a record."""
        letter = letter_text(data, source=name)
        parsed = parse_text(letter.text, source=letter.source, kind=letter.kind)
        return self.record(parsed, hashlib.sha256(data).hexdigest(), name)

    def record(self, parsed: ParsedLetter, file_sha256: str, name: str) -> LetterRecord:
        """The rows of a parsed letter."""
        determination = parsed.determination
        dumped = determination.model_dump(mode="json")
        canonical = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
        record_sha256 = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        case_number = _cut("case_number", determination.case_id)
        key = case_number or f"sha256:{record_sha256}"
        decided = determination.decision_date
        received = determination.application_received
        turnaround = (decided - received).days if decided and received else None
        if turnaround is not None and turnaround < 0:
            turnaround = None  # a letter's dates in the wrong order say nothing of its time
        specialty = specialty_of(determination)
        reviewer = determination.reviewer
        letter = {
            "key": key,
            "case_number": case_number,
            "record_sha256": record_sha256,
            "source_name": _cut("source_name", name),
            "source_kind": parsed.kind,
            "layout": parsed.layout,
            "priority": determination.priority,
            "date_of_injury": determination.date_of_injury,
            "ur_decision_date": determination.ur_decision_date,
            "application_received": received,
            "date_assigned": determination.date_assigned,
            "decision_date": decided,
            "turnaround_days": turnaround,
            "specialty": specialty,
            "certifications": list(reviewer.certifications) if reviewer else [],
            "licensure": list(reviewer.licensure) if reviewer else [],
            "summary": determination.clinical_case_summary,
            "item_count": len(determination.items),
        }
        common = {
            "year": decided.year if decided else None,
            "decision_date": decided,
            "specialty": specialty,
        }
        items = [
            self._item(position, item, determination.ur_decision_date, common, dumped_item)
            for position, (item, dumped_item) in enumerate(
                zip(determination.items, dumped["items"], strict=True)
            )
        ]
        return LetterRecord(key, file_sha256, letter, items)

    def _item(
        self,
        position: int,
        item: ItemDetermination,
        ur_date: date | None,
        common: dict[str, Any],
        dumped: dict[str, Any],
    ) -> dict[str, Any]:
        """An item's row; ``dumped`` is the item as dumped for the record's hash, whose
        citations are the ones stored (dumped once, not twice)."""
        normalized = self._normalize(item.request)
        request = normalized.request
        topic_id = request.topic
        ur_family, ur_audit = self._ur(item.claims_administrator_guideline, topic_id, ur_date)
        guideline = item.guideline
        return {
            "position": position,
            "request": item.request,
            "reviewed_text": request.reviewed_text,
            "topic": _cut("topic", topic_id),
            "region": _cut("region", request.body_regions[0] if request.body_regions else None),
            "regions": list(request.body_regions),
            "decision": item.decision.value,
            "family": guideline.family.value,
            "document": _cut("document", guideline.title),
            "chapter": _cut("chapter", guideline.chapter),
            "section": _cut("section", guideline.sections[0] if guideline.sections else None),
            "pages": _cut("pages", guideline.pages),
            "edition": _cut("edition", guideline.edition),
            "citations": [dumped["guideline"], *dumped["additional_guidelines"]],
            "ur_guideline": item.claims_administrator_guideline,
            "ur_family": ur_family,
            "ur_audit": list(ur_audit),
            "rationale": item.rationale,
            **common,
        }


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (the key that lets a re-run skip it unread)."""
    try:
        return _file_sha256(path)
    except OSError as exc:
        raise LetterError(
            f"cannot read the file ({exc.strerror or exc})", source=str(path)
        ) from None
