"""One published letter read back whole, on both backends: every item in order, as generated."""

from __future__ import annotations

from tests.corpus.support import build

from openimr.corpus.letter import decision_letter
from openimr.corpus.schemas import CorpusQuery
from openimr.corpus.search import search
from openimr.store.db import Database


def test_a_hit_key_reads_its_whole_letter(database: Database) -> None:
    letters = build(database, 12)
    for hit in search(database, CorpusQuery(limit=500)).hits:
        letter = decision_letter(database, hit.key)
        assert letter is not None
        assert letter.case_number == hit.case_number
        assert letter.items[hit.position].request == hit.request
        assert letter.items[hit.position].rationale == hit.rationale
    for generated in letters:
        letter = decision_letter(database, generated.case_number)
        assert letter is not None
        assert [i.position for i in letter.items] == list(range(len(generated.items)))
        assert [(i.request, i.decision, i.family) for i in letter.items] == [
            (i.request, i.decision.value, i.family.value) for i in generated.items
        ]
        assert letter.decision_date == generated.decision_date
        assert letter.specialty
    assert decision_letter(database, "CM00-0000000") is None
