"""Detectors for identifiers nobody listed: Presidio's analyzer on a blank spaCy pipeline.

Presidio supplies the recognizers that validate what they find (social security numbers,
telephone numbers through Google's ``phonenumbers``, NPI and DEA numbers with their check
digits, card numbers) and the context scoring; this module adds the project's own recognizers
for what a workers' compensation file holds: names after a title, before a credential or
after a cue ("per", "seen by", "adjuster:"), claim, policy and medical record numbers by their
labels, WCAB case numbers, dates of birth by their labels, street addresses, e-mail addresses.

No trained model is loaded (see docs/publication.md for the measurement behind that choice):
the blank pipeline tokenizes, and the lemma of a token is its lower-cased text, which is what
the context words are compared with. Nothing is fetched at run time.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from openimr.publication.vocabulary import (
    PublicationVocabulary,
    _fold,
    load_publication_vocabulary,
)

__all__ = ["Detection", "Detector", "detector"]

#: A detection scoring below this is not an identifier.
SCORE_THRESHOLD = 0.35

#: Detector entity -> placeholder word.
LABELS = {
    "PERSON": "name",
    "US_SSN": "SSN",
    "US_ITIN": "SSN",
    "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
    "CLAIM_NUMBER": "claim number",
    "POLICY_NUMBER": "policy number",
    "RECORD_NUMBER": "record number",
    "ID_NUMBER": "identifier",
    "US_NPI": "identifier",
    "MEDICAL_LICENSE": "identifier",
    "CREDIT_CARD": "identifier",
    "DATE_OF_BIRTH": "date of birth",
    "ADDRESS": "address",
}

_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
DATE = (
    rf"(?:\d{{1,2}}[/\-.]\d{{1,2}}[/\-.](?:\d{{4}}|\d{{2}})|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|(?i:{_MONTH})\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\s+(?i:{_MONTH}),?\s+\d{{4}})"
)
_NAME_TOKEN = (
    r"(?:\p{Lu}['’]\p{Lu}\p{Ll}+|Ma?c\p{Lu}\p{Ll}+|\p{Lu}\p{Ll}+(?:['’]\p{Ll}+)?"
    r"(?:-\p{Lu}\p{Ll}+)*|\p{Lu}\.)"
)
_CAPS_TOKEN = r"\p{Lu}{2,}(?:['’\-]\p{Lu}+)?"
_FLAGS = re.DOTALL | re.MULTILINE


@dataclass(frozen=True, slots=True)
class Detection:
    """A span a detector found, with its placeholder label."""

    start: int
    end: int
    label: str
    score: float


def _particles(vocabulary: PublicationVocabulary) -> str:
    return "|".join(sorted(vocabulary.particles, key=len, reverse=True))


def _name(vocabulary: PublicationVocabulary, minimum: int = 1) -> str:
    particles = _particles(vocabulary)
    more = rf"(?:[ \t]+(?:(?:{particles})[ \t]+)*{_NAME_TOKEN})"
    if minimum <= 1:
        return rf"{_NAME_TOKEN}{more}{{0,3}}"
    return rf"{_NAME_TOKEN}{more}{{{minimum - 1},3}}"


def _alternatives(words: list[str] | tuple[str, ...] | frozenset[str]) -> str:
    escaped = [re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)]
    return "|".join(escaped)


def _recognizers(vocabulary: PublicationVocabulary) -> list[Any]:
    from presidio_analyzer import Pattern, PatternRecognizer
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        MedicalLicenseRecognizer,
        PhoneRecognizer,
        UsItinRecognizer,
        UsSsnRecognizer,
    )

    # "Dr", "Mr." or "DR." (an all-capitals title needs its period: "MR arthrogram" is imaging)
    titles = "|".join(
        alternative
        for t in sorted(vocabulary.titles, key=len, reverse=True)
        for alternative in (rf"{re.escape(t.capitalize())}\.?", rf"{re.escape(t.upper())}\.")
    )
    credentials = "|".join(
        sorted(
            (
                r"\.?".join(re.escape(ch) for ch in c.replace(".", ""))
                for c in vocabulary.credentials
            ),
            key=len,
            reverse=True,
        )
    )
    cues = _alternatives(vocabulary.person_cues)
    name = _name(vocabulary)
    two = _name(vocabulary, 2)
    caps = rf"{_CAPS_TOKEN}(?:[ \t]+{_CAPS_TOKEN}){{1,3}}"
    caps_any = rf"{_CAPS_TOKEN}(?:[ \t]+{_CAPS_TOKEN}){{0,3}}"
    person = PatternRecognizer(
        global_regex_flags=_FLAGS,
        supported_entity="PERSON",
        name="person_in_context",
        patterns=[
            Pattern("after a title", rf"(?<=\b(?:{titles})[ \t]+){name}", 0.85),
            Pattern("capitals after a title", rf"(?<=\b(?:{titles})[ \t]+){caps_any}", 0.7),
            Pattern(
                "before a credential",
                rf"{two}(?=,?[ \t]+(?i:{credentials})(?![\w\-]))",
                0.85,
            ),
            Pattern("after a cue", rf"(?<=\b(?i:{cues})\b[ \t]*[:,#\-]?[ \t]*){two}", 0.7),
            Pattern("capitals after a cue", rf"(?<=\b(?i:{cues})\b[ \t]*:[ \t]*){caps}", 0.6),
            Pattern(
                "one word after a labelled cue",
                rf"(?<=\b(?i:{cues})\b[ \t]*:[ \t]*){_NAME_TOKEN}\b",
                0.6,
            ),
        ],
    )
    run = _capitalized_run(vocabulary, name)
    lone = _lone_name(vocabulary)
    capitals = _capitals_inside(vocabulary)
    given = _given_names(vocabulary)
    number = r"(?=[A-Z0-9\-/]*\d[A-Z0-9\-/]*\d[A-Z0-9\-/]*\d)[A-Z0-9][A-Z0-9\-/]{3,}[A-Z0-9]"
    label_tail = (
        r"(?:[ \t]*(?i:no|num|number|nbr|#|id)\.?)?[ \t]*[:#]?[ \t]*"
        r"(?:(?i:is|was|of|reads)[ \t]+)?"
    )

    def labelled(entity: str, labels: str, score: float = 0.8) -> Any:
        return PatternRecognizer(
            global_regex_flags=_FLAGS,
            supported_entity=entity,
            name=f"{entity.lower()}_by_label",
            patterns=[
                Pattern(
                    "labelled",
                    rf"(?<=\b(?i:{labels}){label_tail})(?!CM\d\d-){number}\b",
                    score,
                )
            ],
        )

    wcab = PatternRecognizer(
        global_regex_flags=_FLAGS,
        supported_entity="CLAIM_NUMBER",
        name="wcab_case_number",
        patterns=[Pattern("WCAB case number", r"\b(?i:ADJ)[ \t]?\d{6,9}\b", 0.9)],
    )
    birth = PatternRecognizer(
        global_regex_flags=_FLAGS,
        supported_entity="DATE_OF_BIRTH",
        name="date_of_birth_by_label",
        patterns=[
            Pattern(
                "labelled date of birth",
                rf"(?<=\b(?i:d\.?o\.?b\.?|date[ \t]+of[ \t]+birth|birth[ \t]*date|born"
                rf"(?:[ \t]+on)?)[ \t]*[:\-]?[ \t]*){DATE}",
                0.9,
            )
        ],
    )
    email = PatternRecognizer(
        global_regex_flags=_FLAGS,
        supported_entity="EMAIL_ADDRESS",
        name="email_address",
        patterns=[Pattern("e-mail", r"\b[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[A-Za-z]{2,}\b", 0.9)],
    )
    suffix_words: set[str] = set()
    for full, shorts in vocabulary.street_suffixes.items():
        suffix_words.add(full)
        suffix_words.update(shorts)
    unit_words: set[str] = set()
    for full, shorts in vocabulary.unit_words.items():
        unit_words.add(full)
        unit_words.update(shorts)
    suffix = "|".join(sorted(suffix_words, key=len, reverse=True))
    units = "|".join(sorted(unit_words, key=len, reverse=True))
    street_word = r"(?:\p{Lu}[\p{Ll}'’]+|\p{Lu}\.?|\d{1,3}(?:st|nd|rd|th))"
    city = r"\p{Lu}[\p{L}.]+(?:[ \t]+\p{Lu}[\p{L}.]+){0,2}"
    state_zip = r"(?:[A-Z]{2}|California)\.?[ \t]+\d{5}(?:-\d{4})?"
    address = PatternRecognizer(
        global_regex_flags=_FLAGS,
        supported_entity="ADDRESS",
        name="street_address",
        patterns=[
            Pattern(
                "street address",
                rf"\b\d{{1,6}}[A-Za-z]?[ \t]+(?:(?i:[NSEW])\.?[ \t]+)?"
                rf"(?:{street_word}[ \t]+){{1,4}}"
                rf"(?i:{suffix})\b\.?(?:,?[ \t]+(?:(?i:{units})\.?|\#)[ \t]*[\w\-]+)?"
                rf"(?:,?\s+{city},?[ \t]+{state_zip})?",
                0.75,
            ),
            Pattern("post office box", r"\b(?i:p\.?[ \t]*o\.?[ \t]*box)[ \t]+\d+\b", 0.8),
            Pattern("city, state and ZIP", rf"\b{city},[ \t]+{state_zip}\b", 0.7),
        ],
    )
    return [
        person,
        run,
        lone,
        *capitals,
        *given,
        labelled("CLAIM_NUMBER", r"claim|clm|wcab|adj|case|file|ref|reference"),
        labelled("POLICY_NUMBER", r"policy|pol|member|subscriber|group|insurance|insured|plan"),
        labelled(
            "RECORD_NUMBER",
            r"mrn|medical[ \t]+record|chart|account|acct|patient|encounter|visit|accession",
        ),
        labelled(
            "ID_NUMBER",
            r"employee|badge|license|licence|lic|npi|dea|tax|ein|"
            r"driver'?s?[ \t]+license|passport|identification|id",
        ),
        labelled("US_SSN", r"ssn|soc[ \t]+sec|social[ \t]+security", 0.85),
        wcab,
        birth,
        email,
        address,
        UsSsnRecognizer(),
        UsItinRecognizer(),
        PhoneRecognizer(supported_regions=("US",), leniency=1),
        CreditCardRecognizer(),
        MedicalLicenseRecognizer(),
    ]


def _capitalized_run(vocabulary: PublicationVocabulary, name: str) -> Any:
    """Two to four capitalized words in a row, none of them a word the guidelines, the
    clinical vocabulary or ordinary English use: most likely a name nobody listed."""
    from presidio_analyzer import Pattern, PatternRecognizer

    particles = vocabulary.particles
    place_words = vocabulary.place_words | frozenset(vocabulary.directions)
    token = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

    class CapitalizedRunRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            words = [w for w in token.findall(pattern_text) if w.lower() not in particles]
            if len(words) < 2:
                return False
            if all(w.lower() in place_words for w in words):  # "West Virginia", "North Carolina"
                return False
            unknown = 0
            for word in words:
                for piece in word.split("-"):
                    key = piece.lower().removesuffix("'s").removesuffix("’s")
                    if (
                        key in vocabulary.known_words
                        or key in vocabulary.role_words
                        or key in vocabulary.titles
                        or key in vocabulary.credentials
                        or vocabulary.clinical(piece)
                        or vocabulary.eponym(piece)
                    ):
                        return False
                    # a common word ("Park", "Young") may be part of a name, not all of it
                    unknown += key not in vocabulary.common_words
            return unknown > 0

    two = name.replace("{0,3}", "{1,3}")
    return CapitalizedRunRecognizer(
        supported_entity="PERSON",
        name="capitalized_run",
        global_regex_flags=_FLAGS,
        patterns=[Pattern("capitalized words", rf"(?<![\p{{L}}'’\-]){two}(?![\p{{L}}'’\-])", 0.4)],
    )


def _unknown(vocabulary: PublicationVocabulary, key: str) -> bool:
    """A lower-cased word that no vocabulary knows, nor spaCy's English stop words."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return not (
        key in STOP_WORDS
        or key in vocabulary.known_words
        or key in vocabulary.common_words
        or key in vocabulary.sentence_words
        or key in vocabulary.role_words
        or key in vocabulary.titles
        or key in vocabulary.credentials
        or key in vocabulary.particles
        or vocabulary.clinical(key)
        or vocabulary.eponym(key)
    )


@dataclass(frozen=True)
class _PersonPlaces:
    """Where a sentence puts a person, as pieces of patterns."""

    #: the start of a clause: of a sentence, or inside one after a comma or a clause opener
    start: str
    #: the start of a clause inside a sentence only, where a capital is a name's
    inside: str
    #: an adverb between a subject and its verb ("also", "still")
    adverb: str
    #: the verbs a subject does
    doing: str
    #: the words that follow a person named after a preposition
    following: str
    prepositions: str

    def after_preposition(self, word: str) -> str:
        """``word`` after a preposition of person ("for", "with"), before a verb, a word that
        follows a person, or the clause's end."""
        return (
            rf"(?<=\b(?i:{self.prepositions})[ \t]+){word}"
            rf"(?=[ \t]+{self.adverb}(?:(?i:{self.doing}|{self.following})|\p{{Ll}}{{2,}}ed)\b"
            rf"|[ \t]*(?:[,.;:!?)]|$))"
        )


def _person_places(v: PublicationVocabulary) -> _PersonPlaces:
    openers = _alternatives(v.clause_openers)
    return _PersonPlaces(
        start=rf"(?<=(?:^[ \t]*|[.!?;:][ \t]+|,[ \t]+|\b(?i:{openers})[ \t]+))",
        inside=rf"(?<=(?:,[ \t]+|\b(?i:{openers})[ \t]+))",
        adverb=rf"(?:(?i:{_alternatives(v.subject_adverbs)})[ \t]+)?",
        doing=_alternatives(tuple(v.subject_verbs) + tuple(v.person_verbs)),
        following=(
            r"with|at|on|after|since|because|during|and|or|who|whose|to|in|from|following|"
            r"regarding|before|until|while|when"
        ),
        prepositions=_alternatives(v.person_prepositions),
    )


def _lone_name(vocabulary: PublicationVocabulary) -> Any:
    """One capitalized word where a person stands (before "reported", after "examined", after
    "the records of", before a possessive) that no vocabulary knows: a first name or nickname
    used alone ("Chuy reported ..."), which has no title or credential to be found by."""
    from presidio_analyzer import Pattern, PatternRecognizer

    word = r"\p{Lu}\p{Ll}{2,}"
    after = r"(?<![\p{L}\p{N}'’\-])"
    ends = r"(?![\p{L}\p{N}\-])"
    verbs = _alternatives(vocabulary.person_verbs)
    objects = _alternatives(vocabulary.person_object_verbs)
    papers = _alternatives(vocabulary.person_documents)
    nouns = _alternatives(vocabulary.eponym_nouns)
    places = _person_places(vocabulary)

    class LoneNameRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            return _unknown(vocabulary, pattern_text.lower())

    return LoneNameRecognizer(
        supported_entity="PERSON",
        name="lone_name",
        global_regex_flags=_FLAGS,
        patterns=[
            Pattern(
                "before what a person does",
                rf"{after}{word}{ends}(?=(?:['’]s)?[ \t]+(?i:{verbs})\b)",
                0.5,
            ),
            Pattern(
                "after what is done to a person",
                rf"(?<=\b(?i:{objects})[ \t]+){word}{ends}",
                0.5,
            ),
            Pattern(
                "after a person's papers", rf"(?<=\b(?i:{papers})[ \t]+of[ \t]+){word}{ends}", 0.5
            ),
            Pattern(
                "after a preposition of person",
                places.after_preposition(rf"{after}{word}{ends}"),
                0.5,
            ),
            Pattern(
                "a subject inside a sentence",
                rf"{places.inside}{after}{word}{ends}"
                rf"(?=[ \t]+{places.adverb}(?i:{places.doing})\b)",
                0.5,
            ),
            Pattern(
                "before a possessive",
                rf"{after}{word}(?=['’]s[ \t]+(?!(?i:{nouns})\b)\p{{Ll}})",
                0.5,
            ),
        ],
    )


def _capitals_inside(vocabulary: PublicationVocabulary) -> list[Any]:
    """Capitalized words inside a sentence, after a word in lower case, that no clinical,
    guideline or letter vocabulary holds. Inside a sentence a capital marks a proper noun, and
    a proper noun no vocabulary knows is a person's name or a name of their world (a nickname,
    a street, a firm) more often than anything a published letter must keep: such a word that
    no word list holds at all (not English nor a form of it, not a name or place) counts
    wherever it stands ("novel_word"); one that is an ordinary word or a name counts when it
    stands alone, no capitalized word beside it, as names do and titles ("Independent Medical
    Review") do not ("lone_capital")."""
    from presidio_analyzer import Pattern, PatternRecognizer

    v = vocabulary
    # a word after a word written wholly in lower case (and a comma or semicolon)
    inside = (
        r"(?<=(?<![\p{L}\p{N}'’\-])\p{Ll}+[,;]?[ \t]+)"
        r"(?<![\p{L}\p{N}'’\-])\p{Lu}\p{Ll}{2,}(?![\p{L}\p{N}\-])"
    )
    alone = r"(?=(?:['’]s)?(?:[ \t]*(?:[,.;:!?)]|$)|[ \t]+\p{Ll}))"

    class NovelWordRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            key = _fold(pattern_text)
            return (
                _unknown(v, key)
                and not v.drug_like(key)
                and not v.ordinary(key)
                and not v.a_name(key)
                and key not in v.given_names
                and key not in v.place_words
            )

    class LoneCapitalRecognizer(PatternRecognizer):
        def validate_result(self, pattern_text: str) -> bool:
            key = _fold(pattern_text)
            return _unknown(v, key) and not v.drug_like(key) and key not in v.place_words

    return [
        NovelWordRecognizer(
            supported_entity="PERSON",
            name="novel_word",
            global_regex_flags=_FLAGS,
            patterns=[Pattern("a capital inside a sentence", inside, 0.5)],
        ),
        LoneCapitalRecognizer(
            supported_entity="PERSON",
            name="lone_capital",
            global_regex_flags=_FLAGS,
            patterns=[Pattern("a lone capital inside a sentence", inside + alone, 0.5)],
        ),
    ]


#: How freely a given name of the name dictionary counts (see ``given_name_level``).
NOT_A_NAME, GREETING_ONLY, SPEECH_ONLY, ANY_PERSON_PLACE = range(4)


def given_name_level(vocabulary: PublicationVocabulary, word: str) -> int:
    """Where a capitalized ``word`` of the name dictionary counts as a person by itself.

    ``ANY_PERSON_PLACE``: a given name and no word of another kind ("Madge", "Ali"), a name
    wherever a sentence puts a person. ``SPEECH_ONLY``: also an ordinary English word (Webster's
    Second writes it in lower case only: "Joy", "Rose", "Ginger", "Paco"), or a particle
    ("Della", "Van"): a name only where the
    position alone says a person (a subject that reports or denies, the object of "examined", a
    greeting, a signature).
    ``GREETING_ONLY``: a drug, guideline or clinical word, eponym or place ("Tinel", "Norco",
    "Fresno", "June"), a name only after "Dear" or alone under "Sincerely,". ``NOT_A_NAME``: not in
    the dictionary, or a stop word, title, credential or role word, never. Months and days
    are kept words, so "Dear June," is a name and "seen June 3" is not.
    """
    from spacy.lang.en.stop_words import STOP_WORDS

    v = vocabulary
    key = _fold(word).removesuffix("'s").removesuffix("’s")
    if key not in v.given_names:
        return NOT_A_NAME
    if key in STOP_WORDS or key in v.titles or key in v.credentials or key in v.role_words:
        return NOT_A_NAME
    if (
        v.clinical(key)
        or v.eponym(key)
        or key in v.known_words
        or key in v.place_words
        or key in v.sentence_words
    ):
        return GREETING_ONLY
    if key in v.english_words or key in v.particles:
        return SPEECH_ONLY
    return ANY_PERSON_PLACE


def _given_names(vocabulary: PublicationVocabulary) -> list[Any]:
    """One capitalized word of the name dictionary where the sentence puts a person and no
    title, credential or cue marks it ("Madge had nausea", "Medications for Mamie included
    Norco", "Dear Joy,"): four recognizers, from the positions that any given name may take
    to those that only an unmistakable person position allows (see ``given_name_level``); an
    ordinary English word among the names counts where a person stands inside a sentence,
    since capitals there are a name's ("Medications for Ginger included Norco")."""
    from presidio_analyzer import Pattern, PatternRecognizer

    v = vocabulary
    # a capitalized word, whole, not beside another capitalized word ("Santa Ana", "San Diego")
    # (a capitalized word before it may be a sentence's first: "Then", "Because")
    openers = _alternatives(
        tuple(v.clause_openers) + tuple(v.subject_adverbs) + tuple(v.greetings) + ("then",)
    )
    alone = (
        r"(?=\p{Lu}\p{Ll})(?<![\p{L}\p{N}'’\-])"
        r"\p{Lu}\p{Ll}+(?![\p{L}\p{N}\-'’])(?![ \t]+\p{Lu})"
    )
    word = (
        rf"(?<!(?<![\p{{L}}'’\-])(?!(?i:{openers})[ \t])\p{{Lu}}[\p{{L}}'’.\-]*[ \t]+)"
        rf"{alone}"
    )
    places = _person_places(v)
    start, adverb, doing = places.start, places.adverb, places.doing
    speaking = _alternatives(v.speech_verbs)

    class GivenNameRecognizer(PatternRecognizer):
        def __init__(self, level: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.level = level

        def validate_result(self, pattern_text: str) -> bool:
            return given_name_level(v, pattern_text) >= self.level

    def recognizer(level: int, name: str, patterns: list[Any]) -> Any:
        # the places joined into one pattern behind a cheap test for a capital: one pass over
        # the text instead of one for each place, and no lookbehind before a small letter
        joined = "|".join(f"(?:{pattern.regex})" for pattern in patterns)
        return GivenNameRecognizer(
            level,
            supported_entity="PERSON",
            name=name,
            global_regex_flags=_FLAGS,
            patterns=[Pattern(name, rf"(?=\p{{Lu}}\p{{Ll}})(?:{joined})", 0.5)],
        )

    # a name owns what a small word after it names ("Joy's lumbar MRI"), an eponym its sign
    possessive = Pattern(
        "before a possessive",
        rf"(?<![\p{{L}}\p{{N}}'’\-])\p{{Lu}}\p{{Ll}}+(?=['’]s[ \t]+"
        rf"(?!(?i:{_alternatives(v.eponym_nouns)})\b)\p{{Ll}})",
        0.5,
    )
    # where a sentence puts a person after a word that says so: any capital there is a name's
    after_a_word = [
        Pattern("after a preposition of person", places.after_preposition(word), 0.5),
        Pattern(
            "after a preposition of place, before a verb",
            rf"(?<=\b(?i:{_alternatives(v.place_prepositions)})[ \t]+){word}"
            rf"(?=[ \t]+{adverb}(?i:{doing})\b)",
            0.5,
        ),
        Pattern(
            "after a finding in",
            rf"(?<=\b(?i:{_alternatives(v.finding_nouns)})[ \t]+in[ \t]+){word}",
            0.5,
        ),
    ]
    where_a_person_stands = [
        Pattern("a subject", rf"{start}{word}(?=[ \t]+{adverb}(?i:{doing})\b)", 0.5),
        Pattern(
            "before what only a person does",
            rf"{word}(?=[ \t]+{adverb}(?i:{_alternatives(v.person_verbs)})\b)",
            0.5,
        ),
        *after_a_word,
        possessive,
    ]
    anywhere = recognizer(
        ANY_PERSON_PLACE, "given_name_where_a_person_stands", where_a_person_stands
    )
    # an ordinary English word is written in small letters inside a sentence: capitalized
    # there ("Medications for Ginger included", "because Lalo had nausea"), it is a name
    capitalized_inside = recognizer(
        SPEECH_ONLY,
        "given_name_capitalized_inside_a_sentence",
        [
            Pattern(
                "a subject inside a sentence",
                rf"{places.inside}{word}(?=[ \t]+{adverb}(?i:{doing})\b)",
                0.5,
            ),
            *after_a_word,
        ],
    )
    speech = recognizer(
        SPEECH_ONLY,
        "given_name_where_only_a_person_stands",
        [
            Pattern(
                "a subject who speaks", rf"{start}{word}(?=[ \t]+{adverb}(?i:{speaking})\b)", 0.5
            ),
            Pattern(
                "after what is done to a person",
                rf"(?<=\b(?i:{_alternatives(v.person_object_verbs)})[ \t]+){word}",
                0.5,
            ),
            possessive,
        ],
    )
    letter = recognizer(
        GREETING_ONLY,
        "given_name_in_a_greeting_or_signature",
        [
            Pattern(
                "a greeting",
                rf"(?<=^[ \t]*(?i:{_alternatives(v.greetings)})[ \t]+){alone}(?=[ \t]*(?:[,:!]|$))",
                0.5,
            ),
            Pattern(
                "a signature",
                rf"(?<=^[ \t]*(?i:{_alternatives(v.closings)})[ \t]*[,.!]?[ \t]*\n[ \t]*)"
                rf"{alone}(?=[ \t]*$)",
                0.5,
            ),
        ],
    )
    return [anywhere, capitalized_inside, speech, letter]


class _BlankEngine:
    """A Presidio NLP engine over ``spacy.blank("en")``: tokens, lower-case lemmas, no entities."""

    def __new__(cls) -> Any:
        import spacy
        from presidio_analyzer.nlp_engine import NlpArtifacts, NlpEngine

        class BlankSpacyNlpEngine(NlpEngine):
            def __init__(self) -> None:
                self.nlp = {"en": spacy.blank("en")}

            def load(self) -> None:
                return None

            def is_loaded(self) -> bool:
                return True

            def process_text(self, text: str, language: str) -> NlpArtifacts:
                doc = self.nlp[language].make_doc(text)
                return NlpArtifacts(
                    entities=[],
                    tokens=doc,
                    tokens_indices=[t.idx for t in doc],
                    lemmas=[t.lower_ for t in doc],
                    nlp_engine=self,
                    language=language,
                )

            def process_batch(self, texts: Any, language: str, **kwargs: Any) -> Any:
                for text in texts:
                    yield text, self.process_text(text, language)

            def is_stopword(self, word: str, language: str) -> bool:
                return bool(self.nlp[language].vocab[word].is_stop)

            def is_punct(self, word: str, language: str) -> bool:
                return bool(self.nlp[language].vocab[word].is_punct)

            def get_supported_entities(self) -> list[str]:
                return []

            def get_supported_languages(self) -> list[str]:
                return ["en"]

        return BlankSpacyNlpEngine()


class Detector:
    """The analyzer with the project's recognizers; thread-safe, built once per process."""

    def __init__(self, vocabulary: PublicationVocabulary | None = None) -> None:
        import logging

        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry

        logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
        self.vocabulary = vocabulary or load_publication_vocabulary()
        registry = RecognizerRegistry(supported_languages=["en"])
        for recognizer in _recognizers(self.vocabulary):
            registry.add_recognizer(recognizer)
        self._engine = AnalyzerEngine(
            registry=registry,
            nlp_engine=_BlankEngine(),
            supported_languages=["en"],
            default_score_threshold=SCORE_THRESHOLD,
        )
        self._token = re.compile(r"[^\W_]+(?:['’][^\W_]+)?|\S")
        nouns = "|".join(sorted(self.vocabulary.eponym_nouns, key=len, reverse=True))
        self._eponym_after = re.compile(rf"(?:['’]s)?\s*(?:{nouns})\b", re.IGNORECASE)

    def detect(self, text: str) -> list[Detection]:
        """Identifiers in ``text``; names made only of clinical or guideline words are dropped."""
        if not text.strip():
            return []
        results = self._engine.analyze(
            text=text,
            language="en",
            score_threshold=SCORE_THRESHOLD,
            regex_flags=_FLAGS,
        )
        out: list[Detection] = []
        for result in results:
            label = LABELS.get(result.entity_type)
            if label is None:
                continue
            start, end = result.start, result.end
            if result.entity_type == "PERSON":
                trimmed = self._trim_person(text, start, end)
                if trimmed is None:
                    continue
                start, end = trimmed
            out.append(Detection(start, end, label, float(result.score)))
        return sorted(out, key=lambda d: (d.start, -d.end, d.label))

    def unknown(self, word: str) -> bool:
        """A capitalized word (or one in capitals) that no vocabulary knows: not a guideline,
        facts, drug, eponym, title, credential, role, common word or English stop word."""
        if not word[:1].isupper() or not (word[1:].islower() or word.isupper()):
            return False
        return _unknown(self.vocabulary, word.lower())

    def _not_a_name(self, word: str) -> bool:
        """A clinical or guideline word, or a word that names a role, never a person's name."""
        key = word.lower()
        v = self.vocabulary
        return v.clinical(word) or key in v.role_words or key in v.titles or key in v.credentials

    def _trim_person(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """The name without clinical or guideline words at either end (``None``: nothing left)."""
        tokens = [
            (m.start() + start, m.end() + start) for m in self._token.finditer(text[start:end])
        ]
        words = [(s, e) for s, e in tokens if text[s:e][:1].isalnum()]
        while words and self._not_a_name(text[words[0][0] : words[0][1]]):
            words.pop(0)
        while words and self._not_a_name(text[words[-1][0] : words[-1][1]]):
            words.pop()
        if not words:
            return None
        lone = len(words) == 1 and self.vocabulary.eponym(text[words[0][0] : words[0][1]])
        if lone and self._eponym_after.match(text, words[0][1]):
            return None
        return words[0][0], words[-1][1]


_DETECTOR_LOCK = threading.Lock()


@cache
def detector() -> Detector:
    """The process's one detector (building it compiles every pattern)."""
    with _DETECTOR_LOCK:
        return Detector()
