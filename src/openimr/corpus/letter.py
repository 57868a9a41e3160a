"""One published letter read back whole: what a search hit links to.

A hit is one item; a reader following it wants the letter it came from, with every item's
decision, citations and rationale, as the letter stated them.
"""

from __future__ import annotations

from sqlalchemy import select

from openimr.corpus.schemas import DecisionLetter, LetterItem
from openimr.corpus.search import reading
from openimr.store.corpus_models import CorpusItem, CorpusLetter
from openimr.store.db import Database

_ITEMS = CorpusItem.__table__
_LETTERS = CorpusLetter.__table__
_LETTER_FIELDS = [name for name in DecisionLetter.model_fields if name != "items"]
_ITEM_FIELDS = list(LetterItem.model_fields)


def decision_letter(database: Database, key: str) -> DecisionLetter | None:
    """The letter stored under ``key`` (its case number or ``sha256:...``), or ``None``."""
    with reading(database) as connection:
        letter = connection.execute(
            select(_LETTERS.c.id, *(_LETTERS.c[name] for name in _LETTER_FIELDS)).where(
                _LETTERS.c.key == key
            )
        ).first()
        if letter is None:
            return None
        items = connection.execute(
            select(*(_ITEMS.c[name] for name in _ITEM_FIELDS))
            .where(_ITEMS.c.letter_id == letter.id)
            .order_by(_ITEMS.c.position)
        ).all()
    data = dict(letter._mapping)
    data.pop("id")
    return DecisionLetter(
        **data, items=[LetterItem.model_validate(dict(row._mapping)) for row in items]
    )
