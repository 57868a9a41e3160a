"""Publication benchmark: identifiers leaked and clinical words lost over generated letters.

    .venv/bin/python bench/publication_bench.py [--letters 10000] [--pdf 50] [--seed 7] [--json]
        [--held-out] [--examples N] [--jobs N]
    .venv/bin/python bench/publication_bench.py --nickname-split [--examples N]
    .venv/bin/python bench/publication_bench.py --real ../shared/eval-dev/letters [--examples N]

Each letter is a signed determination whose summary and rationales carry planted identifiers
of every kind: the parties the case file lists, written as letters write them (full, "Last,
First", family name alone, capitals, lower case, letters spaced out, OCR-broken, split at a
line end, nicknames, initials, dates of birth, phones, e-mail, addresses, claim numbers,
employer, claims administrator, providers, UR physician, reviewer) and identifiers nobody
listed (names after a title, before a credential, after a cue and with no cue at all, SSNs,
phones, e-mail, claim, WCAB, policy and record numbers, dates of birth, addresses). Names come
from several cultures and are drawn from this file's own lists, which the redactor never sees.

Counted: per kind, how many planted identifiers are still found in the published text letter
(the value as written, or any part of the name as a word, or the digits of a number); the
share of clinical words (every word of the letter that is not a planted identifier) that
publication removed; whether the published letter parses into the same items, decisions and
citation families; letters per second on one core (publication to text only, generation and
checks not timed; by the clock and by this process's CPU time, which other work on a shared
machine does not inflate), and for ``--pdf N`` letters, PDF publication. This measures; it
asserts nothing. ``--held-out`` adds the held-out short forms (see ``HELD_OUT_NICKNAMES`` and
``HELD_OUT_NICKNAMES_2``).

``--nickname-split`` measures nicknames apart: every relation of the ``nicknames`` package,
split by a fixed hash into a tuning half (the only one looked at while the sound changes were
chosen) and a check half, each planted where a person is marked and inside a clinical sentence,
redacted with a table holding only the tuning half and with the whole table.

``--real DIR`` measures the other side on real text: every letter of a folder of published
determinations (already de-identified by the state, so every word the detectors remove is a
word lost) is redacted by the detectors alone; counted are the words removed, per detector
label, and the share of all words. Examples are shown only from the tuning half of the letters
(the split of ``openimr eval``), so that the check half stays unread.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import random
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "letters" / "openimr-determination.json"

# -- names from several cultures (given, family), and the short forms people use ----------------

GIVEN = {
    "hispanic": [
        "Guadalupe",
        "Jesús",
        "Ximena",
        "Rodrigo",
        "Itzel",
        "Alejandro",
        "Marisol",
        "Eduardo",
        "Yesenia",
        "Ignacio",
        "Dolores",
        "Francisco",
        "Alberto",
        "Araceli",
    ],
    "vietnamese": ["Thanh", "Huong", "Minh", "Phuong", "Quang", "Trang", "Dung", "Khanh"],
    "chinese": ["Xiaoming", "Meiling", "Jianguo", "Yuting", "Zhiwei", "Lihua", "Haoran"],
    "korean": ["Jiwoo", "Seojun", "Minseo", "Hyunwoo", "Eunji", "Dongho"],
    "filipino": ["Maricel", "Rogelio", "Jocelyn", "Ferdinand", "Lorna", "Rommel"],
    "indian": ["Priyanka", "Venkatesh", "Ananya", "Raghav", "Lakshmi", "Sanjeev", "Deepika"],
    "arabic": ["Youssef", "Fatima", "Khalid", "Layla", "Omar", "Noor", "Tariq"],
    "west_african": ["Chukwuemeka", "Adaeze", "Oluwaseun", "Folake", "Kwabena", "Abena"],
    "slavic": ["Vladimir", "Nikolai", "Svetlana", "Oksana", "Dmitri", "Yekaterina"],
    "armenian": ["Armen", "Anush", "Tigran", "Lusine", "Vardan"],
    "irish": ["Siobhan", "Padraig", "Niamh", "Ciaran", "Aoife"],
    "anglo": ["Robert", "William", "Elizabeth", "Margaret", "Jonathan", "Katherine"],
    "japanese": ["Haruto", "Yui", "Takeshi", "Sakura", "Kenji"],
    "persian": ["Dariush", "Shirin", "Kourosh", "Parisa"],
    "samoan": ["Tavita", "Losana", "Sione"],
    "hmong": ["Pheng", "Yer", "Chue"],
}
FAMILY = {
    "hispanic": [
        "Hernández",
        "Villalobos",
        "de la Cruz",
        "Quintanilla",
        "Zamora-Ruiz",
        "Echeverría",
        "Baltazar",
        "Sepúlveda",
        "Arreola",
    ],
    "vietnamese": ["Nguyen", "Tran", "Pham", "Huynh", "Vo", "Dang"],
    "chinese": ["Zhang", "Liu", "Huang", "Zhou", "Xu", "Guo"],
    "korean": ["Kim", "Park", "Choi", "Jung", "Kang"],
    "filipino": ["Dela Rosa", "Macaraeg", "Bautista", "Magbanua", "Villanueva"],
    "indian": ["Raghunathan", "Venkataraman", "Chatterjee", "Subramanian", "Bhattacharya"],
    "arabic": ["Al-Sayed", "Haddad", "El-Masri", "Khoury", "Abdelrahman"],
    "west_african": ["Okonkwo", "Adeyemi", "Mensah", "Oyelaran", "Asante"],
    "slavic": ["Kovalenko", "Wiśniewski", "Petrov", "Shevchenko", "Nowakowski"],
    "armenian": ["Petrosyan", "Hakobyan", "Sargsyan", "Ghazaryan"],
    "irish": ["O'Sullivan", "McGillicuddy", "Ní Bhriain", "O'Callaghan"],
    "anglo": ["Whitfield", "Thornbury", "Ashcroft", "Pemberton"],
    "japanese": ["Takahashi", "Watanabe", "Yamaguchi", "Nakamura"],
    "persian": ["Farahani", "Hosseini", "Rostami", "Tehrani"],
    "samoan": ["Faleolo", "Tuilagi", "Sapolu"],
    "hmong": ["Vang", "Xiong", "Lor", "Thao"],
}
#: What people call themselves, written by this file (not the redactor's nickname table).
NICKNAMES = {
    "Guadalupe": "Lupita",
    "Jesús": "Chuy",
    "Rodrigo": "Rigo",
    "Alejandro": "Alex",
    "Eduardo": "Lalo",
    "Ignacio": "Nacho",
    "Francisco": "Paco",
    "Alberto": "Beto",
    "Dolores": "Lola",
    "Vladimir": "Vova",
    "Nikolai": "Kolya",
    "Dmitri": "Dima",
    "Yekaterina": "Katya",
    "Robert": "Bob",
    "William": "Bill",
    "Elizabeth": "Liz",
    "Margaret": "Peggy",
    "Jonathan": "Jon",
    "Katherine": "Kate",
    "Ferdinand": "Ferdie",
    "Rogelio": "Roger",
    "Venkatesh": "Venky",
    "Chukwuemeka": "Emeka",
    "Oluwaseun": "Seun",
}
#: A held-out part, planted only with ``--held-out``: other short forms of the same given names
#: in sentences of other shapes (names inside clinical sentences among them). Written before the
#: redactor's nickname handling was changed, it was held out until its leaks were read and the
#: places where a name stands were widened after them: since then it measures tuned forms, and
#: the second part below is the one held out.
HELD_OUT_NICKNAMES = {
    "Guadalupe": "Lupe",
    "Jesús": "Chucho",
    "Ximena": "Xime",
    "Rodrigo": "Rodri",
    "Marisol": "Mari",
    "Yesenia": "Yesi",
    "Araceli": "Chela",
    "Francisco": "Pancho",
    "Alejandro": "Jandro",
    "Svetlana": "Sveta",
    "Oksana": "Ksyusha",
    "Dmitri": "Mitya",
    "Vladimir": "Volodya",
    "Yekaterina": "Katyusha",
    "Priyanka": "Priya",
    "Venkatesh": "Venkat",
    "Raghav": "Raghu",
    "Sanjeev": "Sanju",
    "Deepika": "Deepu",
    "Adaeze": "Ada",
    "Folake": "Fola",
    "Chukwuemeka": "Chuks",
    "Padraig": "Paddy",
    "Siobhan": "Shiv",
    "Margaret": "Maggie",
    "Elizabeth": "Betsy",
    "Katherine": "Kathy",
    "William": "Billy",
    "Robert": "Robbie",
    "Jonathan": "Johnny",
    "Ferdinand": "Nando",
    "Jocelyn": "Joy",
    "Rommel": "Mel",
    "Maricel": "Cely",
    "Kenji": "Ken",
    "Haruto": "Haru",
    "Tigran": "Tiko",
    "Armen": "Armo",
    "Fatima": "Fati",
    "Omar": "Omi",
    "Parisa": "Pari",
    "Meiling": "Mei",
}
HELD_OUT_SENTENCES = [
    "{} said the brace helped a little with lifting.",
    "At the follow-up visit {} described numbness in both hands.",
    "Tinel's sign was positive at the right wrist when {} was examined.",
    "{}'s lumbar MRI showed a disc protrusion at L4-L5.",
    "Norco 10/325 was refilled for {} at the last visit.",
    "Physical therapy notes describe {} as guarded with lumbar flexion.",
    "The nurse called {} to confirm the appointment.",
    "On December 2, 2015, {} had a positive McMurray test on the left.",
]
#: A second held-out part, written after the first part had been looked at and used to widen
#: the places where a name stands (so the first part measures tuned forms from then on): other
#: short forms, English words among them ("Will", "Lucky", "Daisy"), and sentence shapes of
#: neither earlier list. Planted with ``--held-out`` and never used to change the redactor.
HELD_OUT_NICKNAMES_2 = {
    "Itzel": "Itzi",
    "Eduardo": "Edu",
    "Dolores": "Lolita",
    "Alberto": "Tito",
    "Marisol": "Sol",
    "Xiaoming": "Ming",
    "Zhiwei": "Wei",
    "Lihua": "Lily",
    "Seojun": "Jun",
    "Rogelio": "Roy",
    "Maricel": "Marcy",
    "Ananya": "Annie",
    "Lakshmi": "Lucky",
    "Youssef": "Joe",
    "Khalid": "Kal",
    "Layla": "Lulu",
    "Kwabena": "Kobby",
    "Abena": "Abby",
    "Nikolai": "Kolyan",
    "Svetlana": "Lana",
    "Vladimir": "Vlad",
    "Anush": "Ani",
    "Vardan": "Vardo",
    "Niamh": "Neevy",
    "Robert": "Bobby",
    "William": "Will",
    "Elizabeth": "Beth",
    "Margaret": "Meg",
    "Katherine": "Kit",
    "Takeshi": "Take",
    "Sakura": "Saku",
    "Dariush": "Dari",
    "Shirin": "Shiri",
    "Tavita": "Vita",
    "Venkatesh": "Venki",
    "Priyanka": "Pinky",
    "Sanjeev": "Sanj",
    "Chukwuemeka": "Chuma",
    "Adaeze": "Daisy",
}
HELD_OUT_SENTENCES_2 = [
    "Her sister drove {} to the clinic for the injection.",
    "The MRI of the cervical spine ordered for {} was denied.",
    "According to {}, the pain worsens with prolonged sitting.",
    "{} rated the back pain 7/10 without medication.",
    "Naproxen upset the stomach of {} and was stopped.",
    "Range of motion was limited, and {} winced on extension.",
    "Gabapentin 300 mg was started for {} in March.",
    "The therapist noted that {} completed 6 of 8 visits.",
    "A TENS unit was trialed by {} with little benefit.",
]
ORG_FIRST = [
    "Sierra",
    "Pacific",
    "Golden Bear",
    "Redwood",
    "Central Valley",
    "Mojave",
    "Harbor",
    "Tri-County",
    "Inland Empire",
    "Coastal",
    "Sequoia",
    "Delta Breeze",
]
ORG_SECOND = {
    "employer": [
        "Roofing",
        "Poultry Processing",
        "Landscaping",
        "Distribution Center",
        "Hotel and Spa",
        "Unified School District",
        "Freight Lines",
        "Tile Works",
    ],
    "administrator": [
        "Claims Services",
        "Risk Management",
        "Mutual Insurance Company",
        "Casualty Group",
        "Workers Comp Administrators",
    ],
    "clinic": [
        "Orthopedic Group",
        "Spine and Pain Institute",
        "Occupational Health Center",
        "Physical Therapy Associates",
        "Chiropractic Clinic",
    ],
}
ORG_SUFFIX = ["Inc.", "LLC", "Corp.", "", "Co."]
STREETS = [
    "Shaw",
    "Olive",
    "Tulare",
    "Kern",
    "Blackstone",
    "Mission",
    "Alvarado",
    "Chestnut",
    "Magnolia",
    "Del Paso",
    "Rancho Vista",
    "Jacaranda",
]
STREET_KIND = [
    ("Avenue", "Ave."),
    ("Street", "St."),
    ("Boulevard", "Blvd."),
    ("Road", "Rd."),
    ("Drive", "Dr."),
    ("Lane", "Ln."),
    ("Court", "Ct."),
]
CITIES = [
    ("Fresno", "93721"),
    ("Bakersfield", "93301"),
    ("Stockton", "95202"),
    ("Oxnard", "93030"),
    ("San Bernardino", "92401"),
    ("Salinas", "93901"),
    ("El Centro", "92243"),
    ("Modesto", "95354"),
]
MONTHS = [
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

# -- clinical sentences (our own words), with eponyms, drugs and the dates a letter keeps ------

CLINICAL = [
    "The injured worker reported low back pain radiating to the left leg after lifting boxes.",
    "On {service}, examination showed a positive Tinel's sign and a positive Phalen's test at "
    "the right wrist.",
    "A McMurray test was positive on the medial side of the left knee; Lachman was negative.",
    "Spurling maneuver reproduced neck pain with tingling into the thumb and index finger.",
    "Medications included Norco 10/325, Flexeril, gabapentin and topical Lidoderm patches.",
    "She completed 12 sessions of physical therapy with temporary relief only.",
    "The MRI of {service} showed a broad-based L4-L5 disc protrusion with mild foraminal "
    "narrowing.",
    "Electrodiagnostic studies were normal; straight leg raise was negative bilaterally.",
    "Pain was rated 7 out of 10 without medication and 4 out of 10 with it.",
    "The date of injury was {injury}, when the worker fell from a ladder at work.",
    "Work status remained temporary total disability through the next visit.",
    "Tramadol was tried before and stopped because of nausea; naproxen was continued.",
    "The treating physician requested an interlaminar epidural steroid injection at L5-S1.",
    "Finkelstein test was positive and there was tenderness over the first dorsal compartment.",
    "Hoffmann sign was absent and reflexes were symmetric at the biceps and triceps.",
    "A urine drug screen of {service} was consistent with the prescribed medications.",
    "Range of motion of the shoulder was limited in abduction with a positive Neer sign.",
    "Acupuncture 2 times a week for 3 weeks was requested for chronic neck pain.",
]
#: Clinical sentences with the claimant's name inside, written by this file: the name in any of
#: its forms sits beside eponyms, drugs and dates, which must stay.
NAMED_CLINICAL = [
    "On {service}, {name} had a positive Tinel's sign and a positive Phalen's test at the right "
    "wrist.",
    "Medications for {name} included Norco 10/325, Flexeril and gabapentin.",
    "Spurling maneuver reproduced neck pain in {name} with tingling into the thumb.",
    "A McMurray test was positive when {name} was examined; Lachman was negative.",
    "The MRI of {service} for {name} showed a broad-based L4-L5 disc protrusion.",
    "Tramadol was stopped because {name} had nausea; naproxen was continued.",
]
RATIONALE = [
    "The MTUS Chronic Pain Medical Treatment Guidelines support continued opioids only with "
    "documented functional improvement, which the records do not show.",
    "ACOEM supports imaging when there are red flags or a clear neurologic deficit; neither is "
    "documented here.",
    "Therapy beyond the recommended visits is not supported without objective functional gains.",
    "An epidural injection is recommended for radicular pain corroborated by imaging, as here.",
]


@dataclass
class Planted:
    kind: str
    written: str
    words: tuple[str, ...] = ()
    digits: str = ""


@dataclass
class Letter:
    determination: Any
    parties: dict[str, Any]
    planted: list[Planted] = field(default_factory=list)
    clinical_text: str = ""


class _People:
    """Draws people for one letter, no two sharing a given or a family name (so that a trace
    of one is never counted as a trace of another)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self) -> tuple[str, str]:
        while True:
            culture = self.rng.choice(sorted(GIVEN))
            given, family = self.rng.choice(GIVEN[culture]), self.rng.choice(FAMILY[culture])
            words = {w.lower() for w in re.findall(r"[^\W\d_]+", f"{given} {family}")}
            if not words & self.used:
                self.used |= words
                return given, family


def _org(rng: random.Random, kind: str) -> str:
    name = f"{rng.choice(ORG_FIRST)} {rng.choice(ORG_SECOND[kind])}"
    suffix = rng.choice(ORG_SUFFIX)
    return f"{name} {suffix}".strip()


def _digits(rng: random.Random, n: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(n))


def _ocr(word: str) -> str:
    return word.replace("l", "1").replace("o", "0").replace("m", "rn").replace("i", "l")


def _name_form(rng: random.Random, given: str, family: str) -> tuple[str, str]:
    forms = [
        "full",
        "reversed",
        "family",
        "upper",
        "lower",
        "spaced",
        "ocr",
        "break",
        "title",
        "initials",
        "nickname",
    ]
    style = rng.choice(forms)
    if style == "full":
        return style, f"{given} {family}"
    if style == "reversed":
        return style, f"{family}, {given}"
    if style == "family":
        return style, family
    if style == "upper":
        return style, f"{given} {family}".upper()
    if style == "lower":
        return style, f"{given} {family}".lower()
    if style == "spaced":
        return style, " ".join(family.replace(" ", ""))
    if style == "ocr":
        return style, _ocr(family)
    if style == "break":
        cut = rng.randrange(1, max(2, len(family) - 1))
        return style, f"{family[:cut]}-\n{family[cut:]}"
    if style == "title":
        return style, f"{rng.choice(['Mr.', 'Ms.', 'Mrs.'])} {family}"
    if style == "initials":  # of the family name's first capital ("de la Cruz": C)
        capital = next((c for c in family if c.isupper()), family[0])
        return style, f"{given[0]}.{capital}."
    return style, NICKNAMES.get(given, given)  # the given name alone when it has no short form


def _date_forms(value: tuple[int, int, int], rng: random.Random) -> str:
    year, month, day = value
    return rng.choice(
        [
            f"{month:02d}/{day:02d}/{year}",
            f"{month}/{day}/{year % 100:02d}",
            f"{MONTHS[month - 1]} {day}, {year}",
            f"{year}-{month:02d}-{day:02d}",
            f"{day} {MONTHS[month - 1][:3]} {year}",
        ]
    )


def _words_of(text: str) -> tuple[str, ...]:
    return tuple(w for w in re.findall(r"[^\W\d_]{3,}", text))


def generate(index: int, seed: int, base: Any, held_out: bool = False) -> Letter:
    """One letter: a determination carrying planted identifiers, and the parties file; with
    ``held_out``, one more sentence naming the claimant by a held-out short form (or the given
    name alone), drawn from a random stream of its own so the other plantings stay the same."""
    rng = random.Random(seed * 1_000_003 + index)
    _person = _People(rng)
    given, family = _person()
    listed_alias = rng.random() < 0.5 and given in NICKNAMES
    dob = (rng.randrange(1950, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
    area = rng.choice(["559", "661", "209", "805", "909", "831", "760"])
    phone = f"({area}) 555-{_digits(rng, 4)}"
    local = given[0].lower() + re.sub(r"[^a-z]", "", family.lower())
    email = f"{local}{rng.randrange(10, 99)}@example.com"
    street_no = rng.randrange(10, 9999)
    street = rng.choice(STREETS)
    kind_full, kind_short = rng.choice(STREET_KIND)
    city, zip_code = rng.choice(CITIES)
    address = f"{street_no} {street} {kind_full}, {city}, CA {zip_code}"
    claim = f"{_digits(rng, 2)}-{_digits(rng, 6)}-{_digits(rng, 3)}"
    employer = _org(rng, "employer")
    administrator = _org(rng, "administrator")
    clinic = _org(rng, "clinic")
    provider_given, provider_family = _person()
    ur_given, ur_family = _person()
    reviewer_given, reviewer_family = _person()
    parties = {
        "claimant": {
            "name": f"{given} {family}",
            "aliases": [NICKNAMES[given]] if listed_alias else [],
            "date_of_birth": f"{dob[0]}-{dob[1]:02d}-{dob[2]:02d}",
            "phones": [phone],
            "emails": [email],
            "addresses": [address],
        },
        "claim_numbers": [claim],
        "employer": {"name": employer},
        "claims_administrator": {"name": administrator},
        "providers": [{"name": f"{provider_given} {provider_family}, MD"}, {"name": clinic}],
        "ur_physicians": [{"name": f"{ur_given} {ur_family}"}],
        "reviewer": {"name": f"{reviewer_given} {reviewer_family}"},
    }
    planted: list[Planted] = []
    sentences: list[str] = []
    clinical: list[str] = []
    injury = f"{MONTHS[rng.randrange(12)]} {rng.randrange(1, 29)}, {rng.randrange(2012, 2016)}"

    def clinical_sentence() -> str:
        text = rng.choice(CLINICAL).format(
            service=f"{MONTHS[rng.randrange(12)]} {rng.randrange(1, 29)}, 2016", injury=injury
        )
        clinical.append(text)
        return text

    def plant(
        kind: str, written: str, template: str, words: tuple[str, ...] = (), digits: str = ""
    ) -> None:
        planted.append(Planted(kind, written, words, digits))
        sentences.append(template.format(written))

    name_words = _words_of(f"{given} {family}")
    for _ in range(3):
        style, written = _name_form(rng, given, family)
        if style == "nickname" and given in NICKNAMES:
            kind = "listed claimant, nickname" + (" (listed alias)" if listed_alias else "")
            words = _words_of(written)
        elif style == "nickname":
            kind = "listed claimant, given name alone"
            words = _words_of(written)
        else:
            kind = f"listed claimant, {style}"
            words = name_words if style not in ("initials", "ocr", "spaced", "break") else ()
        plant(
            kind,
            written,
            rng.choice(
                [
                    "{} reported that the pain was worse at night.",
                    "The treating physician examined {} on the same day.",
                    "According to the records, {} remained off work.",
                ]
            ),
            words,
        )
        sentences.append(clinical_sentence())
    plant(
        "listed date of birth",
        _date_forms(dob, rng),
        rng.choice(
            ["The worker was born {}.", "Intake lists a birth date of {}.", "DOB {} was confirmed."]
        ),
        digits="",
    )
    written_phone = rng.choice(
        [
            phone,
            phone.replace("(", "").replace(") ", "-"),
            phone.replace("(", "").replace(") ", ".").replace("-", "."),
            phone[-8:],
        ]
    )
    plant(
        "listed phone",
        written_phone,
        "The worker can be reached at {}.",
        digits=re.sub(r"\D", "", written_phone),
    )
    plant("listed email", rng.choice([email, email.upper()]), "Copies were sent to {}.")
    written_address = rng.choice(
        [
            address,
            f"{street_no} {street} {kind_short}",
            f"{street_no} {street.upper()} {kind_full.upper()}",
        ]
    )
    plant(
        "listed address",
        written_address,
        "The worker lives at {} with family.",
        words=_words_of(street),
    )
    written_claim = rng.choice([claim, claim.replace("-", ""), claim.replace("-", " ")])
    plant(
        "listed claim number",
        written_claim,
        "The carrier accepted claim {} in part.",
        digits=re.sub(r"\D", "", claim),
    )
    sentences.append(clinical_sentence())
    plant(
        "listed employer",
        rng.choice(
            [employer, employer.upper(), re.sub(r"\s+(Inc\.|LLC|Corp\.|Co\.)$", "", employer)]
        ),
        "The worker was employed by {} as a laborer.",
    )
    plant("listed claims administrator", administrator, "{} issued the utilization review.")
    plant(
        "listed provider (person)",
        rng.choice(
            [
                f"Dr. {provider_family}",
                f"{provider_given} {provider_family}, M.D.",
                provider_family.upper(),
            ]
        ),
        "The report by {} was reviewed.",
        _words_of(provider_family),
    )
    plant("listed provider (clinic)", clinic, "She was treated at {} for six months.")
    plant(
        "listed UR physician",
        rng.choice([f"Dr. {ur_family}", f"{ur_family}, {ur_given}"]),
        "The UR physician, {}, denied the request.",
        _words_of(ur_family),
    )
    plant(
        "listed reviewer",
        rng.choice([f"{reviewer_given} {reviewer_family}", f"Dr. {reviewer_family}"]),
        "This summary was prepared by {}.",
        _words_of(reviewer_family),
    )
    sentences.append(clinical_sentence())
    # nobody listed these
    g, f = _person()
    plant(
        "unlisted name after a title",
        f"{rng.choice(['Dr.', 'Mr.', 'Ms.'])} {g} {f}",
        "A second opinion came from {}.",
        _words_of(f"{g} {f}"),
    )
    g, f = _person()
    plant(
        "unlisted name before a credential",
        f"{g} {f}, {rng.choice(['PA-C', 'DC', 'NP', 'PT'])}",
        "The note was written by {}.",
        _words_of(f"{g} {f}"),
    )
    g, f = _person()
    cue = rng.choice(["the adjuster,", "her co-worker", "per", "seen by", "nurse case manager"])
    plant(
        "unlisted name after a cue",
        f"{g} {f}",
        f"Records show that {cue} {{}} was present.",
        _words_of(f"{g} {f}"),
    )
    g, f = _person()
    plant(
        "unlisted name without a cue",
        f"{g} {f}",
        "{} witnessed the fall at the site.",
        _words_of(f"{g} {f}"),
    )
    ssn = f"{rng.randrange(100, 665)}-{rng.randrange(10, 99)}-{rng.randrange(1000, 9999)}"
    plant(
        "unlisted SSN",
        ssn,
        rng.choice(["SSN {} is on the form.", "Social security number: {}."]),
        digits=re.sub(r"\D", "", ssn),
    )
    other_phone = f"({rng.choice(['213', '415', '916'])}) 555-{_digits(rng, 4)}"
    plant(
        "unlisted phone",
        other_phone,
        "The attorney's office phone is {}.",
        digits=re.sub(r"\D", "", other_phone),
    )
    plant(
        "unlisted email",
        f"adjuster{rng.randrange(100, 999)}@claims.example.org",
        "Questions go to {}.",
    )
    other_claim = f"{_digits(rng, 4)}-{_digits(rng, 5)}-WC"
    plant(
        "unlisted claim number",
        other_claim,
        "A prior claim, Claim No. {}, was closed.",
        digits=re.sub(r"\D", "", other_claim),
    )
    wcab = f"ADJ{_digits(rng, 7)}"
    plant("unlisted WCAB number", wcab, "The case is before the WCAB as {}.", digits=wcab[3:])
    policy = f"WC{_digits(rng, 8)}"
    plant(
        "unlisted policy number", policy, "Policy number {} covers the employer.", digits=policy[2:]
    )
    mrn = _digits(rng, 8)
    plant("unlisted record number", mrn, "Hospital MRN: {} was cited.", digits=mrn)
    other_dob = (rng.randrange(1950, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
    plant("unlisted date of birth", _date_forms(other_dob, rng), "Her spouse, DOB {}, drove her.")
    other_address = (
        f"{rng.randrange(10, 9999)} {rng.choice(STREETS)} "
        f"{rng.choice(STREET_KIND)[0]}, {rng.choice(CITIES)[0]}, CA 9{_digits(rng, 4)}"
    )
    plant("unlisted address", other_address, "Mail went to {} by mistake.")
    sentences.append(clinical_sentence())
    inside = random.Random(f"inside {seed} {index}")  # its own stream: the rest stays the same
    style, written = _name_form(inside, given, family)
    words = name_words if style not in ("initials", "ocr", "spaced", "break") else ()
    if style == "nickname":
        words = _words_of(written)
        style = "nickname" if given in NICKNAMES else "given name alone"
    template = inside.choice(NAMED_CLINICAL)
    service = f"{MONTHS[inside.randrange(12)]} {inside.randrange(1, 29)}, 2016"
    planted.append(Planted(f"listed claimant inside a clinical sentence, {style}", written, words))
    sentences.append(template.format(name=written, service=service))
    clinical.append(template.format(name="", service=service))
    if held_out:
        parts = (
            ("held out", f"held-out {seed} {index}", HELD_OUT_NICKNAMES, HELD_OUT_SENTENCES),
            (
                "held out, second part",
                f"held-out second part {seed} {index}",
                HELD_OUT_NICKNAMES_2,
                HELD_OUT_SENTENCES_2,
            ),
        )
        for part, stream, nicknames, templates in parts:
            template = random.Random(stream).choice(templates)  # each part its own stream
            nickname = nicknames.get(given)
            if nickname is not None:
                plant(
                    f"listed claimant, nickname ({part})", nickname, template, _words_of(nickname)
                )
            else:
                plant(
                    f"listed claimant, given name alone ({part})", given, template, _words_of(given)
                )
    rng.shuffle(sentences)
    middle = len(sentences) // 2
    summary = " ".join(sentences[:middle]) + "\n\n" + " ".join(sentences[middle:])
    items = []
    for number, item in enumerate(base.items):
        rationale = rng.choice(RATIONALE) + " " + clinical_sentence()
        if number == 0:
            style, written = _name_form(rng, given, family)
            words = name_words if style not in ("initials", "ocr", "spaced", "break") else ()
            planted.append(Planted(f"listed claimant, {style}", written, words))
            rationale += f" The records of {written} were read in full."
        items.append(item.model_copy(update={"rationale": rationale}))
    determination = base.model_copy(
        update={"clinical_case_summary": summary, "items": items, "case_id": f"CM16-{index:07d}"}
    )
    return Letter(determination, parties, planted, " ".join(clinical))


_PLACEHOLDERS = re.compile(r"\[[a-zA-Z ]{2,24}\]")
_NUMBERS = re.compile(r"\d[\d\s().\-/]*\d")


def leaked(planted: Planted, output: str) -> bool:
    """Whether any trace of a planted identifier is in the published text."""
    text = _PLACEHOLDERS.sub(" ", output)
    folded = re.sub(r"\s+", " ", text).lower()
    written = re.sub(r"\s+", " ", planted.written).lower()
    if re.search(rf"(?<![^\W_]){re.escape(written)}(?![^\W_])", folded):
        return True
    for word in planted.words:
        if re.search(rf"(?<![^\W\d_]){re.escape(word.lower())}(?![^\W\d_])", folded):
            return True
    if planted.digits and len(planted.digits) >= 4:
        for number in _NUMBERS.findall(text):
            if planted.digits in re.sub(r"\D", "", number):
                return True
    return False


def _clinical_loss(clinical_text: str, output: str) -> tuple[int, int]:
    before = Counter(w.lower() for w in re.findall(r"[^\W_]+", clinical_text))
    after = Counter(w.lower() for w in re.findall(r"[^\W_]+", _PLACEHOLDERS.sub(" ", output)))
    lost = sum(max(0, n - after[w]) for w, n in before.items())
    return lost, sum(before.values())


@dataclass
class _Tally:
    """What one process measured over its share of the letters."""

    planted: Counter[str] = field(default_factory=Counter)
    leaked: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    lost: int = 0
    clinical: int = 0
    refused: int = 0
    parse_checked: int = 0
    parse_mismatches: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    pdf_letters: int = 0
    pdf_seconds: float = 0.0


def _measure(
    indices: range, pdf: int, seed: int, held_out: bool = False, examples: int = 0
) -> _Tally:
    from openimr.casefile.model import Parties
    from openimr.domain import Determination
    from openimr.letters.parse import parse_letter
    from openimr.publication import PublicationError, publish, redactor_for
    from openimr.publication.detect import detector

    base = Determination.model_validate_json(FIXTURE.read_text("utf-8"))
    detector()  # build the analyzer before timing
    tally = _Tally()
    for index in indices:
        letter = generate(index, seed, base, held_out)
        started, cpu_started = time.perf_counter(), time.process_time()
        redactor = redactor_for(Parties.model_validate(letter.parties))
        try:
            published = publish(letter.determination, redactor, "text")
        except PublicationError:
            tally.refused += 1
            tally.seconds += time.perf_counter() - started
            tally.cpu_seconds += time.process_time() - cpu_started
            continue
        tally.seconds += time.perf_counter() - started
        tally.cpu_seconds += time.process_time() - cpu_started
        output = published.content.decode("utf-8")
        for planted in letter.planted:
            tally.planted[planted.kind] += 1
            if leaked(planted, output):
                tally.leaked[planted.kind] += 1
                shown = tally.examples.setdefault(planted.kind, [])
                if len(shown) < examples:
                    shown.append(planted.written)
        a, b = _clinical_loss(letter.clinical_text, output)
        tally.lost += a
        tally.clinical += b
        if index % 20 == 0:
            parsed = parse_letter(published.content)
            same = [i.decision for i in parsed.items] == [
                i.decision for i in letter.determination.items
            ] and [[c.family for c in i.citations] for i in parsed.items] == [
                [c.family for c in i.citations] for i in letter.determination.items
            ]
            tally.parse_checked += 1
            tally.parse_mismatches += not same
        if index < pdf:
            started = time.perf_counter()
            publish(letter.determination, redactor, "pdf")
            tally.pdf_seconds += time.perf_counter() - started
            tally.pdf_letters += 1
    return tally


# -- nicknames of the sourced table, split in two by a fixed hash -----------------------------

#: Sentences naming the worker by a nickname where something marks a person, and where nothing
#: does (inside a clinical sentence, beside eponyms, drugs and dates).
SPLIT_CUED = [
    "{name} reported that the pain was worse at night.",
    "The treating physician examined {name} on the same day.",
    "At the follow-up visit {name} described numbness in both hands.",
    "The nurse called {name} to confirm the appointment.",
]
SPLIT_CLINICAL = [
    "Medications for {name} included Norco 10/325, Flexeril and gabapentin.",
    "Spurling maneuver reproduced neck pain in {name} with tingling into the thumb.",
    "On December 2, 2015, {name} had a positive McMurray test on the left.",
    "Tramadol was stopped because {name} had nausea; naproxen was continued.",
]


def split_half(full: str, short: str) -> str:
    """``tuning`` or ``check``: a fixed hash of the relation, so that the two halves are the
    same on every run and machine, and nothing about a name decides its half."""
    digest = hashlib.sha256(f"{full}|{short}".encode()).digest()
    return "tuning" if digest[0] % 2 == 0 else "check"


def nickname_split(seed: int, examples: int = 0) -> dict[str, Any]:
    """Every (given name, nickname) relation of the ``nicknames`` package planted as the
    nickname of a worker listed by the given name, once where a person is marked and once
    inside a clinical sentence; redacted with a nickname table that holds only the tuning half
    (so the check half measures forms the table does not hold: what the sound changes, shapes
    and context find), and with the whole table as published letters use it."""
    from openimr.casefile.model import Parties
    from openimr.publication import redactor_for
    from openimr.publication.vocabulary import load_publication_vocabulary, nickname_relations

    relations = nickname_relations()
    halves = {r: split_half(*r) for r in relations}
    full_table = load_publication_vocabulary()
    tables = {
        "tuning half only": full_table.with_nicknames(
            [r for r in relations if halves[r] == "tuning"]
        ),
        "whole table": full_table,
    }
    families = sorted({f for fs in FAMILY.values() for f in fs})
    planted: Counter[str] = Counter()
    leaks: Counter[str] = Counter()
    shown: dict[str, list[str]] = {}
    lost = clinical = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for index, (full, short) in enumerate(relations):
        rng = random.Random(f"split {seed} {index}")
        family = rng.choice(families)
        parties = Parties.model_validate({"claimant": {"name": f"{full.title()} {family}"}})
        nickname = short.title()
        sentences = {
            "with a person cue": rng.choice(SPLIT_CUED),
            "inside a clinical sentence": rng.choice(SPLIT_CLINICAL),
        }
        for table_name, table in tables.items():
            redactor = redactor_for(parties, vocabulary=table)
            for where, template in sentences.items():
                text = (
                    f"{rng.choice(CLINICAL).format(service='May 3, 2016', injury='May 1, 2015')} "
                )
                text += template.format(name=nickname)
                output = redactor.redact(text).text
                kind = f"{table_name}: {halves[(full, short)]} half, {where}"
                planted[kind] += 1
                if leaked(Planted(kind, nickname, _words_of(nickname)), output):
                    leaks[kind] += 1
                    # only the tuning half is ever shown: the check half stays unseen
                    tuning = halves[(full, short)] == "tuning"
                    if tuning and len(shown.setdefault(kind, [])) < examples:
                        shown[kind].append(f"{nickname} ({full})")
                a, b = _clinical_loss(text.replace(nickname, " "), output)
                lost += a
                clinical += b
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    return {
        "relations": len(relations),
        "tuning_relations": sum(1 for h in halves.values() if h == "tuning"),
        "check_relations": sum(1 for h in halves.values() if h == "check"),
        "leaked_by_kind": {
            k: f"{leaks[k]}/{planted[k]} ({100 * leaks[k] / planted[k]:.1f} %)"
            for k in sorted(planted)
        },
        **({"leaked_examples": shown} if examples else {}),
        "clinical_words": clinical,
        "clinical_words_removed": lost,
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
    }


def run(
    letters: int,
    pdf: int,
    seed: int,
    held_out: bool = False,
    examples: int = 0,
    jobs: int = 1,
) -> dict[str, Any]:
    """The figures over ``letters`` letters, measured in ``jobs`` processes (each takes every
    ``jobs``-th letter; rates are per process, so per core)."""
    if jobs <= 1:
        tallies = [_measure(range(letters), pdf, seed, held_out, examples)]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = [
                pool.submit(_measure, range(job, letters, jobs), pdf, seed, held_out, examples)
                for job in range(jobs)
            ]
            tallies = [f.result() for f in futures]
    total = _Tally()
    for tally in tallies:
        total.planted.update(tally.planted)
        total.leaked.update(tally.leaked)
        for kind, shown in tally.examples.items():
            total.examples.setdefault(kind, []).extend(shown)
        total.lost += tally.lost
        total.clinical += tally.clinical
        total.refused += tally.refused
        total.parse_checked += tally.parse_checked
        total.parse_mismatches += tally.parse_mismatches
        total.seconds += tally.seconds
        total.cpu_seconds += tally.cpu_seconds
        total.pdf_letters += tally.pdf_letters
        total.pdf_seconds += tally.pdf_seconds
    kinds = sorted(total.planted)
    examples_shown = {k: v[:examples] for k, v in sorted(total.examples.items())}
    return {
        "letters": letters,
        "seed": seed,
        "held_out": held_out,
        "jobs": jobs,
        "python": platform.python_version(),
        "planted": sum(total.planted.values()),
        "leaked": sum(total.leaked.values()),
        "leaked_by_kind": {k: f"{total.leaked[k]}/{total.planted[k]}" for k in kinds},
        **({"leaked_examples": examples_shown} if examples else {}),
        "refused_letters": total.refused,
        "clinical_words": total.clinical,
        "clinical_words_removed": total.lost,
        "clinical_words_removed_pct": round(100 * total.lost / max(1, total.clinical), 4),
        "parse_checked": total.parse_checked,
        "parse_mismatches": total.parse_mismatches,
        # summed over processes: the time one core spends on a letter
        "text_letters_per_second_one_core": round(letters / total.seconds, 1),
        # CPU time of the measuring processes only: what one core does when other work shares
        # the machine
        "text_letters_per_cpu_second": round(letters / total.cpu_seconds, 1),
        "pdf_letters": total.pdf_letters,
        "pdf_letters_per_second_one_core": round(total.pdf_letters / total.pdf_seconds, 2)
        if total.pdf_seconds
        else None,
    }


def real_letters(folder: Path, examples: int = 0) -> dict[str, Any]:
    """Words the detectors remove from published letters, which carry no identifier."""
    from openimr.corpus.evaluate import split_of
    from openimr.letters.extract import read_letter_text
    from openimr.publication.identities import identities_from
    from openimr.publication.redact import Redactor

    redactor = Redactor(identities_from())
    words = removed = letters = 0
    by_label: Counter[str] = Counter()
    shown: dict[str, list[str]] = {}
    cpu_started = time.process_time()
    for path in sorted(folder.glob("*.pdf")) + sorted(folder.glob("*.txt")):
        text = "\n".join(read_letter_text(path).pages)
        letters += 1
        words += len(re.findall(r"[^\W_]+", text))
        for span in redactor.spans(text):
            found = text[span.start : span.end]
            count = len(re.findall(r"[^\W_]+", found))
            removed += count
            by_label[span.label] += count
            if split_of(path.stem) == "tuning" and len(shown.setdefault(span.label, [])) < examples:
                shown[span.label].append(" ".join(found.split()))
    return {
        "letters": letters,
        "words": words,
        "words_removed": removed,
        "words_removed_pct": round(100 * removed / max(words, 1), 4),
        "removed_by_label": dict(sorted(by_label.items())),
        "examples_from_tuning_half": dict(sorted(shown.items())),
        "letters_per_cpu_second": round(letters / max(time.process_time() - cpu_started, 1e-9), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=10_000)
    parser.add_argument("--pdf", type=int, default=50, help="letters also published as PDF")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="also plant the held-out short forms and sentences (for the final measure only)",
    )
    parser.add_argument(
        "--examples", type=int, default=0, help="show up to N leaked values of each kind"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, help="processes sharing the letters (rates stay per core)"
    )
    parser.add_argument(
        "--nickname-split",
        action="store_true",
        help="only the nickname table's relations, split by a fixed hash into a tuning and a "
        "check half (the check half redacted with a table that holds only the tuning half)",
    )
    parser.add_argument(
        "--real",
        type=Path,
        help="a folder of published letters: count the words the detectors remove from them",
    )
    args = parser.parse_args()
    if args.real is not None:
        figures = real_letters(args.real, args.examples)
    elif args.nickname_split:
        figures = nickname_split(args.seed, args.examples)
    else:
        figures = run(args.letters, args.pdf, args.seed, args.held_out, args.examples, args.jobs)
    if args.json:
        json.dump(figures, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
        return
    for key, value in figures.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for kind, figure in value.items():
                print(f"  {kind.ljust(44)} {figure}")
        else:
            print(f"{key.ljust(36)} {value}")


if __name__ == "__main__":
    main()
