"""Literal prefilters: find where a pattern could match before running it.

Scanning thirty pages of records with a hundred regular expressions is the slowest part of
reading facts. Every match of a pattern must contain one of a few literal strings (for
``(?:decreased|diminished) sensation`` the word "sensation"); those strings are found with
``str.find``, which is fast, and the pattern runs only on the sentences that contain them.
The literals are derived from the compiled pattern itself, so the data files stay plain
regular expressions.
"""

from __future__ import annotations

import re
from typing import Any

try:  # Python 3.11+
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - older Pythons
    import sre_constants  # type: ignore[no-redef]
    import sre_parse  # type: ignore[no-redef]

_LITERAL = sre_constants.LITERAL
_SUBPATTERN = sre_constants.SUBPATTERN
_BRANCH = sre_constants.BRANCH
_REPEATS = (
    sre_constants.MAX_REPEAT,
    sre_constants.MIN_REPEAT,
    getattr(sre_constants, "POSSESSIVE_REPEAT", None),
)
_IN = sre_constants.IN
_ZERO_WIDTH = {sre_constants.AT, sre_constants.ASSERT, sre_constants.ASSERT_NOT}
MIN_LITERAL = 2


def _score(literals: frozenset[str]) -> tuple[int, int]:
    """Prefer sets whose shortest literal is long and that have few members."""
    return (min(len(s) for s in literals), -len(literals))


def _sequence(items: Any) -> frozenset[str] | None:
    candidates: list[frozenset[str]] = []
    run = ""

    def flush() -> None:
        nonlocal run
        if len(run) >= MIN_LITERAL:
            candidates.append(frozenset({run}))
        run = ""

    for op, arg in items:
        if op is _LITERAL:
            run += chr(arg).lower()
            continue
        if op in _ZERO_WIDTH:
            continue
        flush()
        if op is _SUBPATTERN:
            found = _sequence(arg[-1])
            if found:
                candidates.append(found)
        elif op is _BRANCH:
            branches = [_sequence(branch) for branch in arg[1]]
            if branches and all(branches):
                candidates.append(frozenset().union(*branches))  # type: ignore[arg-type]
        elif op in _REPEATS and op is not None:
            low, _high, sub = arg
            if low >= 1:
                found = _sequence(sub)
                if found:
                    candidates.append(found)
        elif op is _IN:
            continue
    flush()
    if not candidates:
        return None
    return max(candidates, key=_score)


#: The alternatives a pattern was built from, by pattern source: literals are read from each
#: alternative apart, before the regular-expression compiler factors out common prefixes.
_ALTERNATIVES: dict[str, tuple[str, ...]] = {}


def register_alternatives(pattern: re.Pattern[str], alternatives: list[str]) -> None:
    _ALTERNATIVES[pattern.pattern] = tuple(alternatives)


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings one of which every match contains, or None when none can be named."""
    alternatives = _ALTERNATIVES.get(pattern.pattern)
    if alternatives:
        union: set[str] = set()
        for alternative in alternatives:
            found = required_literals(re.compile(alternative, pattern.flags))
            if not found:
                return None
            union |= found
        return frozenset(union)
    try:
        parsed = sre_parse.parse(pattern.pattern, pattern.flags & ~re.UNICODE)
    except (re.error, TypeError, ValueError):  # pragma: no cover - compiled patterns parse
        return None
    return _sequence(parsed)


class LiteralIndex:
    """All required literals of a set of patterns in one Aho-Corasick automaton.

    One pass over a record finds every literal of every pattern; each pattern then runs only
    on the sentences holding one of its literals. Patterns without usable literals run on the
    whole text.
    """

    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        self._literals: dict[int, frozenset[str] | None] = {}
        words: set[str] = set()
        for pattern in patterns:
            literals = required_literals(pattern)
            self._literals[id(pattern)] = literals
            if literals:
                words |= literals
        for word in sorted(words):
            self._automaton.add_word(word, word)
        if words:
            self._automaton.make_automaton()
        self._empty = not words
        self._patterns = patterns  # keep them alive so their ids stay valid

    def literals(self, pattern: re.Pattern[str]) -> frozenset[str] | None:
        key = id(pattern)
        if key not in self._literals:
            self._literals[key] = required_literals(pattern)
        return self._literals[key]

    def sentences_by_literal(self, lowered: str, starts: list[int]) -> dict[str, set[int]]:
        """For each literal found in the text, the indexes of the sentences that hold it."""
        import bisect

        found: dict[str, set[int]] = {}
        if self._empty or not starts:
            return found
        for end, word in self._automaton.iter(lowered):
            position = end - len(word) + 1
            index = max(bisect.bisect_right(starts, position) - 1, 0)
            found.setdefault(word, set()).add(index)
        return found


class DrugNameIndex:
    """Drug names (brand, generic, other) found as whole words in one Aho-Corasick pass.

    Faster than a regular expression with hundreds of alternatives; a name written with a
    hyphen or several spaces where the list has one space ("anaprox-ds") is also found.
    """

    def __init__(self, vocabulary: Any) -> None:
        import ahocorasick

        self._automaton = ahocorasick.Automaton()
        for name, entry in vocabulary.drug_by_name.items():
            self._automaton.add_word(name, (name, entry))
        self._automaton.make_automaton()
        self._spacing = re.compile(r"(?<=\w)[ \t]*-[ \t]*(?=\w)|[ \t]{2,}")

    def find(self, lowered: str) -> list[tuple[int, int, Any]]:
        """(start, end, drug entry) of every whole-word drug name, longest match first."""
        text, positions = self._normalize(lowered)
        found: dict[int, tuple[int, Any]] = {}
        for end, (name, entry) in self._automaton.iter(text):
            start = end - len(name) + 1
            before = text[start - 1] if start > 0 else " "
            after = text[end + 1] if end + 1 < len(text) else " "
            if before.isalnum() or after.isalnum() or before in "_-" or after in "_":
                continue
            if start not in found or found[start][0] < end:
                found[start] = (end, entry)
        out: list[tuple[int, int, Any]] = []
        last_end = -1
        for start in sorted(found):
            end, entry = found[start]
            if start <= last_end:
                continue
            out.append((positions[start], positions[end] + 1, entry))
            last_end = end
        return out

    def _normalize(self, lowered: str) -> tuple[str, list[int]]:
        """Hyphens between words and runs of spaces become one space; keep original offsets."""
        if "-" not in lowered and "  " not in lowered and "\t" not in lowered:
            return lowered, list(range(len(lowered)))
        pieces: list[str] = []
        positions: list[int] = []
        cursor = 0
        for match in self._spacing.finditer(lowered):
            pieces.append(lowered[cursor : match.start()])
            positions.extend(range(cursor, match.start()))
            pieces.append(" ")
            positions.append(match.start())
            cursor = match.end()
        pieces.append(lowered[cursor:])
        positions.extend(range(cursor, len(lowered)))
        return "".join(pieces), positions
