"""Synthetic published letters, in every published layout, for measuring the corpus at scale.

No real case is used. A letter is generated from a seed and an index: a layout and its era
(notice-2013, fdl-2014, fdl-2016, fdl-later, professional-review, and the project's own
letter), dates in that era in the order IMR takes them, a reviewer's specialty and licensure,
a clinical case summary composed from templates, and one to four disputed items drawn from a
catalogue of requests (varied quantities, regions and sides, some UR modifications) with the
citations each era wrote, a decision (overturned about one time in eight, as published
decisions are) and a rationale. Noise as real letters carry it: varied line widths, doubled
spaces, page breaks with a running header that repeats the case number.

The same seed and index always give the same letter, byte for byte; :class:`SyntheticLetter`
keeps what was generated so that a test can compare it with what the parser reads back.
"""

from __future__ import annotations

import random
import textwrap
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from openimr.domain import (
    Decision,
    Determination,
    GuidelineCitation,
    GuidelineFamily,
    ItemDetermination,
    ReviewerCredentials,
)
from openimr.knowledge.citations import parse_citations

LAYOUTS = ("notice-2013", "fdl-2014", "fdl-2016", "fdl-later", "professional-review", "openimr")
#: Decision dates of each layout's era (first day, last day).
ERAS = {
    "notice-2013": (date(2013, 7, 1), date(2013, 12, 31)),
    "fdl-2014": (date(2014, 1, 1), date(2015, 12, 31)),
    "fdl-2016": (date(2016, 1, 1), date(2018, 6, 30)),
    "fdl-later": (date(2018, 7, 1), date(2020, 12, 31)),
    "professional-review": (date(2021, 1, 1), date(2024, 12, 31)),
    "openimr": (date(2025, 1, 1), date(2026, 11, 30)),
}
#: Share of items overturned (published IMR decisions overturn roughly one in eight to ten).
OVERTURN_SHARE = 0.12


@dataclass(frozen=True)
class _Kind:
    """A kind of request: how it is worded, and what each era cited for it."""

    requests: tuple[str, ...]
    family: GuidelineFamily
    cite_2014: str
    cite_2016: str
    cite_later: str
    cite_2013: str
    reason_upheld: str
    reason_overturned: str


_KINDS: tuple[_Kind, ...] = (
    _Kind(
        (
            "Physical therapy {n} sessions for the {spine} spine",
            "{f}x{w} physical therapy {spine}",
            "Physical therapy {f} times a week for {w} weeks, {side} {joint}",
        ),
        GuidelineFamily.MTUS_CPMTG,
        "Decision based on MTUS Chronic Pain Treatment Guidelines Physical Medicine "
        "Page(s): 98-99.",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Physical "
        "medicine treatment.",
        "Decision based on MTUS ACOEM Practice Guidelines 2017, Section(s): Low Back Disorders.",
        "the Chronic Pain Medical Treatment Guidelines (2009), Physical Medicine, pages 98-99",
        "The worker has completed a full course of therapy without documented functional "
        "improvement, and a home exercise program is appropriate at this stage.",
        "The records document a new flare with measurable deficits and a short course of "
        "therapy within the guideline's visit range is supported.",
    ),
    _Kind(
        ("Chiropractic manipulation {n} visits, {spine} spine", "{n} chiropractic visits"),
        GuidelineFamily.MTUS_CPMTG,
        "Decision based on MTUS Chronic Pain Treatment Guidelines Manual Therapy & "
        "Manipulation Page(s): 58-59.",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Manual "
        "therapy & manipulation.",
        "Decision based on MTUS ACOEM Practice Guidelines 2017, Section(s): Low Back Disorders.",
        "the Chronic Pain Medical Treatment Guidelines (2009), Manual therapy & manipulation, "
        "pages 58-59",
        "Earlier manipulation gave no objective functional improvement, so more visits are "
        "not supported.",
        "A trial of six visits is recommended and the worker has had no manipulation before.",
    ),
    _Kind(
        ("Acupuncture {n} sessions", "Acupuncture {f}x{w} for the {spine} spine"),
        GuidelineFamily.MTUS_ACUPUNCTURE,
        "Decision based on MTUS Acupuncture Medical Treatment Guidelines Page(s): 8-9.",
        "Decision based on MTUS Acupuncture Medical Treatment 2007.",
        "Decision based on MTUS Acupuncture Medical Treatment 2007.",
        "the Acupuncture Medical Treatment Guidelines (2007), pages 8-9",
        "Prior acupuncture produced no documented functional improvement.",
        "A trial of acupuncture is an option when medication is not tolerated, as here.",
    ),
    _Kind(
        ("MRI of the {spine} spine without contrast", "{Spine} MRI"),
        GuidelineFamily.MTUS_ACOEM,
        "Decision based on MTUS ACOEM Chapter 12 Low Back Complaints Page(s): 303-304.",
        "Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies.",
        "Decision based on MTUS ACOEM Practice Guidelines 2017, Section(s): Low Back Disorders.",
        "the ACOEM Practice Guidelines, Chapter 12 Low Back Complaints, page 303",
        "There are no red flags or progressive neurological deficits and no surgery is planned.",
        "A progressive motor deficit is documented and imaging is needed to plan care.",
    ),
    _Kind(
        (
            "Lumbar epidural steroid injection at {level}",
            "{Side} {level} transforaminal epidural steroid injection",
        ),
        GuidelineFamily.MTUS_CPMTG,
        "Decision based on MTUS Chronic Pain Treatment Guidelines Epidural steroid "
        "injections (ESIs) Page(s): 46.",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Epidural "
        "steroid injections (ESIs).",
        "Decision based on MTUS ACOEM Practice Guidelines 2017, Section(s): Low Back Disorders.",
        "the Chronic Pain Medical Treatment Guidelines (2009), Epidural steroid injections, "
        "page 46",
        "Radiculopathy is not corroborated by imaging or electrodiagnostic testing.",
        "Radiculopathy is documented on examination and corroborated by the MRI.",
    ),
    _Kind(
        ("Norco 10/325mg #{q}", "Hydrocodone/APAP 10/325 mg #{q}"),
        GuidelineFamily.MTUS_CPMTG,
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 78-80.",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Opioids, "
        "criteria for use.",
        "Decision based on MTUS Opioid Treatment 2016, Section(s): 4.2 Tapering Opioids: "
        "Methods for Tapering Opioids.",
        "the Chronic Pain Medical Treatment Guidelines (2009), Opioids, pages 78-80",
        "There is no documented improvement in function or pain and no urine drug testing.",
        "Pain and function improved on a stable dose with monitoring documented.",
    ),
    _Kind(
        ("Cyclobenzaprine 7.5mg #{q}", "Flexeril 10mg #{q}"),
        GuidelineFamily.MTUS_CPMTG,
        "Decision based on MTUS Chronic Pain Treatment Guidelines Muscle relaxants Page(s): 63-66.",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Muscle "
        "relaxants (for pain).",
        "Decision based on MTUS ACOEM Practice Guidelines 2017, Section(s): Chronic Pain, and "
        "Drug Formulary 2018, Section(s): Muscle relaxants.",
        "the Chronic Pain Medical Treatment Guidelines (2009), Muscle relaxants, page 63",
        "Muscle relaxants are for short courses in acute flares; this is long-term use.",
        "A short course for a documented acute flare with spasm is supported.",
    ),
    _Kind(
        ("Naproxen 550mg #{q}", "Anaprox DS 550 mg #{q}"),
        GuidelineFamily.MTUS_CPMTG,
        "Decision based on MTUS Chronic Pain Treatment Guidelines NSAIDs Page(s): 67-68.",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): NSAIDs "
        "(non-steroidal anti-inflammatory drugs).",
        "Decision based on MTUS Drug Formulary 2018.",
        "the Chronic Pain Medical Treatment Guidelines (2009), NSAIDs, page 67",
        "The records do not show that the drug has reduced pain or improved function.",
        "An anti-inflammatory is first-line for a flare of musculoskeletal pain.",
    ),
    _Kind(
        (
            "{Side} knee arthroscopy with partial meniscectomy",
            "Arthroscopic {side} knee meniscectomy",
        ),
        GuidelineFamily.MTUS_ACOEM,
        "Decision based on MTUS ACOEM Chapter 13 Knee Complaints Page(s): 344-345.",
        "Decision based on MTUS Knee Complaints 2004, Section(s): Surgical Considerations.",
        "Decision based on MTUS ACOEM Practice Guidelines 2017, Section(s): Knee Disorders.",
        "the ACOEM Practice Guidelines, Chapter 13 Knee Complaints, page 344",
        "Mechanical symptoms are not documented and the MRI shows degenerative change only.",
        "Locking and a torn meniscus on MRI are documented after failed conservative care.",
    ),
    _Kind(
        ("Hinged knee brace, {side} knee", "{Side} knee brace"),
        GuidelineFamily.MTUS_ACOEM,
        "Decision based on MTUS ACOEM Chapter 13 Knee Complaints Page(s): 340.",
        "Decision based on MTUS Knee Complaints 2004, Section(s): Initial Care.",
        "Decision based on MTUS ACOEM Practice Guidelines 2017, Section(s): Knee Disorders.",
        "the ACOEM Practice Guidelines, Chapter 13 Knee Complaints, page 340",
        "No instability or ligament injury is documented.",
        "Instability with giving way on stairs is documented and the work loads the knee.",
    ),
    _Kind(
        ("TENS unit 30 day trial", "Purchase of a TENS unit"),
        GuidelineFamily.MTUS_CPMTG,
        "Decision based on MTUS Chronic Pain Treatment Guidelines TENS Page(s): 114-116.",
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): TENS, "
        "chronic pain (transcutaneous electrical nerve stimulation).",
        "Decision based on MTUS ACOEM Practice Guidelines 2017, Section(s): Chronic Pain.",
        "the Chronic Pain Medical Treatment Guidelines (2009), TENS, pages 114-116",
        "A one-month home trial with documented results has not been done.",
        "A one-month trial as an adjunct to a functional restoration program is supported.",
    ),
    _Kind(
        ("Polysomnography", "Sleep study"),
        GuidelineFamily.ODG,
        "Decision based on Non-MTUS Citation Official Disability Guidelines.",
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain "
        "(Chronic), Polysomnography.",
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Pain "
        "(Chronic), Polysomnography.",
        "the Official Disability Guidelines, Pain, Polysomnography",
        "Insomnia has not been treated with behavioral and drug measures first.",
        "Snoring and witnessed apneas suggest sleep apnea, for which a study is indicated.",
    ),
    _Kind(
        ("Cervical pillow", "Orthopedic neck pillow"),
        GuidelineFamily.ODG,
        "Decision based on Non-MTUS Citation Official Disability Guidelines.",
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Neck and "
        "Upper Back, Pillow.",
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Neck and "
        "Upper Back, Pillow.",
        "the Official Disability Guidelines, Neck and Upper Back, Pillow",
        "A pillow is supported only with a daily exercise program, which is not documented.",
        "A pillow is supported with the daily exercise program the worker follows.",
    ),
)
_SPECIALTIES = (
    "Orthopedic Surgery", "Physical Medicine and Rehabilitation", "Occupational Medicine",
    "Anesthesiology", "Pain Medicine", "Family Practice", "Internal Medicine",
    "Neurological Surgery", "Chiropractic", "Psychiatry",
)  # fmt: skip
_STATES = ("California", "Nevada", "Arizona", "Texas", "Oregon", "New York", "Washington")
_JOBS = (
    "warehouse worker", "delivery driver", "nurse's aide", "grocery clerk", "carpenter",
    "office assistant", "school custodian", "farm laborer", "bus driver", "cook",
)  # fmt: skip
_MECHANISMS = (
    "lifting a box", "a fall from a ladder", "a slip on a wet floor", "repetitive reaching",
    "a motor vehicle collision at work", "pulling a pallet jack",
)  # fmt: skip
_TREATMENTS = (
    "physical therapy", "chiropractic care", "acupuncture", "anti-inflammatory medication",
    "opioid analgesics", "a home exercise program", "epidural injections", "a TENS unit",
)  # fmt: skip
_FINDINGS = (
    "tenderness and spasm of the paraspinal muscles", "a positive straight leg raise on the "
    "{side}", "reduced range of motion with pain at end range", "medial joint line tenderness "
    "and a positive McMurray test", "diminished sensation in the {level} dermatome",
    "a normal neurological examination",
)  # fmt: skip
_SPINES = ("lumbar", "cervical", "thoracic")
_LEVELS = ("L4-L5", "L5-S1", "L3-L4", "C5-C6", "C6-C7")
_JOINTS = ("shoulder", "knee", "wrist", "elbow", "ankle")


@dataclass(frozen=True)
class SyntheticItem:
    """A generated item: what its letter says."""

    request: str
    decision: Decision
    family: GuidelineFamily


@dataclass(frozen=True)
class SyntheticLetter:
    """A generated letter's text and what it was generated from."""

    case_number: str
    layout: str
    text: str
    decision_date: date
    specialty: str
    items: tuple[SyntheticItem, ...]


def _day(rng: random.Random, first: date, last: date) -> date:
    return first + timedelta(days=rng.randint(0, (last - first).days))


def _words(rng: random.Random) -> dict[str, str]:
    side = rng.choice(("left", "right"))
    spine = rng.choice(_SPINES)
    return {
        "n": str(rng.choice((4, 6, 8, 12, 18))),
        "f": str(rng.choice((1, 2, 3))),
        "w": str(rng.choice((3, 4, 6, 8))),
        "q": str(rng.choice((30, 60, 90, 120))),
        "side": side,
        "Side": side.capitalize(),
        "spine": spine,
        "Spine": spine.capitalize(),
        "level": rng.choice(_LEVELS),
        "joint": rng.choice(_JOINTS),
    }


def _mdy(value: date) -> str:
    return value.strftime("%m/%d/%Y")


def _summary(rng: random.Random, injury: date, ur: date, requests: Sequence[str]) -> str:
    words = _words(rng)
    tried = rng.sample(_TREATMENTS, 3)
    finding = rng.choice(_FINDINGS).format(**words)
    parts = [
        f"The injured worker is a {rng.randint(24, 66)} year old {rng.choice(_JOBS)} who was "
        f"injured on {injury:%B} {injury.day}, {injury.year} by {rng.choice(_MECHANISMS)}.",
        f"Treatment has included {tried[0]}, {tried[1]} and {tried[2]}.",
        f"A progress report of {_mdy(ur - timedelta(days=rng.randint(5, 40)))} noted "
        f"{finding}, with pain rated {rng.randint(3, 9)}/10.",
        "The worker is "
        + rng.choice(
            (
                "working modified duty",
                "off work",
                "working full duty",
                "on temporary total disability",
            )
        )
        + ".",
        f"On {_mdy(ur)} utilization review non-certified the request for "
        + "; ".join(r.split(" was the original request")[0] for r in requests)
        + ", and the worker applied for independent medical review.",
    ]
    return " ".join(parts)


def _rationale(kind: _Kind, decision: Decision) -> str:
    if decision is Decision.OVERTURNED:
        return f"{kind.reason_overturned} Therefore, the request is medically necessary."
    return f"{kind.reason_upheld} Therefore, the request is not medically necessary."


def _cite(kind: _Kind, layout: str) -> str:
    if layout == "fdl-2014":
        return kind.cite_2014
    if layout in ("fdl-later", "professional-review"):
        return kind.cite_later
    return kind.cite_2016


def _family(kind: _Kind, layout: str) -> GuidelineFamily:
    """The family of the first document the letter's citation names."""
    if layout == "notice-2013":
        return kind.family
    cited = parse_citations(_cite(kind, layout))
    return cited[0].family if cited else kind.family


def _ur_cite(rng: random.Random, kind: _Kind, layout: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        return "The Claims Administrator did not cite any medical evidence for its decision."
    if roll < 0.35:
        return "Decision based on Non-MTUS Citation Official Disability Guidelines."
    return _cite(kind, layout).split(" Page(s)")[0].split(", Section(s)")[0].rstrip(".") + "."


def _fill(text: str, rng: random.Random, width: int) -> str:
    """Wrap a paragraph as a letter's PDF text layer does, now and then with a doubled space."""
    lines = textwrap.wrap(text, width=width, break_on_hyphens=False)
    if lines and rng.random() < 0.2:
        pick = rng.randrange(len(lines))
        lines[pick] = lines[pick].replace(" ", "  ", 1)
    return "\n".join(lines)


def generate(index: int, seed: int = 0, layout: str | None = None) -> SyntheticLetter:
    """The letter number ``index`` of the corpus of ``seed`` (layout by index unless given)."""
    rng = random.Random(f"{seed}:{index}")
    layout = layout or LAYOUTS[index % len(LAYOUTS)]
    first, last = ERAS[layout]
    decided = _day(rng, first, last)
    received = decided - timedelta(days=rng.randint(18, 50))
    assigned = received + timedelta(days=rng.randint(1, 9))
    ur = received - timedelta(days=rng.randint(3, 25))
    injury = ur - timedelta(days=rng.randint(60, 2500))
    case_number = f"CM{decided.year % 100:02d}-{index + 1:07d}"
    specialty = rng.choice(_SPECIALTIES)
    states = ["California", *rng.sample(_STATES[1:], rng.randint(0, 2))]
    count = rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]
    kinds = rng.sample(_KINDS, count)
    items: list[tuple[_Kind, str, Decision, str]] = []
    for kind in kinds:
        request = rng.choice(kind.requests).format(**_words(rng))
        if layout in ("fdl-2016", "fdl-later", "openimr") and rng.random() < 0.08:
            request = (
                f"{request} was the original request. {request.split(' ')[0]} was authorized by "
                "the Claims Administrator. The remaining IMR eligible portion of the original "
                f"request, {request}"
            )
        decision = Decision.OVERTURNED if rng.random() < OVERTURN_SHARE else Decision.UPHELD
        items.append((kind, request, decision, _ur_cite(rng, kind, layout)))
    summary = _summary(rng, injury, ur, [request for _k, request, _d, _u in items])
    dates = {"decided": decided, "received": received, "assigned": assigned, "ur": ur,
             "injury": injury}  # fmt: skip
    writer = _WRITERS[layout]
    text = writer(rng, case_number, dates, specialty, states, summary, items)
    return SyntheticLetter(
        case_number=case_number,
        layout=layout,
        text=text,
        decision_date=decided,
        specialty=specialty,
        items=tuple(
            SyntheticItem(
                request=" ".join((request.upper() if layout == "fdl-2014" else request).split()),
                decision=decision,
                family=_family(kind, layout),
            )
            for kind, request, decision, _ur in items
        ),
    )


_Items = list[tuple[_Kind, str, Decision, str]]


def _paged(rng: random.Random, case_number: str, blocks: list[str]) -> str:
    """Blocks joined, with a page break and a running header now and then."""
    out: list[str] = []
    page = 1
    for number, block in enumerate(blocks):
        out.append(block)
        if number and number < len(blocks) - 1 and rng.random() < 0.25:
            page += 1
            out.append(f"\f{case_number}")
    return "\n".join(out) + "\n"


def _header(case_number: str, d: dict[str, date], priority: str) -> str:
    return (
        f"Case Number: {case_number} Date Assigned: {_mdy(d['assigned'])}\n"
        f"Date of Injury: {_mdy(d['injury'])} Decision Date: {_mdy(d['decided'])}\n"
        f"UR Denial Date: {_mdy(d['ur'])} Priority: {priority}\n"
        f"Application Received: {_mdy(d['received'])}"
    )


_HOW = (
    "The review organization sent the case file to an expert reviewer who has no ties to the "
    "parties or to the treating providers. The reviewer treats patients every week and was "
    "chosen for experience with the condition and the treatments in dispute."
)


def _sectioned(
    rng: random.Random,
    case_number: str,
    d: dict[str, date],
    specialty: str,
    states: list[str],
    summary: str,
    items: _Items,
    *,
    layout: str,
) -> str:
    width = rng.choice((84, 90, 96))
    priority = rng.choice(("Standard", "Standard", "Standard", "Expedited"))
    blocks = []
    if layout == "fdl-later":
        blocks += ["EXAMPLE REVIEW SERVICES", "Independent Medical Review"]
    blocks += [_header(case_number, d, priority), "HOW THE IMR FINAL DETERMINATION WAS MADE"]
    if layout == "fdl-2014":
        blocks.append(
            _fill(
                f"{_HOW} The expert reviewer is Board Certified in {specialty} and is licensed "
                "to practice in California.",
                rng,
                width,
            )
        )
    else:
        blocks += [
            _fill(_HOW, rng, width),
            f"State(s) of Licensure: {', '.join(states)}",
            f"Certification(s)/Specialty: {specialty}",
        ]
    if layout == "fdl-later":
        blocks += [
            "DOCUMENTS REVIEWED",
            f"• Application for Independent Medical Review, dated {_mdy(d['received'])}",
            f"• Utilization review determination, dated {_mdy(d['ur'])}",
            "• Medical Treatment Utilization Schedule",
        ]
    blocks += [
        "CLINICAL CASE SUMMARY",
        "The expert reviewer prepared the following clinical case summary from the case file:",
        _fill(summary, rng, width),
        "IMR DECISION(S) AND RATIONALE(S)"
        if layout == "fdl-later"
        else "IMR ISSUES, DECISIONS AND RATIONALES",
        "Each disputed item or service was decided as set out below:",
    ]
    organization = "IMRO" if layout == "fdl-later" else "MAXIMUS"
    for kind, request, decision, ur_cite in items:
        label = request.upper() if layout == "fdl-2014" else request
        blocks += [
            _fill(f"{label}: {decision.value.capitalize()}", rng, width),
            _fill(f"Claims Administrator guideline: {ur_cite}", rng, width),
            _fill(f"{organization} guideline: {_cite(kind, layout)}", rng, width),
            _fill(f"Decision rationale: {_rationale(kind, decision)}", rng, width),
        ]
    return _paged(rng, case_number, blocks)


def _notice(
    rng: random.Random,
    case_number: str,
    d: dict[str, date],
    specialty: str,
    _states: list[str],
    summary: str,
    items: _Items,
) -> str:
    width = rng.choice((86, 92))
    organization = "Example Review Services"

    def line(number: int, request: str, decision: Decision) -> str:
        verdict = "is not" if decision is Decision.UPHELD else "is"
        return _fill(
            f"{number}) {organization} has determined the request for {request} {verdict} "
            "medically necessary and appropriate.",
            rng,
            width,
        )

    listed = [line(n, r, dec) for n, (_k, r, dec, _u) in enumerate(items, start=1)]
    blocks = [
        organization.upper(),
        "Notice of Independent Medical Review Determination",
        f"Dated: {_mdy(d['decided'])}",
        f"IMR Case Number: {case_number} Date of Injury: {_mdy(d['injury'])}",
        f"UR Denial Date: {_mdy(d['ur'])} Priority: Standard",
        *listed,
        "INDEPENDENT MEDICAL REVIEW DECISION AND RATIONALE",
        _fill(
            f"The application for Independent Medical Review was filed on "
            f"{_mdy(d['received'])} to dispute the Utilization Review Denial dated "
            f"{_mdy(d['ur'])}. Each treatment in dispute was decided as follows:",
            rng,
            width,
        ),
        *listed,
        "Medical Qualifications of the Expert Reviewer:",
        _fill(
            f"The physician reviewer is Board Certified in {specialty} and is licensed to "
            "practice in California.",
            rng,
            width,
        ),
        "Case Summary:",
        _fill(summary, rng, width),
    ]
    for number, (kind, request, decision, ur_cite) in enumerate(items, start=1):
        ur_text = (
            "The Claims Administrator did not cite any medical evidence for its decision."
            if ur_cite.startswith("The Claims")
            else f"The Claims Administrator relied on {kind.cite_2013}, which is part of the MTUS."
        )
        verdict = "is not" if decision is Decision.UPHELD else "is"
        blocks += [
            f"{number}) Regarding the request for {request}:",
            "Medical Treatment Guideline(s) Used by the Claims Administrator:",
            _fill(ur_text, rng, width),
            "Medical Treatment Guideline(s) Used by the Expert Reviewer:",
            _fill(
                f"The Expert Reviewer relied on {kind.cite_2013}"
                + (", which is part of the MTUS." if kind.family.is_mtus else "."),
                rng,
                width,
            ),
            "Rationale for the Decision:",
            _fill(
                _rationale(kind, decision).rsplit(" Therefore", 1)[0]
                + f" The request for {request} {verdict} medically necessary and appropriate.",
                rng,
                width,
            ),
        ]
    return _paged(rng, case_number, blocks)


def _professional(
    rng: random.Random,
    case_number: str,
    d: dict[str, date],
    specialty: str,
    _states: list[str],
    summary: str,
    items: _Items,
) -> str:
    width = rng.choice((88, 94))
    blocks = [
        "EXAMPLE REVIEW SERVICES",
        "Independent Medical Review Final Determination",
        f"Case Number: {case_number}",
        f"Date of Injury: {_mdy(d['injury'])}",
        f"UR Denial Date: {_mdy(d['ur'])}",
        f"Decision Date: {_mdy(d['decided'])}",
        "Priority: Standard",
    ]
    for kind, request, decision, _ur in items:
        blocks += [
            "",
            "MEDICAL PROFESSIONAL REVIEW",
            f"ISSUE AT DISPUTE: {request}",
            f"DETERMINATION: {decision.value.upper()}",
            _fill(f"CASE SUMMARY: {summary}", rng, width),
            "DOCUMENTS REVIEWED FOR DETERMINATION:",
            f"- Utilization review determination dated {_mdy(d['ur'])}",
            "MEDICAL TREATMENT GUIDELINE(S) RELIED UPON BY PROFESSIONAL REVIEWER AND WHY:",
            _fill(
                _cite(kind, "professional-review").rstrip(".")
                + ", because the guideline addresses the request.",
                rng,
                width,
            ),
            "RATIONALE FOR WHY THE REQUESTED TREATMENT/SERVICE IS/WAS NOT MEDICALLY NECESSARY:",
            _fill(_rationale(kind, decision), rng, width),
            _fill(
                f"MEDICAL REVIEWER QUALIFICATIONS: The reviewer is Board Certified in {specialty} "
                "and is licensed to practice in California.",
                rng,
                width,
            ),
        ]
    return _paged(rng, case_number, blocks)


def _openimr(
    rng: random.Random,
    case_number: str,
    d: dict[str, date],
    specialty: str,
    states: list[str],
    summary: str,
    items: _Items,
) -> str:
    from openimr.letters.render import render_text

    determination = determination_of(case_number, d, specialty, states, summary, items)
    return render_text(determination)


def determination_of(
    case_number: str,
    d: dict[str, date],
    specialty: str,
    states: list[str],
    summary: str,
    items: _Items,
) -> Determination:
    """The determination a generated letter states (the project's own letters render it)."""
    built = []
    for kind, request, decision, ur_cite in items:
        citations = parse_citations(_cite(kind, "openimr")) or [
            GuidelineCitation(family=kind.family)
        ]
        built.append(
            ItemDetermination(
                request=request,
                decision=decision,
                guideline=citations[0],
                additional_guidelines=citations[1:],
                claims_administrator_guideline=ur_cite,
                rationale=_rationale(kind, decision),
            )
        )
    return Determination(
        case_id=case_number,
        source="reviewer",
        date_of_injury=d["injury"],
        ur_decision_date=d["ur"],
        date_assigned=d["assigned"],
        application_received=d["received"],
        decision_date=d["decided"],
        reviewer=ReviewerCredentials(
            licensure=states, certifications=[specialty], specialty=specialty
        ),
        clinical_case_summary=summary,
        items=built,
    )


_WRITERS = {
    "notice-2013": _notice,
    "fdl-2014": lambda *a: _sectioned(*a, layout="fdl-2014"),
    "fdl-2016": lambda *a: _sectioned(*a, layout="fdl-2016"),
    "fdl-later": lambda *a: _sectioned(*a, layout="fdl-later"),
    "professional-review": _professional,
    "openimr": _openimr,
}


def letters(count: int, seed: int = 0, start: int = 0) -> Iterator[SyntheticLetter]:
    """``count`` letters of the corpus of ``seed``, from index ``start``, layouts in turn."""
    for index in range(start, start + count):
        yield generate(index, seed)


def write_corpus(folder: Path, count: int, seed: int = 0) -> list[Path]:
    """Write ``count`` text letters into ``folder`` (100 to a subfolder); returns their paths."""
    paths = []
    for letter in letters(count, seed):
        number = int(letter.case_number.split("-")[1]) - 1
        sub = folder / f"{number // 100:05d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"{letter.case_number}.txt"
        path.write_text(letter.text, encoding="utf-8")
        paths.append(path)
    return paths


def letter_pdf(letter: SyntheticLetter) -> bytes:
    """A generated letter printed to PDF as its text stands (WeasyPrint), for PDF ingest."""
    import html

    from weasyprint import HTML

    page = (
        "<html><head><style>@page { size: letter; margin: 1in } "
        "pre { font: 9.5pt 'DejaVu Sans Mono', monospace; white-space: pre-wrap }</style>"
        "</head><body>"
        + "".join(
            f"<pre style='break-before: page'>{html.escape(part)}</pre>"
            if number
            else f"<pre>{html.escape(part)}</pre>"
            for number, part in enumerate(letter.text.split("\f"))
        )
        + "</body></html>"
    )
    return HTML(string=page).write_pdf()  # type: ignore[no-any-return]
