"""The words that tell a record's kind, date, author and specialty, compiled from data.

Kept in ``records/data/documents.yaml`` so that a new report title or credential is a data
change; this module only compiles the patterns once and checks the file's shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from openimr.errors import KnowledgeBaseError
from openimr.records.model import DocumentKind

__all__ = ["DocumentVocabulary", "find_dates", "vocabulary"]

DATA = Path(__file__).parent / "data" / "documents.yaml"

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8,
    "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_DATE = re.compile(
    r"(?<![\d/.-])(?P<m>\d{1,2})[/.-](?P<d>\d{1,2})[/.-](?P<y>(?:19|20)\d{2}|\d{2})(?![\d/-])"
    r"|\b(?P<iy>(?:19|20)\d{2})-(?P<im>\d{2})-(?P<id>\d{2})\b"
    r"|\b(?P<wm>jan|feb|mar|apr|may|jun|jul|aug|sept?|oct|nov|dec)[a-z]*\.?\s+(?P<wd>\d{1,2})"
    r"(?:st|nd|rd|th)?,?\s+(?P<wy>(?:19|20)\d{2})\b",
    re.IGNORECASE,
)


def find_dates(text: str) -> list[tuple[int, int, date]]:
    """Every calendar date written in ``text`` (US order), with its start and end offsets."""
    found: list[tuple[int, int, date]] = []
    for match in _DATE.finditer(text):
        try:
            if match.group("m"):
                year = int(match.group("y"))
                if year < 100:
                    year += 2000 if year < 70 else 1900
                value = date(year, int(match.group("m")), int(match.group("d")))
            elif match.group("iy"):
                value = date(int(match.group("iy")), int(match.group("im")), int(match.group("id")))
            else:
                month = _MONTHS[match.group("wm").lower()[:3]]
                value = date(int(match.group("wy")), month, int(match.group("wd")))
        except ValueError:
            continue
        found.append((match.start(), match.end(), value))
    return found


@dataclass(frozen=True)
class KindPatterns:
    kind: DocumentKind
    title: re.Pattern[str]
    cues: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class DocumentVocabulary:
    kinds: tuple[KindPatterns, ...]
    date_labels: tuple[re.Pattern[str], ...]
    not_date_label: re.Pattern[str]
    credentials: tuple[tuple[re.Pattern[str], str | None], ...]
    credential_pattern: str
    specialties: tuple[tuple[str, re.Pattern[str]], ...]
    kind_specialties: dict[DocumentKind, str]

    def title_kind(self, line: str) -> DocumentKind | None:
        """The kind a title line names, if it is a title."""
        for entry in self.kinds:
            if entry.title.search(line):
                return entry.kind
        return None

    def cue_kind(self, text: str) -> DocumentKind | None:
        """The kind a record's body points to when it has no recognizable title."""
        best: tuple[int, int] = (0, 0)
        chosen: DocumentKind | None = None
        for order, entry in enumerate(self.kinds):
            hits = sum(1 for cue in entry.cues if cue.search(text))
            if hits >= 2 and (hits, -order) > best:
                best, chosen = (hits, -order), entry.kind
        return chosen

    def specialty_in(self, text: str) -> str | None:
        for name, pattern in self.specialties:
            if pattern.search(text):
                return name
        return None

    def credential_specialty(self, credential: str) -> str | None:
        for pattern, specialty in self.credentials:
            if pattern.fullmatch(credential):
                return specialty
        return None


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise KnowledgeBaseError(f"{DATA.name}: {where}: bad pattern ({exc})") from None


@cache
def vocabulary() -> DocumentVocabulary:
    """The compiled vocabulary (loaded once per process)."""
    data: dict[str, Any] = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    kinds = []
    for name, entry in data["kinds"].items():
        try:
            kind = DocumentKind(name)
        except ValueError:
            raise KnowledgeBaseError(f"{DATA.name}: kinds: unknown kind {name!r}") from None
        titles = "|".join(f"(?:{t})" for t in entry["titles"])
        kinds.append(
            KindPatterns(
                kind,
                _compile(titles, f"kinds.{name}.titles"),
                tuple(_compile(c, f"kinds.{name}.cues") for c in entry.get("cues", [])),
            )
        )
    credentials = tuple(
        (re.compile(pattern), specialty) for pattern, specialty in data["credentials"].items()
    )
    credential_pattern = "|".join(f"(?:{p})" for p in data["credentials"])
    return DocumentVocabulary(
        kinds=tuple(kinds),
        date_labels=tuple(
            _compile(rf"\b(?:{label})\b", "date_labels") for label in data["date_labels"]
        ),
        not_date_label=_compile("|".join(data["not_date_labels"]), "not_date_labels"),
        credentials=credentials,
        credential_pattern=credential_pattern,
        specialties=tuple(
            (name, _compile(pattern, f"specialties.{name}"))
            for name, pattern in data["specialties"].items()
        ),
        kind_specialties={
            DocumentKind(kind): name for kind, name in data.get("kind_specialties", {}).items()
        },
    )
