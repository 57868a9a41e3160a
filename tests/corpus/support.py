"""Helpers of the corpus tests: a corpus built from generated letters, a table dump."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import text

from openimr.corpus.ingest import ingest_records
from openimr.corpus.read import LetterReader, LetterRecord
from openimr.corpus.synthetic import SyntheticLetter, letters
from openimr.store.db import Database


@lru_cache(maxsize=1)
def reader() -> LetterReader:
    return LetterReader()


@lru_cache(maxsize=4)
def generated(count: int, seed: int = 7) -> tuple[SyntheticLetter, ...]:
    return tuple(letters(count, seed))


def records(count: int, seed: int = 7) -> list[tuple[str, LetterRecord]]:
    return [
        (f"{letter.case_number}.txt", reader().read_bytes(letter.text.encode(), letter.case_number))
        for letter in generated(count, seed)
    ]


def build(database: Database, count: int, seed: int = 7) -> tuple[SyntheticLetter, ...]:
    """Store ``count`` generated letters; returns them."""
    summary = ingest_records(database, records(count, seed))
    assert summary.stored == count, summary
    return generated(count, seed)


def dump(database: Database) -> dict[str, list[Any]]:
    """Every row of the corpus tables (without the time of ingest), in key order."""
    with database.engine.connect() as connection:
        return {
            "letters": [
                tuple(r)
                for r in connection.execute(
                    text(
                        "SELECT id, key, record_sha256, source_name, item_count "
                        "FROM corpus_letters ORDER BY id"
                    )
                )
            ],
            "items": [
                tuple(r)
                for r in connection.execute(
                    text(
                        "SELECT id, letter_id, position, request, topic, decision, family "
                        "FROM corpus_items ORDER BY id"
                    )
                )
            ],
            "sources": [
                tuple(r)
                for r in connection.execute(
                    text("SELECT sha256, letter_id FROM corpus_sources ORDER BY sha256")
                )
            ],
        }
