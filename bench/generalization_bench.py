"""Generalization benchmark: do the proposals hold when a case is dated or worded otherwise?

    .venv/bin/python bench/generalization_bench.py [--cases ../shared/eval-dev/cases.jsonl]

Reads only the tuning half of the development set (the check half stays unread). Reports:

- the phase of care of the cases (weeks from the date of injury to the UR decision), since a
  set of recent injuries says little about claims years old;
- decisions and families that change when every date of a case moves by whole years, into
  the 2009 MTUS edition or the evidence-based MTUS of December 2017;
- decisions that change when the records are worded as long-running claims are ("the
  applicant", "thus far ... treated with", "physiotherapy", "reports of"), or in the clinic's
  shorthand ("SLR +", "TTP", "McMurray (+)", "PT", "w/"), or run together as one list of
  clauses between semicolons;
- decisions that change when the application gives no date of injury (the records' own
  statement of it is read);
- decisions that change when the records come as a PDF's text layer or a fax's OCR gives
  them (lines broken at 72 columns, long words hyphenated at the line end), or in capitals;
- decisions that change when the records write their dates in words or as "1-18-17";
- decisions that change when the records come in the opposite order, or each split in two at
  a sentence (a note that came as two documents; this may rightly change a decision, since a
  finding about a body region counts in the record that names the region);
- decisions that change when the injury is three years older (a chronic claim; this one may
  rightly change decisions, since the guidelines treat the phases of care differently).

This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import copy
import json
import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

# Other ways clinics and reviewers word the same facts (our own list, not taken from letters).
REWORDING: tuple[tuple[str, str], ...] = (
    (r"\bThe injured worker\b", "The applicant"),
    (r"\bthe injured worker\b", "the applicant"),
    (r"\binjured worker's\b", "applicant's"),
    (r"\bphysical therapy\b", "physiotherapy"),
    (r"\bPhysical therapy\b", "Physiotherapy"),
    (
        r"\bTreatments? to date (?:has |have )?(?:included|include)d?\b",
        "Thus far, the applicant has been treated with the following:",
    ),
    (r"\bmagnetic resonance imaging\b", "MRI"),
    (r"\bnon-certified\b", "denied"),
    (r"\bcomplained of\b", "reported"),
    (r"\bcomplaints of\b", "reports of"),
    (r"\bout of 10\b", "/10"),
    (
        r"\bphysical exam(?:ination)? (?:revealed|noted|documented|showed)\b",
        "examination was notable for",
    ),
)

# The clinic's shorthand for the same findings (our own list): abbreviations and signs.
SHORTHAND: tuple[tuple[str, str], ...] = (
    (r"\b[Pp]ositive straight[- ]leg[- ]rais(?:e|ing)(?: test)?\b", "SLR +"),
    (r"\bstraight[- ]leg[- ]rais(?:e|ing)(?: test)? (?:was |is )?positive\b", "SLR +"),
    (r"\btenderness to palpation\b", "TTP"),
    (r"\b[Pp]hysical therapy\b", "PT"),
    (r"\brange of motion\b", "ROM"),
    (r"\b[Bb]ilateral\b", "bilat"),
    (
        r"\b[Pp]ositive (McMurray|Neer|Hawkins|Spurling|Phalen|Tinel)(?:'s)?(?: test| sign)?",
        r"\1 (+)",
    ),
    (r"\bdeep tendon reflexes\b", "DTRs"),
    (r"\bactivities of daily living\b", "ADLs"),
    (r"\bhome exercise program\b", "HEP"),
    (r"\bepidural steroid injection\b", "ESI"),
    (r"\bnon-steroidal anti-inflammatory drugs?\b", "NSAIDs"),
    (r"\bwith\b", "w/"),
)


def _shift(value: str, years: int) -> str:
    day = date.fromisoformat(value)
    try:
        return day.replace(year=day.year + years).isoformat()
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28).isoformat()


def shifted(case: dict[str, Any], years: int) -> dict[str, Any]:
    """The case with every date, and every year written in its text, moved by ``years``."""
    out = copy.deepcopy(case)

    def text(value: str) -> str:
        return re.sub(r"\b(20[01]\d)\b", lambda m: str(int(m.group(1)) + years), value)

    if out.get("ur_decision_date"):
        out["ur_decision_date"] = _shift(out["ur_decision_date"], years)
    claimant = out.get("claimant") or {}
    if claimant.get("date_of_injury"):
        claimant["date_of_injury"] = _shift(claimant["date_of_injury"], years)
    for record in out["records"]:
        if record.get("date"):
            record["date"] = _shift(record["date"], years)
        record["text"] = text(record["text"])
    for item in out["disputed_items"]:
        item["request"] = text(item["request"])
    return out


#: a note written as one running list ("Low back pain; failed PT; MRI requested."): each
#: sentence's full stop but the record's last becomes a semicolon
SEMICOLONS: tuple[tuple[str, str], ...] = ((r"(?<=[a-z0-9)])\.\s+(?=[A-Z])", "; "),)


def reworded(
    case: dict[str, Any], rules: tuple[tuple[str, str], ...] = REWORDING
) -> dict[str, Any]:
    out = copy.deepcopy(case)
    for record in out["records"]:
        for pattern, replacement in rules:
            record["text"] = re.sub(pattern, replacement, record["text"])
    return out


def wrapped(case: dict[str, Any], width: int = 72) -> dict[str, Any]:
    """Each record as a PDF's text layer or a fax's OCR gives it: lines broken at ``width``
    columns, and a long word that would cross the margin split with a hyphen at the line end."""
    out = copy.deepcopy(case)
    for record in out["records"]:
        lines: list[str] = []
        line = ""
        for word in record["text"].split():
            if len(line) + 1 + len(word) <= width or not line:
                line = f"{line} {word}".strip()
                continue
            room = width - len(line) - 2
            if len(word) >= 8 and word.isalpha() and room >= 3:
                lines.append(f"{line} {word[:room]}-")
                line = word[room:]
            else:
                lines.append(line)
                line = word
        record["text"] = "\n".join([*lines, line])
    return out


def shouted(case: dict[str, Any]) -> dict[str, Any]:
    """Each record in capitals, as older dictation and some clinics' systems print them."""
    out = copy.deepcopy(case)
    for record in out["records"]:
        record["text"] = record["text"].upper()
    return out


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")  # fmt: skip


def _date_written(match: re.Match[str], style: str) -> str:
    month, day, year = int(match.group(1)), int(match.group(2)), match.group(3)
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return match.group(0)
    year = year if len(year) == 4 else f"20{year}"
    if style == "words":
        return f"{_MONTH_NAMES[month - 1]} {day}, {year}"
    return f"{month}-{day}-{year[2:]}"


def redated(case: dict[str, Any], style: str) -> dict[str, Any]:
    """Each date the records write as digits ("01/18/2017") written otherwise: in words
    ("January 18, 2017") or with dashes and a two-digit year ("1-18-17")."""
    out = copy.deepcopy(case)
    digits = re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19|20)?\d{2})\b")
    for record in out["records"]:
        record["text"] = digits.sub(lambda m: _date_written(m, style), record["text"])
    return out


def reversed_records(case: dict[str, Any]) -> dict[str, Any]:
    """The records in the opposite order (their dates unchanged): a file assembled otherwise."""
    out = copy.deepcopy(case)
    out["records"] = out["records"][::-1]
    return out


def halved(case: dict[str, Any]) -> dict[str, Any]:
    """Each record split in two at the sentence nearest its middle (same kind and date): a
    note that came as two pages, or two documents."""
    out = copy.deepcopy(case)
    records = []
    for record in out["records"]:
        text = record["text"]
        cuts = [m.end() for m in re.finditer(r"[.!?]\s+(?=[A-Z])", text)]
        if not cuts:
            records.append(record)
            continue
        cut = min(cuts, key=lambda at: abs(at - len(text) // 2))
        records += [{**record, "text": text[:cut].strip()}, {**record, "text": text[cut:].strip()}]
    out["records"] = records
    return out


def undated(case: dict[str, Any]) -> dict[str, Any]:
    """The application without the date of injury: the records' own statement of it counts."""
    out = copy.deepcopy(case)
    out.get("claimant", {}).pop("date_of_injury", None)
    return out


def chronic(case: dict[str, Any]) -> dict[str, Any]:
    """The claim three years older: the date of injury moves back, the rest stays."""
    out = copy.deepcopy(case)
    claimant = out.get("claimant") or {}
    if claimant.get("date_of_injury"):
        claimant["date_of_injury"] = _shift(claimant["date_of_injury"], -3)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=Path, default=ROOT.parent / "shared/eval-dev/cases.jsonl")
    args = parser.parse_args()

    from openimr.casefile import parse_case_data
    from openimr.corpus.evaluate import split_of
    from openimr.engine import ReviewEngine
    from openimr.engine.criteria import phase_of

    engine = ReviewEngine()
    lines = [json.loads(line) for line in args.cases.read_text().splitlines() if line.strip()]
    tuning = [entry for entry in lines if split_of(entry["case"].get("case_id")) == "tuning"]
    phases: Counter[str] = Counter()
    variants: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
        "dates 2 years earlier (MTUS 2009)": lambda c: shifted(c, -2),
        "dates 3 years later (MTUS of December 2017)": lambda c: shifted(c, 3),
        "worded as a long-running claim": reworded,
        "written in the clinic's shorthand": lambda c: reworded(c, SHORTHAND),
        "injury three years earlier (chronic claim)": chronic,
        "sentences run together with semicolons": lambda c: reworded(c, SEMICOLONS),
        "no date of injury on the application": undated,
        "lines broken and words hyphenated (PDF, fax)": wrapped,
        "records in capitals": shouted,
        "dates in words (January 18, 2017)": lambda c: redated(c, "words"),
        "dates with dashes, two-digit years (1-18-17)": lambda c: redated(c, "dashes"),
        "records in the opposite order": reversed_records,
        "each record split in two": halved,
    }
    changed = {name: [0, 0, 0] for name in variants}  # items, decisions changed, families changed
    agree = {name: [0, 0] for name in ("as published", *variants)}  # agreeing items, items
    for entry in tuning:
        case = entry["case"]
        expected = [item["decision"] for item in entry["expected"]["items"]]
        case_file = parse_case_data(case, source="case")
        base = engine.review(case_file)
        facts = engine.extractor.extract(
            case_file, frozenset(), engine.extractor.prepare(case_file)
        )
        phases[phase_of(facts.weeks_since_injury, engine.knowledge) or "unknown"] += 1
        agree["as published"][0] += sum(
            i.decision.value == e for i, e in zip(base.items, expected, strict=True)
        )
        agree["as published"][1] += len(expected)
        for name, variant in variants.items():
            other = engine.review(parse_case_data(variant(case), source="case"))
            for a, b, e in zip(base.items, other.items, expected, strict=True):
                changed[name][0] += 1
                changed[name][1] += a.decision != b.decision
                changed[name][2] += a.guideline.family != b.guideline.family
                agree[name][0] += b.decision.value == e
                agree[name][1] += 1

    print(f"Tuning half: {len(tuning)} cases")
    print(
        "Phase of care (injury to UR decision): "
        + ", ".join(f"{k} {v}" for k, v in phases.most_common())
    )
    print()
    header = ("variant", "items", "decisions changed", "families changed", "agreement")
    print(f"{header[0]:46s} {header[1]:>5s} {header[2]:>18s} {header[3]:>17s} {header[4]:>9s}")
    print(
        f"{'as published':46s} {agree['as published'][1]:5d} {'':>18s} {'':>17s} "
        f"{agree['as published'][0] / agree['as published'][1]:9.3f}"
    )
    for name, (items, decisions, families) in changed.items():
        rate = agree[name][0] / agree[name][1]
        print(f"{name:46s} {items:5d} {decisions:18d} {families:17d} {rate:9.3f}")


if __name__ == "__main__":
    main()
