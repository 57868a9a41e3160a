"""A text's skeleton: the letters and digits alone, folded so that case, accents, spacing,
hyphenation and common OCR confusions do not hide an identifier from an exact search.

Each skeleton character keeps the span of the original characters it came from, so a match
in the skeleton is a span of the original text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Skeleton", "fold_char", "skeleton", "skeleton_of"]

#: OCR reads these as one another; each group folds to its first member.
_CONFUSABLE = {"0": "o", "1": "l", "i": "l", "|": "l", "5": "s", "8": "b"}
#: Letter pairs OCR fuses into one glyph (and splits back): folded on both sides alike.
_PAIRS = re.compile(r"rn|vv")
_PAIR_TO = {"rn": "m", "vv": "w"}
_KEPT = re.compile(r"[^\W_]|[|]")


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """One character lower-cased, stripped of accents and mapped to its OCR group ("" if none)."""
    lowered = ch.lower()
    base = unicodedata.normalize("NFKD", lowered)
    base = "".join(c for c in base if not unicodedata.combining(c))
    if not base:
        return ""
    first = {"ß": "s", "æ": "a", "œ": "o", "ø": "o", "đ": "d", "ł": "l", "ı": "l"}.get(
        base[0], base[0]
    )
    return _CONFUSABLE.get(first, first)


class _FoldTable(dict[int, str]):
    """``str.translate`` table that folds each character the first time it is seen."""

    def __missing__(self, code: int) -> str:
        folded = fold_char(chr(code))
        self[code] = folded
        return folded


_FOLD = _FoldTable()


@dataclass(frozen=True, slots=True)
class Skeleton:
    """Folded characters and, for each, the original ``[start, end)`` span."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Original span of skeleton characters ``first..last`` (inclusive)."""
        return self.starts[first], self.ends[last]


def skeleton(text: str, *, merge_pairs: bool = True) -> Skeleton:
    """The skeleton of ``text`` with the original span of every character.

    ``merge_pairs`` folds touching "rn" and "vv" into the glyph OCR reads them as."""
    kept = _KEPT.findall(text)
    joined = "".join(kept).translate(_FOLD)
    if len(joined) == len(kept):  # each character folds to one: positions are the matches'
        starts = [m.start() for m in _KEPT.finditer(text)]
        ends = [position + 1 for position in starts]
        chars = list(joined)
    else:  # a character that folds to nothing: the slow, exact way
        chars, starts, ends = [], [], []
        for match in _KEPT.finditer(text):
            folded = fold_char(match.group())
            if folded:
                chars.append(folded)
                starts.append(match.start())
                ends.append(match.start() + 1)
        joined = "".join(chars)
    if merge_pairs and ("rn" in joined or "vv" in joined):
        merged_chars: list[str] = []
        merged_starts: list[int] = []
        merged_ends: list[int] = []
        index = 0
        for pair in _PAIRS.finditer(joined):
            at = pair.start()
            if ends[at] != starts[at + 1]:  # one glyph only when the letters touch
                continue
            merged_chars.extend(chars[index:at])
            merged_starts.extend(starts[index:at])
            merged_ends.extend(ends[index:at])
            merged_chars.append(_PAIR_TO[pair.group()])
            merged_starts.append(starts[at])
            merged_ends.append(ends[at + 1])
            index = at + 2
        merged_chars.extend(chars[index:])
        merged_starts.extend(starts[index:])
        merged_ends.extend(ends[index:])
        chars, starts, ends = merged_chars, merged_starts, merged_ends
        joined = "".join(chars)
    return Skeleton(joined, tuple(starts), tuple(ends))


def skeleton_of(text: str, *, merge_pairs: bool = True) -> str:
    """The folded characters alone (for patterns)."""
    return skeleton(text, merge_pairs=merge_pairs).text
