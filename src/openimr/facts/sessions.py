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
    r"(?P<unit>sessions?|visits?|treatments?|reports?|appointments?|occasions)\b",
    re.IGNORECASE,
)
#: a weekly frequency for a number of weeks or months ("2x a week for 6 weeks", "2 to 3
#: times weekly for 3 months"); of a range of frequencies the lower is counted
_FREQUENCY = re.compile(
    rf"(?P<f>{NUMBER})(?:\s*(?:-|–|to)\s*{NUMBER})?\s*(?:x|times)\s*(?:a|per|/)?\s*"
    rf"(?:week|wk)?(?:ly)?,?\s*(?:for|x)\s*(?P<w>{NUMBER})\s*(?:(?P<weeks>weeks?|wks?)|months?)\b",
    re.IGNORECASE,
)
#: a count written as a label's value ("visits to date: 24", "sessions completed = 12")
_COUNT_AFTER = re.compile(
    rf"\b(?:sessions|visits|treatments)(?:\s+(?:to date|so far|completed|attended|used))?"
    rf"\s*[:=]\s*(?P<n>{NUMBER})\b",
    re.IGNORECASE,
)
#: the visit reached ("her 20th visit of physical therapy", "PT visit #12", "visit 10 of 12")
_ORDINAL = re.compile(
    r"(?<![\w/.-])(?P<n>\d{1,3})(?:st|nd|rd|th)\s+(?:[\w-]+\s+){0,2}?(?:sessions?|visits?|treatments?)\b"
    r"|\b(?:sessions?|visits?|treatments?)\s*(?:#|no\.?|number)\s*(?:\d{1,3}\s*(?:-|–|to)\s*)?(?P<m>\d{1,3})\b"
    r"|\b(?:session|visit|treatment)\s*(?:#|no\.?|number)?\s*(?P<k>\d{1,3})"
    r"\s*(?:of|/|out of)\s*\d{1,3}\b",
    re.IGNORECASE,
)
#: a count standing alone in brackets right after the treatment's name ("physical therapy (24)")
_BRACKETED = re.compile(r"^\s*\((?:approximately |about |over |at least )?(?P<n>\d{1,3})\)")
#: counts given per period and joined ("12 sessions in 2015 and 12 in 2016"): summed
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_PERIOD = (
    rf"(?:in|during)\s+(?:(?:early|late|mid)\s+)?(?:\d{{4}}|{_MONTH}(?:\s+\d{{4}})?)"
    r"|(?:last|this)\s+(?:year|spring|summer|fall|autumn|winter)"
)
_PERIOD_COUNT = re.compile(
    rf"(?<![\w/.-])(?P<n>{NUMBER})\s+(?:(?:[\w-]+\s+){{0,3}}?(?:sessions?|visits?|treatments?)\s+)?"
    rf"(?:{_PERIOD})\b",
    re.IGNORECASE,
)
_PERIOD_JOIN = re.compile(
    r"^\s*(?:,|;|and|plus|, and|, then|then)\s*(?:another\s+|an additional\s+|a further\s+)?$",
    re.IGNORECASE,
)
#: a list's separator: a count does not reach across one to a treatment on its other side
_SEPARATOR = re.compile(r"[,;()]")
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


def count_sessions(facts: ClinicalFacts, kind: str, regions: tuple[str, ...] = ()) -> SessionCount:
    """Sessions of a treatment already given, from counts stated near its mentions; with
    ``regions``, mentions whose clause names another body part are left out."""
    allowed = facts.vocabulary.regions_of_a_course(regions) if regions else None
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
        if allowed is not None and not facts.bears_on(mention, allowed):
            continue
        negated = mods.negated and (mods.negation_distance or 0) <= 3
        if negated and not facts.outcome_negated(mention):
            continue
        if facts.is_request_at(mention):
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
    found: list[tuple[int, int, int]] = []  # (value, start, end) of each stated count
    for match in _COUNT_BEFORE.finditer(text):
        value = _number(match.group("n"))
        if value is not None and value <= 200:
            found.append((value, match.start(), match.end()))
    for match in _COUNT_AFTER.finditer(text):
        value = _number(match.group("n"))
        if value is not None and value <= 200:
            found.append((value, match.start(), match.end()))
    for match in _ORDINAL.finditer(text):
        value = int(match.group("n") or match.group("m") or match.group("k"))
        if 0 < value <= 200:
            found.append((value, match.start(), match.end()))
    for match in _FREQUENCY.finditer(text):
        per_week, length = _number(match.group("f")), _number(match.group("w"))
        if per_week and length:
            weeks = length if match.group("weeks") else length * 4
            if per_week * weeks <= 200:
                found.append((per_week * weeks, match.start(), match.end()))
    for match in _SHORTHAND.finditer(text):
        if match.group("n"):
            total = int(match.group("n"))
        else:
            total = int(match.group("f")) * int(match.group("w"))
        if 0 < total <= 60:
            found.append((total, match.start(), match.end()))
    bracketed = _BRACKETED.match(text[span[1] :])
    if bracketed is not None:
        found.append(
            (int(bracketed.group("n")), span[1] + bracketed.start("n"), span[1] + bracketed.end())
        )
    found.extend(_period_sums(text))
    # a count belongs to this treatment only if no other treatment mention is nearer to it
    others = [
        (m.start - offset, m.end - offset)
        for m in treatments_by_sentence.get((sentence.record_index, sentence.start), ())
        if m.key != mention.key
    ]
    best: tuple[int, int, int] | None = None
    # nearest first, then earliest, then longest; among equals, in the order found
    reaches = [_reach(text, (start, end), span) for _value, start, end in found]
    order = sorted(range(len(found)), key=lambda i: (reaches[i], found[i][1], -found[i][2], i))
    for i in order:
        _value, start, end = found[i]
        if any(_reach(text, (start, end), other) < reaches[i] for other in others):
            continue
        best = found[i]
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
    value, start, end = best
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


def _period_sums(text: str) -> list[tuple[int, int, int]]:
    """Counts given period by period and joined ("12 visits in 2015 and 8 in 2016"), summed."""
    sums: list[tuple[int, int, int]] = []
    run: list[re.Match[str]] = []
    for match in [*_PERIOD_COUNT.finditer(text), None]:
        if match is not None and run and _PERIOD_JOIN.match(text[run[-1].end() : match.start()]):
            run.append(match)
            continue
        if len(run) > 1:
            values = [_number(m.group("n")) for m in run]
            if all(values):
                total = sum(v for v in values if v)
                if total <= 200:
                    sums.append((total, run[0].start(), run[-1].end()))
        run = [match] if match is not None else []
    return sums


def _reach(text: str, count: tuple[int, int], span: tuple[int, int]) -> tuple[int, int]:
    """How far a stated count is from a treatment's name: first whether a list's separator
    stands between them ("physical therapy (over 30 visits), injections"), then the characters
    between (0 when they touch, so that a count written after the name is as near as one
    before)."""
    if count[0] >= span[1]:
        between = text[span[1] : count[0]]
        crossed = bool(_SEPARATOR.search(between.lstrip(" (")))
        return int(crossed), count[0] - span[1]
    if count[1] <= span[0]:
        between = text[count[1] : span[0]]
        crossed = bool(_SEPARATOR.search(between.rstrip(" )")))
        return int(crossed), span[0] - count[1]
    return 0, 0


def _number(value: str) -> int | None:
    number = parse_number(value)
    return int(number) if number is not None and number.is_integer() else None
