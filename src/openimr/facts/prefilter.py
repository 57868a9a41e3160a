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


def required_literals(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Lower-case strings one of which every match contains, or None when none can be named."""
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
