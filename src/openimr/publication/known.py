"""Finding the listed identities in a text, in any case, spacing or OCR-broken form.

All forms of all identities go into one Aho-Corasick automaton over skeletons; a hit counts
when it starts and ends on word boundaries of the original text. Forms that are also ordinary
or clinical words ("Will", "Phalen") count only where they read as a name: capitalized and
not at the start of a sentence, next to another part of the same name, or after a title; an
eponym followed by "sign", "test" and the like is clinical and stays.

A short form of a listed given name that no table lists is found by its shape: a capitalized
word no vocabulary knows, made of a piece of the given name (a run of three or more of its
letters, one letter inside it may be dropped: "Beto" in "Alberto") and a diminutive ending or
none ("Venky", "Kolya", "Lupita"), or one a sound change makes of the name or of a form the
nickname table relates to it ("Peggy" for Margaret, "Volodya" for Vladimir; see
:mod:`openimr.publication.sounds`) when it is not an ordinary English word either.

A capitalized word no vocabulary knows written just before a listed person's name, or after it
and a comma ("Chucho Hernández", "Hernández, Chucho"), is that person's given name or nickname,
and is removed wherever the letter writes it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from openimr.publication.identities import GivenName, Identities, Role, Variant, VariantKind
from openimr.publication.skeleton import skeleton
from openimr.publication.sounds import SoundForms, letter_runs
from openimr.publication.vocabulary import PublicationVocabulary, load_publication_vocabulary

__all__ = ["Hit", "KnownMatcher"]

_WORD = re.compile(r"[^\W_]+")
#: A short form as a word: whole, split at a line end ("L-\niu"), or spaced out ("L i u").
_CONTIGUOUS = re.compile(
    r"[^\W_]+(?:['’][^\W_]+)?|[^\W_]+-\s*[^\W_]+|[A-Z](?: [a-z]){1,2}|[A-Z](?: [A-Z]){1,2}"
)
#: A date as written: a month's name, or numbers split by two separators.
_DATE_SHAPE = re.compile(r"[A-Za-z]|\d\s*[/\-.\s]\s*\d+\s*[/\-.\s]\s*\d")
_DOTTED = re.compile(r"[A-Z](?:\.\s?[A-Z]){1,3}\.?")
_INITIALS = re.compile(r"[A-Z](?:\.\s?[A-Z]){1,3}\.?|[A-Z]{2,4}")
_NAME_GAP = re.compile(r"[\s,.'’\-]{0,4}")
_SENTENCE_END = re.compile(r"(?:^|[.!?:;\n]\s*|\n)$")
#: A capitalized word (or one in capitals), without a possessive "'s".
_CAPITALIZED = re.compile(r"(?<![\w'’\-])[^\W\d_][^\W\d_]{2,}(?=(?:['’]s)?(?![\w\-]))")
#: A word just before a name (spaces between), and just after one and a comma.
_WORD_BEFORE = re.compile(r"(?<![\w'’\-.])([^\W\d_]{2,})[ \t]+$")
_WORD_AFTER = re.compile(r"^,[ \t]*([^\W\d_]{2,})(?=(?:['’]s)?(?![\w\-]))")
_TWO_LETTERS = re.compile(r"(?<![\w'’\-.])[A-Z][a-z](?![\w\-'’])")
_CALENDAR = frozenset(
    word
    for name in [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    for word in (name, name[:3])
) | {"sept", "tues", "thur", "thurs", "weds"}
#: A word written as a name: a capital, then small letters.
_AS_NAME = re.compile(r"[^\W\d_][^\W\d_A-Z]+")
#: Roles of people (a word beside an organization's name is not a given name).
_PEOPLE = frozenset({Role.CLAIMANT, Role.PROVIDER, Role.UR_PHYSICIAN, Role.REVIEWER, Role.PERSON})


@dataclass(frozen=True, slots=True)
class Hit:
    """A span of the original text that is a listed identity."""

    start: int
    end: int
    role: Role
    identity: int


class KnownMatcher:
    """The listed identities of one case, compiled for search."""

    def __init__(self, identities: Identities, vocabulary: PublicationVocabulary | None = None):
        import ahocorasick

        self.vocabulary = vocabulary or load_publication_vocabulary()
        #: every piece of every listed given name -> the first name it is a piece of
        self._pieces: dict[str, GivenName] = {}
        for given in identities.given_names:
            for piece in _pieces(given.folded):
                self._pieces.setdefault(piece, given)
        self._given_names = identities.given_names
        self._first_two = {g.folded[:2]: g for g in reversed(identities.given_names)}
        #: every listed given name with the forms the table relates to it, by sound
        self._sounds: SoundForms[GivenName] = SoundForms(
            [
                (form, given)
                for given in identities.given_names
                for form in [given.folded, *sorted(self.vocabulary.short_forms(given.folded))]
            ],
            self.vocabulary.diminutive_endings,
        )
        self._automaton: Any = None
        by_skeleton: dict[str, list[Variant]] = {}
        for variant in identities.variants:
            by_skeleton.setdefault(variant.skeleton, []).append(variant)
        if by_skeleton:
            automaton = ahocorasick.Automaton()
            for skel, variants in by_skeleton.items():
                automaton.add_word(skel, (len(skel), tuple(variants)))
            automaton.make_automaton()
            self._automaton = automaton
        v = self.vocabulary
        self._person_after = re.compile(
            rf"^(?:['’]s)?[ \t]+(?i:{_alternatives(v.person_verbs)})\b"
            rf"|^['’]s[ \t]+(?!(?i:{_alternatives(v.eponym_nouns)})\b)[a-z]"
        )
        self._person_verb_after = re.compile(
            rf"^(?:['’]s)?[ \t]+(?i:{_alternatives(v.person_verbs)})\b"
        )
        self._person_before = re.compile(
            rf"\b(?i:{_alternatives(v.person_object_verbs)})[ \t]+$"
            rf"|\b(?i:{_alternatives(v.person_documents)})[ \t]+of[ \t]+$"
        )
        title_words = "|".join(sorted(self.vocabulary.titles, key=len, reverse=True))
        self._title_before = re.compile(rf"(?i)\b(?:{title_words})\.?\s*$")
        self._eponym_after = re.compile(
            r"^(?:['’]s)?\s*(?:"
            + "|".join(sorted(self.vocabulary.eponym_nouns, key=len, reverse=True))
            + r")\b",
            re.IGNORECASE,
        )

    def find(self, text: str, *, guesses: bool = True) -> list[Hit]:
        """Every listed identity in ``text``, as spans of the original text. ``guesses=False``
        leaves out the forms found by a sound change or beside a name (the check of a finished
        letter, whose own wording nobody redacts, looks only for forms of what was listed)."""
        if self._automaton is None or not text:
            return []
        found = self._find_forms(text)
        found += self._find_short_forms(text, found, guesses)
        if guesses:
            found += self._beside(text, found)
        return sorted(set(found), key=lambda h: (h.start, -h.end, h.role.value))

    def _beside(self, text: str, found: list[Hit]) -> list[Hit]:
        """Capitalized words no vocabulary knows just before a listed person's name or after
        it and a comma, and every other place the letter writes them."""
        taken = [(h.start, h.end) for h in found]
        names: dict[str, Hit] = {}
        for hit in found:
            if hit.role not in _PEOPLE:
                continue
            before = _WORD_BEFORE.search(text, max(0, hit.start - 40), hit.start)
            after = _WORD_AFTER.match(text[hit.end : hit.end + 40])
            for match, offset in ((before, 0), (after, hit.end)):
                if match is None:
                    continue
                start, end = match.start(1) + offset, match.end(1) + offset
                word = match.group(1)
                if any(s < end and start < e for s, e in taken) or not self._a_new_name(word):
                    continue
                names.setdefault(word, hit)
        if not names:
            return []
        hits = []
        for match in _CAPITALIZED.finditer(text):
            hit = names.get(match.group())
            if hit is not None:
                hits.append(Hit(match.start(), match.end(), hit.role, hit.identity))
        return hits

    def _a_new_name(self, word: str) -> bool:
        """A capitalized word that no vocabulary knows and that is not an ordinary English
        word, unless a name list holds it."""
        if not (word[0].isupper() and (word[1:].islower() or word.isupper())):
            return False
        key = _fold(word)
        if len(key) < 2 or self._known(key):
            return False
        return not self._ordinary(key) or self.vocabulary.a_name(key)

    def _ordinary(self, key: str) -> bool:
        """An English stop word, or an ordinary English word or a form of one: taken for a
        form of a name only where a person stands."""
        from spacy.lang.en.stop_words import STOP_WORDS

        return key in STOP_WORDS or self.vocabulary.ordinary(key)

    def _find_short_forms(self, text: str, found: list[Hit], guesses: bool = True) -> list[Hit]:
        """Capitalized words no vocabulary knows that are short forms of a listed given name,
        by their shape or by a sound change."""
        if not self._pieces and not self._sounds:
            return []
        taken = {(h.start, h.end) for h in found}
        hits: list[Hit] = []
        derived: dict[str, GivenName | None] = {}
        for match in _CAPITALIZED.finditer(text):
            word = match.group()
            if (match.start(), match.end()) in taken:
                continue
            if not (word[0].isupper() and (word[1:].islower() or word.isupper())):
                continue
            key = _fold(word)
            if len(key) < 3 or self._never_a_name(key):
                continue
            known = self._known(key)
            given = None if known else self._short_form_of(key)
            if given is None and guesses and _AS_NAME.fullmatch(word):
                # a guess by sound is made only of a word written as a name ("MARS" is not)
                if key not in derived:
                    derived[key] = self._sound_form_of(key)
                given = derived[key]
                ordinary = known or (self._ordinary(key) and not self.vocabulary.a_name(key))
                if given is not None and ordinary and not self._person_at(text, match):
                    given = None  # "Rich", "Max": a word, unless a person stands there
            if given is not None:
                hits.append(Hit(match.start(), match.end(), given.role, given.identity))
        if guesses:
            hits += self._first_letters(text, taken)
        return hits

    def _sound_form_of(self, key: str) -> GivenName | None:
        """The listed given name ``key`` is a form of by a sound change; or, when a name list
        holds ``key``, the one that is a form of ``key`` ("Richard" for a listed "Dick")."""
        a_name = self.vocabulary.a_name(key)
        if len(key) > 7 and not a_name:
            return None  # long unknown words are drugs and jargon ("Ketophene") more than names
        given = self._sounds.derives(key, a_name)
        given_name = key in self.vocabulary.nicknames or key in self.vocabulary.nickname_of
        if given is not None or not given_name or len(key) < 4:
            return given
        longer: SoundForms[bool] = SoundForms([(key, True)], self.vocabulary.diminutive_endings)
        for listed in self._given_names:
            if len(listed.folded) < len(key) and longer.derives(listed.folded, True):
                return listed
        return None

    def _never_a_name(self, key: str) -> bool:
        """Words that say who someone is, never their name ("Patient", "Dr"), stop words, and
        the months and days ("seen March 20"), which a sound change or a context never makes
        a name of."""
        from spacy.lang.en.stop_words import STOP_WORDS

        v = self.vocabulary
        return (
            key in v.role_words
            or key in v.titles
            or key in v.credentials
            or key in STOP_WORDS
            or key in _CALENDAR
        )

    def _person_at(self, text: str, match: re.Match[str]) -> bool:
        """A word written as a name before what only a person does or after what is done to a
        person (not before a possessive: "Neer's are positive" is an eponym's)."""
        if _AS_NAME.fullmatch(match.group()) is None:
            return False
        hit = Hit(match.start(), match.end(), Role.PERSON, -1)
        return self._person_here(text, hit, possessive=False)

    def _first_letters(self, text: str, taken: set[tuple[int, int]]) -> list[Hit]:
        """A word of two letters written as a name ("Al", "Ed") that a name list holds and
        that begins a listed given name."""
        hits = []
        for match in _TWO_LETTERS.finditer(text):
            key = _fold(match.group())
            if (match.start(), match.end()) in taken or key not in self._first_two:
                continue
            if self._never_a_name(key) or not self.vocabulary.a_name(key):
                continue
            # a particle ("Al", "Di") is a piece of names, whatever guideline text writes it
            known = self._known(key) and key not in self.vocabulary.particles
            if (known or self._ordinary(key)) and not self._person_at(text, match):
                continue
            given = self._first_two[key]
            hits.append(Hit(match.start(), match.end(), given.role, given.identity))
        return hits

    def _known(self, key: str) -> bool:
        """A word some vocabulary knows, hence not read as a short form of a name."""
        v = self.vocabulary
        return (
            key in v.known_words
            or key in v.common_words
            or key in v.sentence_words
            or key in v.titles
            or key in v.credentials
            or key in v.role_words
            or key in v.particles
            or v.clinical(key)
            or v.eponym(key)
        )

    def _short_form_of(self, word: str) -> GivenName | None:
        """The listed given name ``word`` is a piece of (three letters or more, one letter
        inside the piece may be dropped) with a diminutive ending or none."""
        given = self._pieces.get(word)
        if given is not None:
            return given
        for ending in self.vocabulary.diminutive_endings:
            if word.endswith(ending) and len(word) - len(ending) >= 3:
                given = self._pieces.get(word[: -len(ending)])
                if given is not None:
                    return given
        return None

    def _find_forms(self, text: str) -> list[Hit]:
        skel = skeleton(text)
        strong: list[Hit] = []
        weak: list[tuple[Hit, Variant]] = []
        for end, (length, variants) in self._automaton.iter(skel.text):
            start, stop = skel.span(end - length + 1, end)
            if start > 0 and text[start - 1].isalnum():
                continue
            if stop < len(text) and text[stop].isalnum():
                continue
            surface = text[start:stop]
            for variant in variants:
                if not self._shape_fits(variant, surface):
                    continue
                hit = Hit(start, stop, variant.role, variant.identity)
                if variant.kind is VariantKind.INITIALS:
                    strong.append(hit)  # the shape is the test ("C.T." for a name, not "CT")
                elif variant.weak:
                    weak.append((hit, variant))
                else:
                    strong.append(hit)
        accepted = list(strong)
        for hit, variant in weak:
            if self._weak_counts(text, hit, variant, strong):
                accepted.append(hit)
        return accepted

    @staticmethod
    def _shape_fits(variant: Variant, surface: str) -> bool:
        if variant.kind is VariantKind.SHORT:
            return _CONTIGUOUS.fullmatch(surface) is not None
        if variant.kind is VariantKind.INITIALS:
            shape = _DOTTED if variant.clinical else _INITIALS
            return shape.fullmatch(surface.strip()) is not None
        if variant.kind is VariantKind.DATE:
            return _DATE_SHAPE.search(surface) is not None
        return True

    def _person_here(self, text: str, hit: Hit, possessive: bool = True) -> bool:
        """Where a person stands: before "reported" or (``possessive``) a possessive, after
        "examined" or "the records of"."""
        after = self._person_after if possessive else self._person_verb_after
        return (
            after.match(text[hit.end : hit.end + 40]) is not None
            or self._person_before.search(text[max(0, hit.start - 40) : hit.start]) is not None
        )

    def _weak_counts(self, text: str, hit: Hit, variant: Variant, strong: list[Hit]) -> bool:
        surface = text[hit.start : hit.end]
        if variant.clinical and self._eponym_after.match(text[hit.end : hit.end + 30]):
            return False
        for other in strong:
            if other.identity != hit.identity or other.start == hit.start:
                continue
            gap = (
                text[hit.end : other.start]
                if other.start >= hit.end
                else text[other.end : hit.start]
            )
            if len(gap) <= 4 and _NAME_GAP.fullmatch(gap):
                return True
        before = text[max(0, hit.start - 12) : hit.start]
        if self._title_before.search(before):
            return True
        if variant.clinical:
            # a name that is also an eponym or an abbreviation ("Allen", "Ed") where a person
            # stands: written as a name, before what a person does or after what is done to one
            return _AS_NAME.fullmatch(surface) is not None and self._person_here(text, hit)
        if not surface[:1].isupper():
            return False
        if surface.lower() in self.vocabulary.sentence_words:
            return not _SENTENCE_END.search(
                text[max(0, hit.start - 3) : hit.start]
            ) or self._person_here(text, hit)
        return True


def _alternatives(words: tuple[str, ...] | frozenset[str]) -> str:
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


@lru_cache(maxsize=65536)
def _fold(word: str) -> str:
    if word.isascii():
        return word.lower()
    return "".join(
        c for c in unicodedata.normalize("NFKD", word.lower()) if not unicodedata.combining(c)
    )


def _pieces(given: str) -> set[str]:
    """Every run of three or more of ``given``'s letters, and each such run with one letter
    inside it dropped ("berto": "beto"), except the whole name itself."""
    return letter_runs(given) - {given}
