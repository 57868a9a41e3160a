"""The identities a case file knows, and every form in which a letter may write them.

A name becomes its parts, its nicknames (and those of the same name in English: "Rogelio",
"Roger"), "Last, First", initials; a date of birth every usual
date format; an address its street line with the short street words; an organization its name
without "Inc." and its acronym. Each form is a :class:`Variant` the matcher searches for in the
skeleton of the text (:mod:`openimr.publication.skeleton`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from itertools import product

from openimr.casefile.model import CaseFile, Parties, Party
from openimr.publication.skeleton import skeleton_of
from openimr.publication.vocabulary import PublicationVocabulary, load_publication_vocabulary

__all__ = ["GivenName", "Identities", "Role", "Variant", "VariantKind", "identities_from"]


class Role(StrEnum):
    """What a removed identifier was; the placeholder that replaces it says so."""

    CLAIMANT = "injured worker"
    EMPLOYER = "employer"
    CLAIMS_ADMINISTRATOR = "claims administrator"
    PROVIDER = "provider"
    UR_PHYSICIAN = "UR physician"
    REVIEWER = "reviewer"
    PERSON = "person"
    CLAIM_NUMBER = "claim number"
    DATE_OF_BIRTH = "date of birth"
    ADDRESS = "address"
    PHONE = "phone"
    EMAIL = "email"
    IDENTIFIER = "identifier"


class VariantKind(StrEnum):
    """How a form is matched: ``token`` and ``phrase`` forms may be broken by spaces or OCR;
    ``short`` forms (fewer than four letters, and the nicknames and shortened forms of a given
    name, which spacing would find across words: "Ant on" for Anton) only as a whole word;
    ``initials`` only as capitals ("J.S.", "JS"); ``date`` forms only written as a date (a
    bare "9792" is not 9/7/92)."""

    PHRASE = "phrase"
    TOKEN = "token"
    SHORT = "short"
    INITIALS = "initials"
    DATE = "date"


@dataclass(frozen=True, slots=True)
class Variant:
    """One form of one identity. ``weak`` forms are also ordinary or clinical words and count
    only where they read as a name (see :mod:`openimr.publication.known`)."""

    skeleton: str
    role: Role
    identity: int
    kind: VariantKind
    weak: bool = False
    clinical: bool = False


_SPLIT = re.compile(r"[\s,]+")
_GENERATIONAL = {"jr", "sr", "ii", "iii", "iv", "v"}
_ORG_WORDS = re.compile(
    r"(?i)\b(?:inc|llc|llp|corp|corporation|company|co|group|medical|center|centre|clinic|"
    r"hospital|health|healthcare|associates|orthopedic|orthopaedic|therapy|services|insurance|"
    r"fund|mutual|network|partners|institute|rehabilitation|imaging|radiology|pharmacy|"
    r"laboratory|labs|university|county|city|district|department|foundation|systems|"
    r"permanente|kaiser|ltd|lp|pc|plc|pllc)\b\.?"
)
_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]


_WORD_SKELETONS: dict[int, tuple[frozenset[str], frozenset[str]]] = {}


def _word_skeletons(vocabulary: PublicationVocabulary) -> tuple[frozenset[str], frozenset[str]]:
    """Skeletons of the short words a short form must not be taken for: clinical ones (MRI,
    CT, MD), and ordinary words that are also names (Bob, Pat)."""
    known = _WORD_SKELETONS.get(id(vocabulary))
    if known is None:
        clinical = vocabulary.kept_words | vocabulary.drugs | vocabulary.credentials
        known = (
            frozenset(skeleton_of(w) for w in clinical if len(w) <= 5),
            frozenset(skeleton_of(w) for w in vocabulary.common_words if len(w) <= 5),
        )
        _WORD_SKELETONS[id(vocabulary)] = known
    return known


@dataclass(frozen=True, slots=True)
class GivenName:
    """A listed person's given name (lower case, no accents), so that a short form of it that no
    table lists ("Venky" for Venkatesh) can still be recognized in a text."""

    folded: str
    role: Role
    identity: int


@dataclass(frozen=True)
class Identities:
    """Every identity to remove, with its forms; built once per case."""

    variants: tuple[Variant, ...]
    count: int
    given_names: tuple[GivenName, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.variants


class _Builder:
    def __init__(self, vocabulary: PublicationVocabulary) -> None:
        self.v = vocabulary
        self.variants: dict[tuple[str, int, bool], Variant] = {}
        self.given_names: dict[tuple[str, int], GivenName] = {}
        self.count = 0

    def _add(
        self, text: str, role: Role, identity: int, kind: VariantKind, weak: bool = False
    ) -> None:
        skel = skeleton_of(text)
        if len(skeleton_of(text, merge_pairs=False)) < 2:
            return
        if kind in (VariantKind.TOKEN, VariantKind.PHRASE) and len(skel) < 4:
            kind = VariantKind.SHORT
        clinical = kind is not VariantKind.PHRASE and (self.v.clinical(text) or self.v.eponym(text))
        folded_clinical, folded_common = _word_skeletons(self.v)
        if kind in (VariantKind.INITIALS, VariantKind.SHORT):
            # "MRL" folds as "MRI" does (i and l are one OCR group): judge the folded form
            clinical = clinical or skel in folded_clinical
            weak = weak or skel in folded_common
        if kind is VariantKind.INITIALS:  # matched by shape: dotted only if also a word
            clinical = clinical or weak or self._common(text) or text.lower() in self.v.particles
            weak = False
        else:
            weak = weak or clinical or (kind is not VariantKind.PHRASE and self._common(text))
        if len(skel) >= 2:
            self._store(skel, Variant(skel, role, identity, kind, weak, clinical))
        spaced = skeleton_of(text, merge_pairs=False)
        if spaced != skel:  # "Ar nold" or "V.V." written apart keeps its r and n, its v and v
            self._store(spaced, Variant(spaced, role, identity, kind, weak, clinical))

    def _store(self, skel: str, variant: Variant) -> None:
        key = (skel, variant.identity, variant.kind is VariantKind.INITIALS)
        previous = self.variants.get(key)
        if previous is not None and not previous.weak:
            return
        self.variants[key] = variant

    def _common(self, word: str) -> bool:
        key = word.lower()
        return key in self.v.common_words or key in self.v.titles or key in self.v.credentials

    def _new(self) -> int:
        self.count += 1
        return self.count - 1

    # -- people and organizations -------------------------------------------------------------

    def person(self, name: str, role: Role, aliases: list[str]) -> int:
        identity = self._new()
        for each in [name, *aliases]:
            if _ORG_WORDS.search(each):
                self._organization(each, role, identity)
            else:
                self._person(each, role, identity)
        return identity

    def _person(self, name: str, role: Role, identity: int) -> None:
        raw = name.strip()
        if "," in raw:  # "Last, First Middle" (a trailing ", Jr." or ", MD" is not a first name)
            head, _, tail = raw.partition(",")
            tail_words = [w for w in _SPLIT.split(tail) if w]
            if tail_words and not all(self._decoration(w) for w in tail_words):
                raw = f"{tail} {head}"
        words = [w for w in _SPLIT.split(raw) if w and not self._decoration(w)]
        if not words:
            return
        parts = [w for w in words if w.lower() not in self.v.particles]
        self._add(" ".join(words), role, identity, VariantKind.PHRASE)
        if len(parts) >= 2:
            last, given = parts[-1], parts[:-1]
            self._add(f"{last} {' '.join(given)}", role, identity, VariantKind.PHRASE)
            self._add(f"{given[0]} {last}", role, identity, VariantKind.PHRASE)
            self._add(f"{given[0][0]} {last}", role, identity, VariantKind.PHRASE)
            self._add(f"{last} {given[0][0]}", role, identity, VariantKind.PHRASE)
            forms = {"".join(p[0] for p in parts)} | {given[0][0] + p[0] for p in parts[1:]}
            for initials in sorted(forms):
                self._add(initials, role, identity, VariantKind.INITIALS)
        # a surname with its particles ("de la Cruz") is one phrase
        for start, word in enumerate(words):
            if word.lower() in self.v.particles and start + 1 < len(words):
                self._add(" ".join(words[start:]), role, identity, VariantKind.PHRASE)
                break
        for given_name in parts[:-1] if len(parts) >= 2 else []:
            self._truncations(given_name, role, identity)
            for piece in given_name.split("-"):
                folded = _fold(piece)
                if len(folded) >= 3 and folded.isalpha():
                    self.given_names[(folded, identity)] = GivenName(folded, role, identity)
                    self._cognates(folded, role, identity)
        for part in parts:
            pieces = [part, *part.split("-")] if "-" in part else [part]
            for piece in pieces:
                if len(skeleton_of(piece)) >= 2:
                    self._add(piece, role, identity, VariantKind.TOKEN)
                for short in self.v.short_forms(piece.replace("’", "'")):
                    # a form of the table counts only as a name (capitalized, or beside the
                    # name or a title) and only as a whole word: "Ant" is not "ant", and "Ant
                    # on" is not "Anton"
                    self._add(short, role, identity, VariantKind.SHORT, weak=True)

    def _cognates(self, given: str, role: Role, identity: int) -> None:
        """A given name the nickname table does not know, by the name in the table it is a form
        of in another language ("Rogelio": "Roger", "Alberto": "Albert"): the two share their
        first four letters and three quarters of the shorter name. Weak forms, since the match
        is by spelling alone."""
        if len(given) < 5 or self.v.short_forms(given):
            return
        for name in self.v.names_starting(given[:4]):
            shared = next(
                (i for i, (a, b) in enumerate(zip(given, name, strict=False)) if a != b),
                min(len(given), len(name)),
            )
            if shared >= 0.75 * min(len(given), len(name)):
                for form in sorted({name, *self.v.nicknames.get(name, frozenset())}):
                    self._add(form.capitalize(), role, identity, VariantKind.SHORT, weak=True)

    def _truncations(self, given: str, role: Role, identity: int) -> None:
        """A long given name shortened at either end ("Emeka", "Seun"): a weak form, as a whole
        word, since people shorten such names in many languages and no table lists them all."""
        letters = given.replace("’", "'")
        if len(letters) < 7 or not letters.isalpha():
            return
        for size in range(4, len(letters) - 1):
            for piece in (letters[:size], letters[-size:]):
                if not self.v.clinical(piece) and piece.lower() not in self.v.known_words:
                    self._add(piece.capitalize(), role, identity, VariantKind.SHORT, weak=True)

    def _decoration(self, word: str) -> bool:
        key = word.lower().strip(".")
        return (
            key in self.v.titles
            or key.replace(".", "") in self.v.credentials
            or key in self.v.credentials
            or key in _GENERATIONAL
        )

    def _organization(self, name: str, role: Role, identity: int) -> None:
        self._add(name, role, identity, VariantKind.PHRASE)
        stages = [name.strip()]
        for stage in stages:  # grows while it is read: every way of dropping suffixes
            for suffix in self.v.organization_suffixes:
                pattern = re.compile(rf"(?i)[\s,]+{re.escape(suffix)}\.?$")
                stripped = pattern.sub("", stage).strip()
                if stripped != stage and stripped and stripped not in stages:
                    stages.append(stripped)
        for stage in stages[1:]:
            self._add(stage, role, identity, VariantKind.PHRASE)
        for stage in stages:
            capitals = [w for w in re.split(r"[\s\-]+", stage) if w[:1].isupper()]
            if len(capitals) >= 3:
                acronym = "".join(w[0] for w in capitals)
                if not self.v.clinical(acronym):
                    self._add(acronym, role, identity, VariantKind.INITIALS)

    def organization(self, name: str, role: Role, aliases: list[str]) -> int:
        identity = self._new()
        for each in [name, *aliases]:
            self._organization(each, role, identity)
        return identity

    # -- numbers, dates, addresses ------------------------------------------------------------

    def number(self, value: str, role: Role, identity: int) -> None:
        skel = skeleton_of(value)
        if len(skel) < 4:
            return
        self._add(value, role, identity, VariantKind.PHRASE)
        digits = re.sub(r"\D", "", value)
        if len(digits) >= 6 and digits != re.sub(r"\W", "", value):
            self._add(digits, role, identity, VariantKind.PHRASE)

    def phone(self, value: str, identity: int) -> None:
        digits = re.sub(r"\D", "", value)
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        if len(digits) < 7:
            return
        self._add(digits, Role.PHONE, identity, VariantKind.PHRASE)
        if len(digits) == 10:
            self._add(digits[3:], Role.PHONE, identity, VariantKind.PHRASE)

    def email(self, value: str, identity: int) -> None:
        self._add(value, Role.EMAIL, identity, VariantKind.PHRASE)
        local = value.partition("@")[0]
        if len(skeleton_of(local)) >= 5:
            self._add(local, Role.EMAIL, identity, VariantKind.PHRASE)

    def birth_date(self, value: date, identity: int) -> None:
        month = _MONTHS[value.month - 1]
        forms = {
            value.isoformat(),
            f"{value.month:02d}/{value.day:02d}/{value.year}",
            f"{value.month}/{value.day}/{value.year}",
            f"{value.month:02d}/{value.day:02d}/{value.year % 100:02d}",
            f"{value.month}/{value.day}/{value.year % 100:02d}",
            f"{month} {value.day} {value.year}",
            f"{month[:3]} {value.day} {value.year}",
            f"{value.day} {month} {value.year}",
            f"{value.day} {month[:3]} {value.year}",
        }
        for form in sorted(forms):
            self._add(form, Role.DATE_OF_BIRTH, identity, VariantKind.DATE)

    def address(self, value: str, identity: int) -> None:
        self._add(value, Role.ADDRESS, identity, VariantKind.PHRASE)
        street = value.split(",")[0].strip()
        words = street.split()
        choices: list[list[str]] = []
        for word in words:
            key = word.lower().strip(".")
            options = {word}
            for table in (self.v.street_suffixes, self.v.unit_words, self.v.directions):
                for full, shorts in table.items():
                    if key == full or key in shorts:
                        options.update({full, *shorts})
            choices.append(sorted(options))
        combos = 1
        for options in choices:
            combos *= len(options)
        if combos <= 64:
            for combo in product(*choices):
                self._add(" ".join(combo), Role.ADDRESS, identity, VariantKind.PHRASE)
        else:
            self._add(street, Role.ADDRESS, identity, VariantKind.PHRASE)

    def party(self, party: Party, role: Role, organization: bool = False) -> None:
        if organization:
            identity = self.organization(party.name, role, party.aliases)
        else:
            identity = self.person(party.name, role, party.aliases)
        for phone in party.phones:
            self.phone(phone, identity)
        for email in party.emails:
            self.email(email, identity)
        for address in party.addresses:
            self.address(address, identity)
        for number in party.identifiers:
            self.number(number, Role.IDENTIFIER, identity)
        if party.date_of_birth is not None:
            self.birth_date(party.date_of_birth, identity)


def identities_from(
    parties: Parties | None = None,
    case_file: CaseFile | None = None,
    *,
    vocabulary: PublicationVocabulary | None = None,
) -> Identities:
    """The identities to remove: the parties given, the case file's own ``parties``, its
    claims administrator and the authors of its records."""
    builder = _Builder(vocabulary or load_publication_vocabulary())
    sources = [p for p in (parties, case_file.parties if case_file else None) if p is not None]
    for source in sources:
        if source.claimant is not None:
            builder.party(source.claimant, Role.CLAIMANT)
        for number in source.claim_numbers:
            builder.number(number, Role.CLAIM_NUMBER, builder._new())
        if source.employer is not None:
            builder.party(source.employer, Role.EMPLOYER, organization=True)
        if source.claims_administrator is not None:
            builder.party(source.claims_administrator, Role.CLAIMS_ADMINISTRATOR, True)
        for provider in source.providers:
            builder.party(provider, Role.PROVIDER)
        for physician in source.ur_physicians:
            builder.party(physician, Role.UR_PHYSICIAN)
        if source.reviewer is not None:
            builder.party(source.reviewer, Role.REVIEWER)
        for other in source.others:
            builder.party(other, Role.PERSON)
    if case_file is not None:
        if case_file.claims_administrator:
            builder.organization(case_file.claims_administrator, Role.CLAIMS_ADMINISTRATOR, [])
        for record in case_file.records:
            if record.author and record.author.strip():
                builder.person(record.author, Role.PROVIDER, [])
    ordered = sorted(builder.variants.values(), key=lambda v: (v.identity, v.skeleton))
    given = sorted(builder.given_names.values(), key=lambda g: (g.identity, g.folded))
    return Identities(tuple(ordered), builder.count, tuple(given))


def _fold(word: str) -> str:
    return "".join(
        c
        for c in unicodedata.normalize("NFKD", word.replace("’", "'").lower())
        if not unicodedata.combining(c) and c.isalpha()
    )
