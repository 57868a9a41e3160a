"""The generator: every layout, read back by the parser as generated; the same seed, the
same letters."""

from __future__ import annotations

from collections import Counter

from openimr.corpus.synthetic import LAYOUTS, generate, letters
from openimr.letters.parse import parse_text


def test_every_layout_reads_back_as_generated() -> None:
    seen: Counter[str] = Counter()
    for letter in letters(120, seed=21):
        parsed = parse_text(letter.text)
        assert parsed.layout == letter.layout
        determination = parsed.determination
        assert determination.case_id == letter.case_number
        assert determination.decision_date == letter.decision_date
        assert [(" ".join(i.request.split()), i.decision, i.guideline.family)
                for i in determination.items] == [
            (i.request, i.decision, i.family) for i in letter.items
        ]  # fmt: skip
        seen[letter.layout] += 1
    assert set(seen) == set(LAYOUTS)


def test_letters_vary_and_repeat_by_seed() -> None:
    assert generate(5, 1).text == generate(5, 1).text
    assert generate(5, 1).text != generate(5, 2).text
    batch = list(letters(300, seed=3))
    assert len({letter.case_number for letter in batch}) == 300
    share = sum(i.decision.value == "overturned" for b in batch for i in b.items) / sum(
        len(b.items) for b in batch
    )
    assert 0.05 < share < 0.25
    assert len({i.request for b in batch for i in b.items}) > 100
