"""Request normalization: free text as the request or UR letter words it -> what is reviewed.

"Physical therapy 8 sessions was the original request. Physical therapy 6 sessions was
authorized ... The remaining IMR eligible portion ..., Physical therapy 2 sessions" becomes the
remaining portion (2 sessions of physical therapy, lumbar if named), with the authorized part
kept apart: it counts toward the course but is not in dispute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from openimr.domain import Drug, NormalizedRequest, Quantity, UrModification
from openimr.facts.text import NUMBER_PATTERN, parse_number
from openimr.facts.vocabulary import Vocabulary
from openimr.knowledge.modifications import read_ur_modification
from openimr.knowledge.topics import KnowledgeBase, Topic

UNMAPPED = "unmapped"

_NUM = NUMBER_PATTERN

_FREQ_DURATION = re.compile(
    rf"(?:(?P<lo>{_NUM})\s*(?:to|-)\s*)?(?P<f>{_NUM})\s*(?:x|times)\s*(?:a|per|/|each)?\s*"
    rf"(?:week|wk)s?(?:ly)?,?\s*(?:for|x|times)?\s*(?P<w>{_NUM})\s*(?:weeks?|wks?)",
    re.IGNORECASE,
)
_FREQ_SHORT = re.compile(r"(?<![\w/.])(?P<f>\d)\s*x\s*(?P<w>\d{1,2})(?![\w/%])", re.IGNORECASE)
_TIMES_N = re.compile(r"\b(?P<f>\d)\s+times\s+(?P<n>\d{1,2})\b", re.IGNORECASE)
_COUNT_UNITS = re.compile(
    rf"(?:\(\s*)?(?P<n>{_NUM})(?:-(?=(?:days?|hours?|weeks?|months?)\b)|\s*)"
    rf"(?:\(\s*\d+\s*\)\s*)?(?:additional\s+|more\s+|initial\s+|"
    rf"\w+\s+){{0,2}}?(?<!\ba )(?<!\bper )(?<!\beach )(?<!\bevery )"
    rf"(?P<unit>sessions?|visits?|treatments?|hours?|days?|months?|weeks?)\b",
    re.IGNORECASE,
)
_UNITS_COUNT = re.compile(
    r"(?P<unit>sessions?|visits?|treatments?)\s*(?:x|#|of|:)?\s*(?P<n>\d{1,3})\b", re.IGNORECASE
)
_HASH = re.compile(rf"(?:#|qty\.?:?\s*|quantity:?\s*)(?P<n>\d{{1,4}}|{_NUM})\b", re.IGNORECASE)
#: "times 6" (six sessions), not "2 times a week"
_TIMES_COUNT = re.compile(
    r"(?<!\d)(?<!\d )\btimes\s+(?P<n>\d{1,2})\b(?!\s*(?:a|per|each|weekly|/|x)\b)", re.IGNORECASE
)
#: a count standing alone in brackets after the service's name ("Acupuncture (6)")
_BRACKETED_COUNT = re.compile(r"^[A-Za-z][\w\s/-]*?\s\((?P<n>\d{1,2})\)\s*$")
#: a number written in words and then in digits ("two (2) times a week"): the digits are read
_DOUBLED = re.compile(rf"\b(?P<word>{_NUM})\s*\(\s*(?P<digits>\d{{1,3}})\s*\)", re.IGNORECASE)
#: "twice a week", "once weekly": the frequency in the form the patterns read
_ONCE_TWICE = re.compile(
    r"\b(?P<word>once|twice)(?=\s*(?:a|per|each)?\s*(?:week|wk))", re.IGNORECASE
)
_X_COUNT = re.compile(r"(?<![\w/])x\s?(?P<n>\d{1,2})\b", re.IGNORECASE)
_STRENGTH = re.compile(
    r"(?P<s>\d+(?:\.\d+)?(?:\s*[-/]\s*\d+(?:\.\d+)?)?\s*(?:mg|mcg|g|%|mg/ml|mg/5ml|mcg/hr))",
    re.IGNORECASE,
)
_GRAMS = re.compile(r"(?P<n>\d+(?:\.\d+)?)\s*(?P<unit>grams?|gm|g|ml|oz)\b", re.IGNORECASE)
_REFILLS = re.compile(
    rf"(?:with\s+)?(?P<n>{_NUM}|no)\s+refills?|(?P<n2>{_NUM})\s+refills?\s+of", re.IGNORECASE
)
_PERCENT_INGREDIENT = re.compile(r"\d+(?:\.\d+)?\s*%")
_COMPOUND_SPLIT = re.compile(r"\s*(?:/|,|\+|\band\b)\s*", re.IGNORECASE)


def _number(text: str) -> float | None:
    return parse_number(text)


@dataclass(frozen=True)
class NormalizedItem:
    """The normalized request plus what the engine needs beside it."""

    request: NormalizedRequest
    topic: Topic | None
    ur_modification: UrModification | None
    authorized_quantity: float | None
    region_inferred: bool = False


def split_modification(text: str) -> UrModification | None:
    """Read a UR modification sentence into original, authorized and remaining parts."""
    return read_ur_modification(text)


def _quantity(
    text: str, unit_hint: str | None
) -> tuple[Quantity | None, float | None, float | None]:
    """Quantity, frequency per week and duration in weeks stated in a request."""
    text = _DOUBLED.sub(_doubled, text)
    text = _ONCE_TWICE.sub(
        lambda m: "1 times" if m.group("word").lower() == "once" else "2 times", text
    )
    frequency = duration = None
    match = _FREQ_DURATION.search(text)
    if match:
        frequency = _number(match.group("f"))
        duration = _number(match.group("w"))
    else:
        short = _FREQ_SHORT.search(text)
        if short and unit_hint in {"sessions", "visits", None}:
            frequency, duration = float(short.group("f")), float(short.group("w"))
    explicit: Quantity | None = None
    hashed = _HASH.search(text)
    if hashed and unit_hint in {"tablets", "units", None}:
        explicit = Quantity(value=_number(hashed.group("n")) or 0.0, unit=unit_hint or "units")
    for count in () if explicit else _COUNT_UNITS.finditer(text):
        value = _number(count.group("n"))
        unit = count.group("unit").lower().rstrip("s") + "s"
        if value is None or (unit in {"weeks", "days"} and frequency is not None):
            continue
        if unit == "weeks":
            continue
        explicit = Quantity(value=value, unit=unit)
        break
    if explicit is None:
        match_units = _UNITS_COUNT.search(text)
        if match_units:
            explicit = Quantity(
                value=float(match_units.group("n")),
                unit=match_units.group("unit").lower().rstrip("s") + "s",
            )
    if explicit is None:
        hashed = _HASH.search(text)
        if hashed:
            explicit = Quantity(value=_number(hashed.group("n")) or 0.0, unit=unit_hint or "units")
    if explicit is None:
        times = _TIMES_N.search(text)
        if times and frequency is None:
            explicit = Quantity(value=float(times.group("n")), unit=unit_hint or "sessions")
    if explicit is None and frequency is None:
        x_count = _X_COUNT.search(text) or _TIMES_COUNT.search(text)
        if x_count:
            explicit = Quantity(value=float(x_count.group("n")), unit=unit_hint or "sessions")
    if explicit is None and frequency is None and unit_hint in {"sessions", "visits"}:
        bracketed = _BRACKETED_COUNT.match(text.strip())
        if bracketed:
            explicit = Quantity(value=float(bracketed.group("n")), unit=unit_hint)
    if explicit is None and frequency is not None and duration is not None:
        explicit = Quantity(value=frequency * duration, unit=unit_hint or "sessions")
    return explicit, frequency, duration


def _doubled(match: re.Match[str]) -> str:
    """ "two (2)" read as "2" when the word and the digits agree; otherwise left as written."""
    if _number(match.group("word")) == float(match.group("digits")):
        return match.group("digits")
    return match.group(0)


def _regions(text: str, vocab: Vocabulary) -> list[str]:
    found: list[tuple[int, str]] = []
    for key, term in vocab.regions.items():
        match = term.pattern.search(text)
        if match:
            found.append((match.start(), key))
    return [key for _position, key in sorted(found)]


def _laterality(text: str, vocab: Vocabulary) -> str | None:
    sides = [side for side, pattern in vocab.laterality.items() if pattern.search(text)]
    if "bilateral" in sides or {"left", "right"} <= set(sides):
        return "bilateral"
    return sides[0] if sides else None


def _drugs(text: str, vocab: Vocabulary) -> tuple[Drug | None, list[Drug]]:
    mentions = [
        (text[start:end], entry) for start, end, entry in vocab.drug_index.find(text.lower())
    ]
    if not mentions:
        return None, []
    strength = _STRENGTH.search(text)
    lowered = text.lower()
    form = next((word for word in vocab.drug_forms if word in lowered), None)
    first_name, first = mentions[0]
    ingredients: list[Drug] = []
    compound = len(mentions) > 1 and (
        _PERCENT_INGREDIENT.search(text) is not None
        or "/" in text
        or any(word in lowered for word in vocab.compound_words)
    )
    if first.ingredients and not compound:
        ingredients = [
            Drug(
                name=name,
                generic=(vocab.drug(name).generic if vocab.drug(name) else name),
                drug_class=(vocab.drug(name).drug_class if vocab.drug(name) else None),
            )
            for name in first.ingredients
        ]
    elif compound:
        seen = set()
        for name, entry in mentions:
            if entry.generic in seen:
                continue
            seen.add(entry.generic)
            ingredients.append(Drug(name=name, generic=entry.generic, drug_class=entry.drug_class))
    drug = Drug(
        name=first_name,
        generic=first.generic,
        drug_class=first.drug_class,
        strength=strength.group("s").replace(" ", "") if strength else None,
        form=form,
    )
    return drug, ingredients


def _refills(text: str) -> int | None:
    match = _REFILLS.search(text)
    if not match:
        return None
    raw = match.group("n") or match.group("n2")
    if raw.lower() == "no":
        return 0
    value = _number(raw)
    return int(value) if value is not None else None


def match_topic(
    text: str,
    knowledge: KnowledgeBase,
    drug: Drug | None,
    ingredients: list[Drug],
    regions: list[str],
    modalities: list[str],
) -> Topic | None:
    """The most specific topic whose match rules all hold for the request."""
    best: tuple[int, int, Topic] | None = None
    for order, compiled in enumerate(knowledge.matchers):
        spec = compiled.topic.match
        if compiled.exclude is not None and compiled.exclude.search(text):
            continue
        score = 0
        if compiled.patterns is not None:
            if not compiled.patterns.search(text) and not (spec.or_any_drug and drug is not None):
                continue
            score += 2
        if spec.drugs or spec.drug_classes:
            if drug is None:
                continue
            classes = {drug.drug_class} | {i.drug_class for i in ingredients}
            generics = {drug.generic} | {i.generic for i in ingredients}
            if not (set(spec.drugs) & generics or set(spec.drug_classes) & classes):
                continue
            score += 3 if set(spec.drugs) & generics else 2
        if spec.modalities:
            if not set(spec.modalities) & set(modalities):
                continue
            score += 2
        if spec.regions:
            if not set(spec.regions) & set(regions):
                continue
            score += 2
        if score == 0:
            continue
        score += spec.priority
        key = (score, -order)
        if best is None or key > (best[0], best[1]):
            best = (score, -order, compiled.topic)
    return best[2] if best else None


def normalize_request(
    text: str,
    knowledge: KnowledgeBase,
    vocab: Vocabulary,
    fallback_regions: tuple[str, ...] = (),
) -> NormalizedItem:
    """Normalize one disputed item's request text.

    ``fallback_regions`` (the body regions the records are about) are used only when the
    request names no region ("Neurosurgical consultation"), and the result says so.
    """
    modification = split_modification(text)
    reviewed = modification.remaining if modification else text.strip()
    # The remaining portion is often elliptical ("2 sessions"); read the topic from the original.
    topic_text = reviewed
    if modification and modification.original_request:
        topic_text = f"{reviewed} ({modification.original_request})"
    drug, ingredients = _drugs(topic_text, vocab)
    regions = _regions(topic_text, vocab)
    modalities = [key for key, term in vocab.modalities.items() if term.pattern.search(topic_text)]
    topic = match_topic(topic_text, knowledge, drug, ingredients, regions, modalities)
    region_inferred = False
    if not regions and fallback_regions:
        with_fallback = match_topic(
            topic_text, knowledge, drug, ingredients, list(fallback_regions), modalities
        )
        if (
            with_fallback is not None
            and with_fallback.match.regions
            and (topic is None or with_fallback.match.priority >= topic.match.priority)
        ):
            topic, regions, region_inferred = with_fallback, list(fallback_regions[:1]), True
    unit_hint = topic.unit if topic else None
    quantity, frequency, duration = _quantity(reviewed, unit_hint)
    if drug is not None and quantity is None:
        grams = _GRAMS.search(reviewed)
        if grams:
            quantity = Quantity(value=float(grams.group("n")), unit=grams.group("unit").lower())
    authorized_quantity = None
    if modification and modification.authorized:
        authorized, _f, _d = _quantity(modification.authorized, unit_hint)
        authorized_quantity = authorized.value if authorized else None
    normalized = NormalizedRequest(
        topic=topic.id if topic else UNMAPPED,
        topic_title=topic.title if topic else None,
        reviewed_text=reviewed,
        quantity=quantity,
        frequency_per_week=frequency,
        duration_weeks=duration,
        refills=_refills(reviewed),
        body_regions=regions,
        laterality=_laterality(topic_text, vocab),  # type: ignore[arg-type]
        drug=drug,
        ingredients=ingredients,
        retrospective=vocab.says("retrospective", text),
        continuation=vocab.says("continuation", reviewed) or modification is not None,
        first_course=vocab.says("first_course", reviewed),
        doses_per_day=next(
            (per_day for pattern, per_day in vocab.doses_per_day if pattern.search(text)), None
        ),
    )
    return NormalizedItem(normalized, topic, modification, authorized_quantity, region_inferred)
