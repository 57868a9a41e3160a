"""Short forms of a given name made by a sound change, which no table lists and no shape finds.

People shorten a name and then change a sound in it: the first consonant takes a rhyming one
(Robert, Rob, Bob; William, Will, Bill; Margaret, Meg, Peg), a consonant its voiced or hissing
neighbour (Tigran, Tiko; Araceli, Chela), a vowel comes in or changes (Vladimir, Volodya), a
consonant comes before a name that starts with a vowel (Edward, Ed, Ted; Ellen, Nell). So a word
is compared with a name by its sound, not its spelling: both are written as a string of
consonants with every run of vowels as one ``a`` ("Peggy": ``pag``, "Margaret": ``margarat``),
and the word's stem (a diminutive ending taken off) must be a piece of the name (or of a form
the nickname table relates to it) after at most a change or two from the families below.

What is found this way is judged by the caller: only a capitalized word that no vocabulary
knows and that is not an ordinary English word is taken for a name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Generic, TypeVar

__all__ = ["SoundForms", "sound"]

_VOWELS = frozenset("aeiouy")
#: Spellings of one sound, longest first (``C`` ch, ``S`` sh).
_DIGRAPHS = (
    ("tch", "C"),
    ("sch", "S"),
    ("ch", "C"),
    ("sh", "S"),
    ("ph", "f"),
    ("ck", "k"),
    ("qu", "k"),
    ("th", "t"),
    ("gh", "g"),
    ("dj", "j"),
    ("zh", "j"),
    ("kh", "k"),
)
#: Consonants one is changed into in nicknames, anywhere in the word (voicing, hissing, liquids).
_FAMILIES = (
    "bp",
    "dt",
    "gk",
    "fv",
    "sz",
    "vwb",
    "lr",
    "mn",
    "kC",
    "CSsj",
    "jy",
    "jh",
    "gj",
    "fp",
)
#: What the first consonant becomes in a rhyming nickname (Rob: Bob, Dob, Hob; Will: Bill;
#: Meg: Peg; Moll: Poll; Rick: Dick, Hick; Ned from Ed).
_INITIAL = {"r": "bdh", "w": "b", "m": "p", "b": "p", "k": "t", "l": "n", "h": "n"}
#: Consonants put before a name that starts with a vowel (Ed: Ned, Ted; Ann: Nan; Ellen: Nell).
_PREFIXED = frozenset("nth")


def _family_of() -> dict[str, frozenset[str]]:
    out: dict[str, set[str]] = {}
    for family in _FAMILIES:
        for letter in family:
            out.setdefault(letter, set()).update(c for c in family if c != letter)
    return {k: frozenset(v) for k, v in out.items()}


_FAMILY = _family_of()
_INITIAL_FAMILY = {
    letter: frozenset(_FAMILY.get(letter, frozenset()) | set(_INITIAL.get(letter, "")))
    | frozenset(k for k, v in _INITIAL.items() if letter in v)
    for letter in set(_FAMILY) | set(_INITIAL) | {c for v in _INITIAL.values() for c in v}
}
_NOT_LETTER = re.compile(r"[^a-z]")
#: Changes allowed between a word's stem and a piece of a name.
_BUDGET = 2
T = TypeVar("T")


@lru_cache(maxsize=65536)
def sound(word: str) -> str:
    """``word`` as it sounds: lower case, no accents, one letter a sound, doubled letters once,
    each run of vowels one ``a``; an ``h`` that is not a digraph's is silent ("Johnny":
    ``jana``), and ``c`` is ``s`` before e, i, y and ``k`` elsewhere."""
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c)
    )
    text = _NOT_LETTER.sub("", folded)
    if not text:
        return ""
    for spelling, symbol in _DIGRAPHS:
        text = text.replace(spelling, symbol)
    out: list[str] = []
    for i, c in enumerate(text):
        if c == "c":
            c = "s" if i + 1 < len(text) and text[i + 1] in "eiy" else "k"
        elif c == "x":
            if i > 0 and (not out or out[-1] != "k"):
                out.append("k")  # "Alex": a k and an s
            c = "s"
        elif c == "h" and i > 0:
            continue
        elif c == "y" and i == 0 and len(text) > 1 and text[1] in _VOWELS:
            c = "y"  # a consonant before a vowel ("Yui", "Yekaterina")
        elif c in _VOWELS:
            c = "a"
        if out and out[-1] == c:
            continue
        out.append(c)
    return "".join(out)


class SoundForms(Generic[T]):
    """The pieces of some given names, by sound, each with what it stands for (the listed
    person), to test words against; the first name given wins where two share a piece."""

    def __init__(self, names: Iterable[tuple[str, T]], endings: Iterable[str]) -> None:
        self.endings = tuple(sorted({e for e in endings if e}, key=lambda e: (-len(e), e)))
        self._pieces: dict[str, T] = {}
        self._starts: dict[str, T] = {}
        self._ends: dict[str, T] = {}
        self._vowel_starts: dict[str, T] = {}
        #: the names' own stems, which a longer form may hold ("Sandy": Sandra)
        self._stems: dict[str, T] = {}
        #: names of two sounds ("Sue", "Jo"), which a longer name may begin with ("Susan")
        self._short_stems: dict[str, T] = {}
        self._longest = 0
        for name, tag in names:
            spoken = sound(name)
            if len(spoken) < 2:
                continue
            self._longest = max(self._longest, len(spoken))
            for stem, _ended in self._stems_of(name):
                table = self._stems if len(stem) >= 3 else self._short_stems
                if len(stem) >= 2:
                    table.setdefault(stem, tag)
            self._starts.setdefault(spoken[:2], tag)
            self._ends.setdefault(spoken[-2:], tag)
            if spoken[0] == "a":
                for size in range(2, len(spoken) + 1):
                    self._vowel_starts.setdefault(spoken[:size], tag)
            for piece in sorted(_pieces(spoken)):
                self._pieces.setdefault(piece, tag)
        self._skeletons = {piece.replace("a", "") for piece in self._pieces}
        self._skeleton_sizes = {len(skeleton) for skeleton in self._skeletons}

    def __bool__(self) -> bool:
        return bool(self._pieces)

    def _stems_of(self, word: str) -> list[tuple[str, bool]]:
        """``word`` by sound, whole and without each diminutive ending it has."""
        folded = _NOT_LETTER.sub(
            "",
            "".join(
                c
                for c in unicodedata.normalize("NFKD", word.lower())
                if not unicodedata.combining(c)
            ),
        )
        stems = [(sound(folded), False)]
        for ending in self.endings:
            if folded.endswith(ending) and len(folded) - len(ending) >= 2:
                stems.append((sound(folded[: -len(ending)]), True))
        return stems

    def derives(self, word: str, a_name: bool = False) -> T | None:
        """What ``word`` is a short form of, by the changes above, or a longer form holding
        ("Sandra" for a listed "Sandy", "Isabella" for "Bella"); ``None`` if nothing.
        ``a_name``: a name list holds ``word``, so that a form of two sounds counts too ("Joe"
        for Joseph, "Diah" for Obadiah)."""
        if len(word) < 2:
            return None
        whole = sound(word)
        if len(whole) > self._longest + 2:
            return None  # a nickname is not much longer than its name ("Ultrasonography")
        if a_name and whole[:2] in self._short_stems:
            return self._short_stems[whole[:2]]
        for size in range(3, len(whole) + 1):
            for start in range(0, len(whole) - size + 1):
                edge = start == 0 or (start + size == len(whole) and size >= 4)
                found = self._stems.get(whole[start : start + size])
                if found is not None and (edge or size >= 5):
                    return found
        for spoken, ended in self._stems_of(word):
            if len(spoken) == 2:
                if (ended or a_name) and spoken in self._starts:
                    return self._starts[spoken]  # a first syllable and an ending ("Ti-ko")
                if a_name and spoken in self._ends:
                    return self._ends[spoken]  # a name's last syllable
                continue
            if len(spoken) >= 3:
                # a stem of three sounds may change once: twice would make most short words
                # a form of some name
                found = self._reaches(spoken, _BUDGET if len(spoken) >= 4 else 1)
                if found is not None:
                    return found
        return None

    def _reaches(self, spoken: str, budget: int) -> T | None:
        if not (spoken[0] in _PREFIXED or self._consonants_reach(spoken, budget)):
            return None  # no piece has these consonants, even changed: no search needed
        frontier = {spoken}
        seen = set(frontier)
        for _ in range(budget + 1):
            for variant in sorted(frontier):
                if variant[0] == "^":  # a consonant put before the name's first vowel
                    found = self._vowel_starts.get(variant[1:])
                else:
                    found = self._pieces.get(variant)
                if found is not None:
                    return found
            following: set[str] = set()
            for variant in frontier:
                if variant[0] != "^":
                    following.update(_changes(variant))
            frontier = following - seen
            seen |= frontier
        return None

    def _consonants_reach(self, spoken: str, budget: int) -> bool:
        """Whether the consonants of ``spoken``, at most ``budget`` of them changed within
        their families, are those of a piece (vowels dropped or changed leave them alone)."""
        consonants = spoken.replace("a", "")
        if len(consonants) not in self._skeleton_sizes:
            return False  # a change keeps the number of consonants
        frontier = {consonants}
        seen = set(frontier)
        for _ in range(budget + 1):
            if not frontier.isdisjoint(self._skeletons):
                return True
            following: set[str] = set()
            for variant in frontier:
                for i, c in enumerate(variant):
                    first = i == 0 and spoken[0] != "a"
                    family = _INITIAL_FAMILY.get(c) if first else _FAMILY.get(c)
                    for other in family or ():
                        following.add(variant[:i] + other + variant[i + 1 :])
            frontier = following - seen
            seen |= frontier
        return False


def _changes(spoken: str) -> set[str]:
    """Every string one change away: a consonant to one of its family (the first to its
    rhyming ones too), a vowel put in dropped, a consonant put before a vowel dropped (marked
    ``^``: what is left must begin a name)."""
    out: set[str] = set()
    for i, c in enumerate(spoken):
        family = _INITIAL_FAMILY.get(c, frozenset()) if i == 0 else _FAMILY.get(c, frozenset())
        for other in family:
            out.add(spoken[:i] + other + spoken[i + 1 :])
        if c == "a" and 0 < i < len(spoken) - 1:
            out.add(spoken[:i] + spoken[i + 1 :])
    if len(spoken) >= 3 and spoken[0] in _PREFIXED and spoken[1] == "a":
        out.add("^" + spoken[1:])  # only ever compared with the start of a name
    return {o for o in out if "aa" not in o}


def letter_runs(text: str, dropped_ok: Callable[[str], bool] = lambda _: True) -> set[str]:
    """Every run of three or more of ``text``'s letters, and each such run with one letter
    inside it dropped where ``dropped_ok`` allows ("margarat": ``marg``, ``mag``)."""
    out: set[str] = set()
    for start in range(len(text)):
        for stop in range(start + 3, len(text) + 1):
            run = text[start:stop]
            out.add(run)
            for cut in range(1, len(run) - 1):
                dropped = run[:cut] + run[cut + 1 :]
                if len(dropped) >= 3 and dropped_ok(dropped):
                    out.add(dropped)
    return out


def _pieces(spoken: str) -> set[str]:
    """Runs of three or more sounds of a name, each also with one sound inside dropped, never
    leaving two vowels side by side."""
    return letter_runs(spoken, lambda dropped: "aa" not in dropped)
