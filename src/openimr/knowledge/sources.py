"""Guideline documents and MTUS editions, loaded from ``data/sources.yaml`` and ``editions.yaml``.

A topic cites a document by id; the edition in force on a date decides which documents may
be cited. Keeping names and dates here means no code repeats a guideline's title or dates.
"""

from __future__ import annotations

import itertools
from datetime import date
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from openimr.domain import GuidelineFamily
from openimr.errors import KnowledgeBaseError

DATA_DIR = Path(__file__).parent / "data"


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Chapter(_Data):
    number: int | None = None
    title: str
    letter_name: str
    pages: tuple[int, int] | None = None
    confidence: Literal["approximate"] | None = None

    def contains_page(self, page: int) -> bool:
        return self.pages is not None and self.pages[0] <= page <= self.pages[1]


class Document(_Data):
    """One guideline document (one edition of it)."""

    id: str
    family: GuidelineFamily
    title: str
    letter_name: str
    edition: str | None = None
    regulation: str | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    date_confidence: Literal["approximate"] | None = None
    pages: tuple[int, int] | None = None
    aliases: tuple[str, ...] = ()
    chapters: tuple[Chapter, ...] = ()

    def in_force(self, on: date) -> bool:
        if self.effective_from and on < self.effective_from:
            return False
        return not (self.effective_to and on > self.effective_to)

    def chapter(self, number: int) -> Chapter | None:
        return next((c for c in self.chapters if c.number == number), None)

    def chapter_for_page(self, page: int) -> Chapter | None:
        return next((c for c in self.chapters if c.contains_page(page)), None)


class Edition(_Data):
    """An MTUS edition: the set of documents in force between two dates."""

    id: str
    name: str
    effective_from: date
    effective_to: date | None = None
    date_confidence: Literal["approximate"] | None = None
    documents: tuple[str, ...] = Field(min_length=1)

    def in_force(self, on: date) -> bool:
        return on >= self.effective_from and (self.effective_to is None or on <= self.effective_to)


class SourceCatalog(_Data):
    documents: tuple[Document, ...]
    editions: tuple[Edition, ...]

    @model_validator(mode="after")
    def _consistent(self) -> SourceCatalog:
        ids = [d.id for d in self.documents]
        duplicates = {i for i in ids if ids.count(i) > 1}
        if duplicates:
            raise ValueError(f"document ids used twice: {sorted(duplicates)}")
        known = set(ids)
        for edition in self.editions:
            missing = [d for d in edition.documents if d not in known]
            if missing:
                raise ValueError(f"edition {edition.id} lists unknown documents {missing}")
        ordered = sorted(self.editions, key=lambda e: e.effective_from)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.effective_to is None or earlier.effective_to >= later.effective_from:
                raise ValueError(f"editions {earlier.id} and {later.id} overlap")
        return self

    def document(self, document_id: str) -> Document:
        for document in self.documents:
            if document.id == document_id:
                return document
        raise KnowledgeBaseError(f"unknown guideline document {document_id!r}")

    def edition_on(self, on: date) -> Edition | None:
        return next((e for e in self.editions if e.in_force(on)), None)

    def latest_edition(self) -> Edition:
        return max(self.editions, key=lambda e: e.effective_from)

    def edition(self, edition_id: str) -> Edition:
        for edition in self.editions:
            if edition.id == edition_id:
                return edition
        raise KnowledgeBaseError(f"unknown MTUS edition {edition_id!r}")


def _read_yaml(path: Path) -> object:
    import yaml

    try:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{path}: cannot read guideline data: {exc}") from None


@cache
def load_sources(data_dir: Path = DATA_DIR) -> SourceCatalog:
    """The catalog of guideline documents and MTUS editions (cached: data files are static)."""
    documents = _read_yaml(data_dir / "sources.yaml")
    editions = _read_yaml(data_dir / "editions.yaml")
    try:
        return SourceCatalog.model_validate(
            {
                "documents": (documents or {}).get("documents", []),  # type: ignore[union-attr]
                "editions": (editions or {}).get("editions", []),  # type: ignore[union-attr]
            }
        )
    except ValidationError as exc:
        raise KnowledgeBaseError(f"{data_dir}: invalid sources or editions: {exc}") from None
