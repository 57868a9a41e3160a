"""Realistic synthetic case files for benchmarks (no real patient data).

A 30-page case file is 28 progress notes, an imaging report and a UR determination, about
2,800 characters a page. Sentences are drawn from varied templates with varied values so that
few sentences repeat word for word (real records repeat more, through copied-forward notes).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

#: Characters of a typical page of clinical notes.
PAGE_CHARS = 2_800

_SUBJECTIVE = [
    "Patient reports {region} pain rated {p}/10 radiating to the {side} {limb}.",
    "She states the {region} pain is worse with prolonged sitting beyond {n} minutes.",
    "He describes intermittent numbness and tingling in the {side} {digits} since {month}.",
    "The pain is {quality} and increases with bending, lifting and twisting.",
    "Pain interferes with sleep; the patient wakes {n} times a night.",
    "The patient denies bowel or bladder changes, fever or weight loss.",
    "Since the last visit the pain is about {pct} percent better with therapy.",
    "The patient reports no improvement since the last visit despite medications.",
    "Functional limitations include difficulty with {adl} and carrying more than {n} pounds.",
    "She has completed {n} sessions of physical therapy with temporary relief.",
    "He had {n} chiropractic visits earlier this year without lasting benefit.",
    "Acupuncture was tried for {n} sessions and helped with pain for a few days.",
    "Home exercise program is performed {n} times a week.",
    "Mood is stable; there is some stress related to being off work.",
]
_OBJECTIVE = [
    "Lumbar range of motion is reduced in flexion to {deg} degrees with pain at end range.",
    "Cervical rotation is limited to {deg} degrees to the {side}.",
    "Straight leg raise is positive on the {side} at {deg} degrees.",
    "Straight leg raise is negative bilaterally.",
    "Sensation is diminished in the {side} {derm} dermatome.",
    "Sensation is intact to light touch in all dermatomes.",
    "Deep tendon reflexes are {refl} and symmetric at the knees and ankles.",
    "Motor strength is {strength}/5 in the {side} {muscle}.",
    "There is tenderness to palpation over the {region} paraspinal muscles with spasm.",
    "Gait is {gait}; heel and toe walking are performed with effort.",
    "Spurling's test is {posneg} on the {side}.",
    "McMurray's test is {posneg} and there is {effusion} effusion of the {side} knee.",
    "Impingement signs are {posneg} at the {side} shoulder.",
    "Tinel's sign is {posneg} at the {side} wrist.",
]
_ASSESSMENT = [
    "Lumbar sprain and strain with {side} radicular symptoms.",
    "Cervical strain; rule out cervical radiculopathy.",
    "Chronic {region} pain, myofascial in character.",
    "Possible {side} carpal tunnel syndrome.",
    "Degenerative disc disease at {level} per earlier imaging.",
]
_PLAN = [
    "Continue naproxen 550 mg twice daily and cyclobenzaprine 7.5 mg at night.",
    "Norco 5/325 mg is continued for severe pain, up to {n} tablets a day.",
    "Gabapentin 300 mg three times a day was started on {visit}.",
    "Omeprazole 20 mg daily for gastric upset with NSAIDs.",
    "Request authorization for physical therapy twice a week for {n} weeks.",
    "Request authorization for an MRI of the {region} spine.",
    "Urine drug screen on {visit} was consistent with prescribed medications.",
    "Work status: modified duty with no lifting over {n} pounds.",
    "Work status: temporarily totally disabled until the next visit.",
    "Follow up in {n} weeks or sooner if symptoms worsen.",
    "Refer to pain management for consideration of an epidural steroid injection.",
    "Continue home exercise program and heat as needed.",
]
_IMAGING = [
    "There is a {mm} mm disc protrusion at {level} contacting the traversing {side} nerve root.",
    "Mild facet arthropathy at {level} without significant canal stenosis.",
    "Moderate {side} neural foraminal narrowing at {level}.",
    "No fracture, mass or marrow abnormality is seen.",
    "Disc desiccation at {level} with preserved disc height.",
]
_WORDS = {
    "region": ["low back", "neck", "lumbar", "cervical", "thoracic"],
    "side": ["left", "right"],
    "limb": ["leg", "thigh", "calf", "arm", "hand"],
    "digits": ["fingers", "toes", "thumb and index finger"],
    "quality": ["aching", "sharp", "burning", "dull", "stabbing"],
    "adl": ["dressing", "bathing", "driving", "housework", "walking more than two blocks"],
    "derm": ["L4", "L5", "S1", "C6", "C7"],
    "refl": ["2+", "1+", "trace"],
    "strength": ["5", "4+", "4"],
    "muscle": ["extensor hallucis longus", "ankle dorsiflexors", "biceps", "grip"],
    "gait": ["antalgic", "normal", "slow"],
    "posneg": ["positive", "negative"],
    "effusion": ["no", "a small", "a moderate"],
    "level": ["L4-5", "L5-S1", "L3-4", "C5-6", "C6-7"],
    "month": ["January", "March", "June", "September"],
}


def _fill(rng: random.Random, template: str, visit: date) -> str:
    values: dict[str, Any] = {key: rng.choice(options) for key, options in _WORDS.items()}
    values.update(
        p=rng.randint(2, 9),
        n=rng.randint(2, 24),
        deg=rng.randint(15, 80),
        pct=rng.choice([10, 20, 30, 40, 50]),
        mm=rng.randint(2, 7),
        visit=visit.strftime("%m/%d/%Y"),
    )
    return template.format(**values)


def progress_note(rng: random.Random, visit: date) -> str:
    """One page of a progress note with the usual sections."""
    parts = [f"PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT  Date of service: {visit:%m/%d/%Y}"]
    sections = (
        ("SUBJECTIVE:", _SUBJECTIVE),
        ("OBJECTIVE:", _OBJECTIVE),
        ("ASSESSMENT:", _ASSESSMENT),
        ("PLAN:", _PLAN),
    )
    while sum(len(p) for p in parts) < PAGE_CHARS:
        for heading, templates in sections:
            parts.append(heading)
            for _ in range(rng.randint(2, 5)):
                parts.append(_fill(rng, rng.choice(templates), visit))
            if sum(len(p) for p in parts) >= PAGE_CHARS:
                break
    return "\n".join(parts)


def thirty_page_case(seed: int, today: date | None = None) -> dict[str, Any]:
    """A realistic 30-page case file (about 84,000 characters of records)."""
    rng = random.Random(seed)
    injury = date(2024, 1, 1) + timedelta(days=seed % 600)
    ur = (today or date(2026, 6, 1)) - timedelta(days=7)
    records: list[dict[str, Any]] = []
    visit = injury + timedelta(days=14)
    for index in range(28):
        records.append(
            {
                "kind": "progress_report",
                "date": min(visit, ur).isoformat(),
                "author": f"Treating Physician {seed % 97}, MD",
                "specialty": "physical medicine and rehabilitation",
                "text": progress_note(rng, visit),
            }
        )
        visit += timedelta(days=rng.randint(10, 21))
        if visit >= ur:
            visit = ur - timedelta(days=28 - index)
    scan_day = injury + timedelta(days=60)
    imaging = " ".join(_fill(rng, rng.choice(_IMAGING), scan_day) for _ in range(30))
    records.append(
        {
            "kind": "imaging",
            "date": scan_day.isoformat(),
            "text": "MRI LUMBAR SPINE WITHOUT CONTRAST. FINDINGS: " + imaging,
        }
    )
    records.append(
        {
            "kind": "ur_determination",
            "date": ur.isoformat(),
            "text": "UTILIZATION REVIEW DETERMINATION. The requests below are not certified. "
            + progress_note(rng, ur),
        }
    )
    return {
        "case_id": f"BENCH-{seed}",
        "claimant": {"age": 30 + seed % 30, "sex": "female", "date_of_injury": injury.isoformat()},
        "claims_administrator": "Bench Mutual Insurance",
        "ur_decision_date": ur.isoformat(),
        "disputed_items": [
            {
                "request": "Physical therapy 2 times a week for 6 weeks for the lumbar spine",
                "ur_decision": "denied",
            },
            {"request": "Lumbar epidural steroid injection at left L4-5", "ur_decision": "denied"},
            {"request": "Cyclobenzaprine 7.5 mg #60", "ur_decision": "modified"},
        ],
        "records": records,
    }
