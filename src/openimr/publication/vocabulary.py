"""The words de-identification reads, loaded once from ``publication/data/vocabulary.yaml``.

Drug names come from the facts vocabulary so that the two never disagree about what a drug is.
Nicknames come from a curated, sourced table (the ``nicknames`` package: Carlton Northern's
hand-curated list of English given names and their nicknames, Apache-2.0) rather than a list of
our own, which could only hold the forms its writers happened to think of. English words come
from Webster's Second (the ``english-words`` package's ``web2`` list): a word it writes only in
lower case is an ordinary word, one it writes capitalized is a proper name. Given names come
from the person providers of ``Faker`` (MIT; the given names of about eighty locales, some
nineteen thousand names in Latin script and their usual short forms).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any

import yaml

from openimr.errors import KnowledgeBaseError

DATA = Path(__file__).parent / "data" / "vocabulary.yaml"


def _words(values: Any, where: str) -> frozenset[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise KnowledgeBaseError(f"{DATA}: {where}: expected a list of words")
    return frozenset(v.strip().lower() for v in values if v.strip())


def _forms(values: Any, where: str) -> dict[str, frozenset[str]]:
    if not isinstance(values, dict):
        raise KnowledgeBaseError(f"{DATA}: {where}: expected a mapping of word to short forms")
    return {str(k).lower(): _words(v or [], f"{where}.{k}") for k, v in values.items()}


#: Endings of English inflections and what the word they end was ("relying": rely).
_INFLECTIONS = (
    ("ies", "y"),
    ("ied", "y"),
    ("ying", "y"),
    ("ing", ""),
    ("ing", "e"),
    ("ed", ""),
    ("ed", "e"),
    ("es", ""),
    ("s", ""),
    ("ly", ""),
    ("er", ""),
    ("ers", ""),
    ("ant", "ate"),
)


@dataclass(frozen=True)
class PublicationVocabulary:
    """Name forms, person cues and the words that are never removed."""

    nicknames: dict[str, frozenset[str]]
    #: The table read backwards: nickname -> the given names it is a nickname of.
    nickname_of: dict[str, frozenset[str]]
    particles: frozenset[str]
    titles: frozenset[str]
    credentials: frozenset[str]
    person_cues: tuple[str, ...]
    common_words: frozenset[str]
    sentence_words: frozenset[str]
    eponyms: frozenset[str]
    eponym_nouns: frozenset[str]
    organization_suffixes: tuple[str, ...]
    street_suffixes: dict[str, frozenset[str]]
    unit_words: dict[str, frozenset[str]]
    directions: dict[str, frozenset[str]]
    kept_words: frozenset[str]
    drugs: frozenset[str]
    role_words: frozenset[str] = frozenset()
    #: Every word of the guideline knowledge and the clinical vocabulary (what letters cite
    #: and describe): a capitalized run of words none of which is here may be a name.
    known_words: frozenset[str] = frozenset()
    #: Where one capitalized word stands for a person (see the data file).
    person_verbs: tuple[str, ...] = ()
    person_object_verbs: tuple[str, ...] = ()
    person_documents: tuple[str, ...] = ()
    #: Endings of short forms of given names ("-y", "-ita", "-ya"), longest first.
    diminutive_endings: tuple[str, ...] = ()
    #: Ordinary English words that are never proper names ("target", "tight"): a form derived
    #: from a given name by a sound change is not taken for a name when it is one of these.
    english_words: frozenset[str] = frozenset()
    #: Words Webster's Second capitalizes (given names among them): a name list.
    proper_names: frozenset[str] = frozenset()
    #: Folded given names of the name dictionary (Faker's person providers), independent of
    #: the nickname table: what a lone capitalized word is checked against (see detect.py).
    given_names: frozenset[str] = frozenset()
    #: Where a given name alone stands for a person (see the data file).
    subject_verbs: tuple[str, ...] = ()
    speech_verbs: tuple[str, ...] = ()
    subject_adverbs: tuple[str, ...] = ()
    clause_openers: tuple[str, ...] = ()
    person_prepositions: tuple[str, ...] = ()
    place_prepositions: tuple[str, ...] = ()
    finding_nouns: tuple[str, ...] = ()
    greetings: tuple[str, ...] = ()
    closings: tuple[str, ...] = ()
    place_words: frozenset[str] = frozenset()

    def short_forms(self, given: str) -> frozenset[str]:
        """Every form the nickname table relates to a given name, both ways: its nicknames, the
        names it is a nickname of, and their nicknames ("Peggy": Margaret, so Maggie, Meg)."""
        key = _fold(given)
        out = set(self.nicknames.get(key, frozenset()))
        canonicals = self.nickname_of.get(key, frozenset())
        out.update(canonicals)
        for canonical in canonicals:
            out.update(self.nicknames.get(canonical, frozenset()))
        out.discard(key)
        return frozenset(out)

    def ordinary(self, key: str) -> bool:
        """A folded word Webster's Second writes only in lower case, or an inflection of one
        ("relying": rely; "submitted": submit; "assigned": assign)."""
        english = self.english_words
        if key in english:
            return True
        for ending, base in _INFLECTIONS:
            if key.endswith(ending) and len(key) - len(ending) >= 3:
                stem = key[: -len(ending)] + base
                if stem in english or (stem[-1:] == stem[-2:-1] and stem[:-1] in english):
                    return True
        return False

    def a_name(self, key: str) -> bool:
        """A folded word a name list holds: the nickname table, as a given name or a nickname,
        or the words Webster's Second capitalizes."""
        return key in self.nicknames or key in self.nickname_of or key in self.proper_names

    def with_nicknames(self, relations: list[tuple[str, str]]) -> PublicationVocabulary:
        """The same vocabulary with another nickname table (given name, nickname): how the
        benchmark measures forms the table does not hold."""
        table: dict[str, set[str]] = {}
        for full, short in relations:
            table.setdefault(_fold(full), set()).add(_fold(short))
        nicknames = {full: frozenset(shorts) for full, shorts in sorted(table.items())}
        return replace(self, nicknames=nicknames, nickname_of=_inverted(nicknames))

    def names_starting(self, prefix: str) -> list[str]:
        """The given names of the nickname table that begin with ``prefix``, in order."""
        names = sorted(self.nicknames)  # the table is built sorted, this costs one pass
        first = bisect_left(names, prefix)
        out = []
        for name in names[first:]:
            if not name.startswith(prefix):
                break
            out.append(name)
        return out

    def clinical(self, word: str) -> bool:
        """A word that names a drug or a guideline, or is one of the kept words."""
        key = _key(word)
        return key in self.drugs or key in self.kept_words

    def eponym(self, word: str) -> bool:
        """A name that also names a sign, test or disease (clinical only before such a noun),
        its possessive written with or without the apostrophe ("Kemp's", "Kemps")."""
        key = _key(word)
        return key in self.eponyms or (key.endswith("s") and key[:-1] in self.eponyms)

    def drug_like(self, word: str) -> bool:
        """A long word shaped as drug names are (a blend of generic names, as compounded and
        branded products are named): it begins with the first five letters of a known drug, or
        ends with the last six letters of one ("Cyclophene": cyclobenzaprine; "Ketaprofen":
        ketoprofen). Names and nicknames are seldom that long and so shaped."""
        key = _key(word)
        if len(key) < 7:
            return False
        starts, ends = self._drug_shapes
        return key[:5] in starts or key[-6:] in ends

    @cached_property
    def _drug_shapes(self) -> tuple[frozenset[str], frozenset[str]]:
        long = [d for d in self.drugs if len(d) >= 7 and d.isalpha()]
        return frozenset(d[:5] for d in long), frozenset(d[-6:] for d in long)


def _key(word: str) -> str:
    key = word.lower().strip(".,;:'’")
    return key.removesuffix("'s").removesuffix("’s")


_TOKEN = re.compile(r"[^\W\d_]{2,}")


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _longest_first(data: dict[str, Any], key: str) -> tuple[str, ...]:
    return tuple(sorted(_words(data.get(key), key), key=lambda w: (-len(w), w)))


def nickname_relations() -> list[tuple[str, str]]:
    """(given name, nickname) pairs of the ``nicknames`` package's ``has_nickname`` rows."""
    from nicknames import name_triplets

    pairs = set()
    for row in name_triplets():
        if row.relationship == "has_nickname":
            full, short = _fold(row.name1), _fold(row.name2)
            if full and short and full != short:
                pairs.add((full, short))
    return sorted(pairs)


def _nickname_table() -> dict[str, frozenset[str]]:
    """Given name -> its nicknames."""
    table: dict[str, set[str]] = {}
    for full, short in nickname_relations():
        table.setdefault(full, set()).add(short)
    return {full: frozenset(shorts) for full, shorts in sorted(table.items())}


def _english_words() -> tuple[frozenset[str], frozenset[str]]:
    """Words Webster's Second writes only in lower case (ordinary words: "target" is one,
    "peggy", also a Peggy, is not), and those it capitalizes (proper names), lower-cased."""
    from english_words import get_english_words_set

    words = get_english_words_set(["web2"], alpha=True)
    capitalized = frozenset(w.lower() for w in words if w[:1].isupper())
    return frozenset(w for w in words if w.islower() and w not in capitalized), capitalized


def _given_names() -> frozenset[str]:
    """The first names of Faker's person providers (MIT), every locale, folded, in Latin script.
    The name lists are read from the locale modules' classes; no generator is built."""
    import importlib
    import pkgutil

    try:
        import faker.providers.person as people
    except ModuleNotFoundError as exc:
        raise KnowledgeBaseError(f"Faker's person providers: cannot read: {exc}") from None
    names: set[str] = set()
    for module in sorted(pkgutil.iter_modules(people.__path__), key=lambda m: m.name):
        provider = getattr(
            importlib.import_module(f"{people.__name__}.{module.name}"), "Provider", None
        )
        for attribute in _FIRST_NAME_LISTS:
            listed = vars(provider).get(attribute) if provider is not None else None
            if isinstance(listed, dict):
                listed = list(listed)
            if not isinstance(listed, list | tuple):
                continue
            for raw in listed:
                name = _fold(raw) if isinstance(raw, str) else ""
                # Latin script only: the detector reads a capitalized word
                if name.isascii() and name.replace("-", "").replace("'", "").isalpha():
                    names.add(name)
    return frozenset(names)


#: The attributes in which Faker's person providers list given names.
_FIRST_NAME_LISTS = (
    "first_names",
    "first_names_male",
    "first_names_female",
    "first_names_nonbinary",
)


def _inverted(table: dict[str, frozenset[str]]) -> dict[str, frozenset[str]]:
    inverse: dict[str, set[str]] = {}
    for full, shorts in table.items():
        for short in shorts:
            inverse.setdefault(short, set()).add(full)
    return {short: frozenset(fulls) for short, fulls in sorted(inverse.items())}


def _fold(name: str) -> str:
    """Lower case without accents: the key a given name is looked up by."""
    return "".join(
        c
        for c in unicodedata.normalize("NFKD", name.strip().lower())
        if not unicodedata.combining(c)
    )


def _knowledge_words() -> set[str]:
    """The words of every data file of the knowledge base and the facts vocabulary."""
    import openimr.facts
    import openimr.knowledge

    words: set[str] = set()
    for package in (openimr.knowledge, openimr.facts):
        for path in sorted(Path(package.__file__).parent.glob("data/**/*.yaml")):
            try:
                data = yaml.safe_load(path.read_text("utf-8"))
            except (OSError, yaml.YAMLError) as exc:
                raise KnowledgeBaseError(f"{path}: cannot read: {exc}") from None
            for text in _strings(data):
                words.update(w.lower() for w in _TOKEN.findall(text))
    return words


@cache
def load_publication_vocabulary() -> PublicationVocabulary:
    """Read the data file once; a malformed file is a knowledge-base error."""
    try:
        data = yaml.safe_load(DATA.read_text("utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KnowledgeBaseError(f"{DATA}: cannot read: {exc}") from None
    if not isinstance(data, dict):
        raise KnowledgeBaseError(f"{DATA}: expected a mapping")
    from openimr.facts.vocabulary import load_vocabulary

    drugs: set[str] = set()
    for name in load_vocabulary().drug_by_name:
        drugs.add(name.lower())
        drugs.update(part for part in name.lower().replace("/", " ").replace("-", " ").split())
    cues = sorted(_words(data.get("person_cues"), "person_cues"), key=lambda c: (-len(c), c))
    suffixes = sorted(
        _words(data.get("organization_suffixes"), "organization_suffixes"),
        key=lambda c: (-len(c), c),
    )
    nicknames = _nickname_table()
    english, proper = _english_words()
    return PublicationVocabulary(
        nicknames=nicknames,
        nickname_of=_inverted(nicknames),
        particles=_words(data.get("particles"), "particles"),
        titles=_words(data.get("titles"), "titles"),
        credentials=_words(data.get("credentials"), "credentials"),
        person_cues=tuple(cues),
        common_words=_words(data.get("common_words"), "common_words"),
        sentence_words=_words(data.get("sentence_words"), "sentence_words"),
        eponyms=_words(data.get("eponyms"), "eponyms"),
        eponym_nouns=_words(data.get("eponym_nouns"), "eponym_nouns"),
        organization_suffixes=tuple(suffixes),
        street_suffixes=_forms(data.get("street_suffixes"), "street_suffixes"),
        unit_words=_forms(data.get("unit_words"), "unit_words"),
        directions=_forms(data.get("directions"), "directions"),
        kept_words=_words(data.get("kept_words"), "kept_words"),
        drugs=frozenset(d for d in drugs if len(d) > 2 and d.isalpha()),
        role_words=frozenset(w for cue in cues for w in cue.split())
        | _words(data.get("role_words"), "role_words"),
        known_words=frozenset(_knowledge_words()),
        person_verbs=_longest_first(data, "person_verbs"),
        person_object_verbs=_longest_first(data, "person_object_verbs"),
        person_documents=_longest_first(data, "person_documents"),
        diminutive_endings=tuple(
            sorted(
                _words(data.get("diminutive_endings"), "diminutive_endings"),
                key=lambda e: (-len(e), e),
            )
        ),
        english_words=english,
        proper_names=proper,
        given_names=_given_names(),
        subject_verbs=_longest_first(data, "subject_verbs"),
        speech_verbs=_longest_first(data, "speech_verbs"),
        subject_adverbs=_longest_first(data, "subject_adverbs"),
        clause_openers=_longest_first(data, "clause_openers"),
        person_prepositions=_longest_first(data, "person_prepositions"),
        place_prepositions=_longest_first(data, "place_prepositions"),
        finding_nouns=_longest_first(data, "finding_nouns"),
        greetings=_longest_first(data, "greetings"),
        closings=_longest_first(data, "closings"),
        place_words=_words(data.get("place_words"), "place_words"),
    )
