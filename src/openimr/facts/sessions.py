"""Sessions of a treatment already given, from the counts the records state near it
("8 sessions of physical therapy", "2x a week for 6 weeks")."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from openimr.domain import Evidence
from openimr.facts.mentions import Mention
from openimr.facts.text import NUMBER_PATTERN, Sentence, find_dates, parse_number

if TYPE_CHECKING:
    from openimr.facts.clinical_facts import ClinicalFacts

NUMBER = NUMBER_PATTERN

_COUNT_BEFORE = re.compile(
    rf"(?<![\w/.-])(?P<n>{NUMBER})(?:/(?P<of>\d{{1,3}}))?\s+(?:[\w-]+\s+){{0,3}}?"
    r"(?P<unit>sessions?|visits?|treatments?|reports?|appointments?)\b",
    re.IGNORECASE,
)
_FREQUENCY = re.compile(
    rf"(?P<f>{NUMBER})\s*(?:x|times)\s*(?:a|per|/)?\s*(?:week|wk)?\s*(?:for|x)\s*(?P<w>{NUMBER})\s*(?:weeks?|wks?)",
    re.IGNORECASE,
)
#: the clinic's shorthand: "2x4" (twice a week for four weeks), "x6" (six times)
_SHORTHAND = re.compile(
    r"(?<![\w/.-])(?:(?P<f>[1-5])\s?x\s?(?P<w>\d{1,2})(?![\w/%-]|\.\d|\s*(?:days?|months?|mg|hours?))"
    r"|x\s?(?P<n>\d{1,2})(?![\w/%-]|\.\d|\s*(?:days?|weeks?|wks?|months?|mg|tabs?|tablets?|refills?|hours?)))",
    re.IGNORECASE,
)


#: a weekly frequency without a number of weeks ("twice a week", "3x/week", "two times weekly")
_PER_WEEK = re.compile(
    rf"(?:(?P<f>{NUMBER})\s*(?:x|times)\s*(?:a|per|/|each)?\s*(?:week|wk)|(?P<w>once|twice)"
    rf"\s*(?:a|per|each)?\s*week|(?P<g>{NUMBER})\s*(?:x|times)\s*weekly|(?P<h>once|twice) weekly)",
    re.IGNORECASE,
)
_RANGE_WORD = re.compile(r"^\W*(?:to|through|thru|until|till|and|-|–)\W*$", re.IGNORECASE)


def _count_from_dates(text: str) -> tuple[int, int, int] | None:
    """Sessions given at a weekly frequency between two dates ("twice a week from 9/1/2016 to
    10/27/2016"): the count, and the span of the text that states it."""
    frequency = _PER_WEEK.search(text)
    if frequency is None:
        return None
    word = frequency.group("w") or frequency.group("h")
    if word:
        per_week = 1.0 if word.lower() == "once" else 2.0
    else:
        per_week = parse_number(frequency.group("f") or frequency.group("g") or "") or 0.0
    dates = [d for d in find_dates(text) if d.precision == "day"]
    for first, second in itertools.pairwise(dates):
        if not _RANGE_WORD.match(text[first.end : second.start]):
            continue
        weeks = (second.value - first.value).days / 7.0
        count = round(per_week * weeks)
        if 0 < per_week <= 7 and 0 < weeks <= 104 and 0 < count <= 200:
            return count, min(frequency.start(), first.start), max(frequency.end(), second.end)
    return None


@dataclass(frozen=True, slots=True)
class SessionCount:
    count: int | None
    extensive: bool
    evidence: tuple[Evidence, ...]


def count_sessions(facts: ClinicalFacts, kind: str) -> SessionCount:
    """Sessions of a treatment already given, from counts stated near its mentions."""
    nearby: dict[tuple[int, int], list[Mention]] = {}
    for (mention_kind, _key), mentions in facts.mentions.items():
        if mention_kind == "treatment":
            for m in mentions:
                nearby.setdefault((m.record_index, m.sentence.start), []).append(m)
    best = SessionCount(None, False, ())
    for mention in facts.of("treatment", kind):
        mods = mention.modifiers
        if mods.hypothetical or mods.family or mods.possible:
            continue
        if mods.negated and (mods.negation_distance or 0) <= 3:
            continue
        if facts.is_request(mention.sentence):
            continue
        count, extensive, evidence = _count_near(facts, mention.sentence, mention, nearby)
        if count is None and not extensive:
            continue
        total = max(best.count or 0, count or 0)
        best = SessionCount(total or None, best.extensive or extensive, (*best.evidence, evidence))
    return best


def _count_near(
    facts: ClinicalFacts,
    sentence: Sentence,
    mention: Mention,
    treatments_by_sentence: dict[tuple[int, int], list[Mention]],
) -> tuple[int | None, bool, Evidence]:
    """A session count stated in the sentence of a treatment mention, nearest to it."""
    text = sentence.text
    offset = sentence.start
    span = (mention.start - offset, mention.end - offset)
    candidates: list[tuple[int, int, re.Match[str]]] = []
    for match in _COUNT_BEFORE.finditer(text):
        value = _number(match.group("n"))
        if value is None or value > 200:
            continue
        candidates.append((_gap(match, span), value, match))
    for match in _FREQUENCY.finditer(text):
        per_week, weeks = _number(match.group("f")), _number(match.group("w"))
        if per_week and weeks:
            candidates.append((_gap(match, span), per_week * weeks, match))
    for match in _SHORTHAND.finditer(text):
        if match.group("n"):
            total = int(match.group("n"))
        else:
            total = int(match.group("f")) * int(match.group("w"))
        if 0 < total <= 60:
            candidates.append((_gap(match, span), total, match))
    # a count belongs to this treatment only if no other treatment mention is nearer to it
    others = [
        (m.start - offset, m.end - offset)
        for m in treatments_by_sentence.get((sentence.record_index, sentence.start), ())
        if m.key != mention.key
    ]
    best: tuple[int, int, re.Match[str]] | None = None
    for distance, value, match in sorted(candidates, key=lambda c: (c[0], c[2].start())):
        if any(_gap(match, other) < distance for other in others):
            continue
        best = (distance, value, match)
        break
    extensive = facts.vocabulary.says("extensive_treatment", text)
    if best is None and not others:
        dated = _count_from_dates(text)
        if dated is not None:
            value, start, end = dated
            return (
                value,
                extensive,
                Evidence(
                    record_index=sentence.record_index,
                    start=offset + start,
                    end=offset + end,
                    quote=text[start:end],
                ),
            )
    if best is None:
        return (
            None,
            extensive,
            Evidence(
                record_index=sentence.record_index,
                start=sentence.start,
                end=sentence.end,
                quote=text,
            ),
        )
    _distance, value, match = best
    return (
        value,
        extensive,
        Evidence(
            record_index=sentence.record_index,
            start=offset + match.start(),
            end=offset + match.end(),
            quote=match.group(0),
        ),
    )


def _gap(match: re.Match[str], span: tuple[int, int]) -> int:
    """Characters between a stated count and a treatment's name (0 when they touch), so that
    a count written after the name ("physical therapy (12 visits)") is as near as one before."""
    if match.start() >= span[1]:
        return match.start() - span[1]
    if match.end() <= span[0]:
        return span[0] - match.end()
    return 0


def _number(value: str) -> int | None:
    number = parse_number(value)
    return int(number) if number is not None and number.is_integer() else None
