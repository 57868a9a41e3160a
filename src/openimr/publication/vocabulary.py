"""The words de-identification reads, loaded once from ``publication/data/vocabulary.yaml``.

Drug names come from the facts vocabulary so that the two never disagree about what a drug is.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
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


@dataclass(frozen=True)
class PublicationVocabulary:
    """Name forms, person cues and the words that are never removed."""

    nicknames: dict[str, frozenset[str]]
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

    def short_forms(self, given: str) -> frozenset[str]:
        """Nicknames of a given name and, read backwards, the names a nickname stands for."""
        key = "".join(
            c for c in unicodedata.normalize("NFKD", given.lower()) if not unicodedata.combining(c)
        )
        out = set(self.nicknames.get(key, frozenset()))
        out.update(full for full, shorts in self.nicknames.items() if key in shorts)
        out.discard(key)
        return frozenset(out)

    def clinical(self, word: str) -> bool:
        """A word that names a drug or a guideline, or is one of the kept words."""
        key = _key(word)
        return key in self.drugs or key in self.kept_words

    def eponym(self, word: str) -> bool:
        """A name that also names a sign, test or disease (clinical only before such a noun)."""
        return _key(word) in self.eponyms


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
    return PublicationVocabulary(
        nicknames=_forms(data.get("nicknames"), "nicknames"),
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
    )
