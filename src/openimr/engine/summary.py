"""The proposed clinical case summary: a starting point the physician edits.

When the case file already carries a clinical summary record, that text is used as is.
Otherwise the summary is composed from the facts found: who, when injured, what care has been
given, what the records show, and what the UR decided. It names no one.
"""

from __future__ import annotations

from datetime import date

from openimr.casefile import CaseFile, RecordKind
from openimr.engine.normalize import NormalizedItem
from openimr.facts.clinical_facts import ClinicalFacts

_KIND_LABELS = {
    "progress_report": "progress reports",
    "consultation": "consultations",
    "imaging": "imaging reports",
    "ur_determination": "UR determination",
    "clinical_summary": "clinical summary",
    "operative_report": "operative reports",
    "other": "other records",
}


def _day(value: date) -> str:
    return f"{value:%B} {value.day}, {value.year}"


#: Concepts the composed summary mentions.
SUMMARY_CONCEPTS = (
    "neuro_deficit",
    "radiculopathy",
    "red_flag",
    "functional_improvement",
    "failed_conservative_care",
    "improving",
    "off_work",
    "work_modified",
    "work_full_duty",
)

_NOTABLE_FINDINGS = SUMMARY_CONCEPTS[:6]


def compose_summary(case: CaseFile, facts: ClinicalFacts, items: list[NormalizedItem]) -> str:
    summaries = [r.text.strip() for r in case.records if r.kind is RecordKind.CLINICAL_SUMMARY]
    if summaries:
        return "\n\n".join(summaries)
    vocab = facts.vocabulary
    who = "The injured worker"
    if facts.age:
        who += f" is a {facts.age}-year-old" + (
            f" {facts.sex}" if facts.sex in {"male", "female"} else ""
        )
        who += " who sustained an industrial injury"
    else:
        who += " sustained an industrial injury"
    injured = case.claimant.date_of_injury or facts.injury_date  # the claim's date first
    if injured:
        who += f" on {_day(injured)}"
    sentences = [who + "."]
    kinds = [_KIND_LABELS.get(r.kind.value, r.kind.value.replace("_", " ")) for r in case.records]
    dated = sorted(d for d in facts.record_dates if d)
    span = ""
    if dated:
        first, last = dated[0], dated[-1]
        span = f" dated {_day(first)}" + (f" to {_day(last)}" if last != first else "")
    sentences.append(
        f"The case file holds {len(case.records)} record(s){span}: "
        + ", ".join(sorted(set(kinds)))
        + "."
    )
    treatments = [
        vocab.treatments[kind].label
        for kind in vocab.treatments
        if kind not in {"medication"} and facts.treatment_received(kind).value is True
    ]
    if treatments:
        sentences.append("Treatment documented to date includes " + ", ".join(treatments) + ".")
    medications = sorted(m.generic for m in facts.medications.values() if m.prior_use)
    if medications:
        sentences.append("Medications documented: " + ", ".join(medications) + ".")
    noted = [vocab.concepts[c].label for c in _NOTABLE_FINDINGS if facts.finding(c).value is True]
    if noted:
        sentences.append("The records document " + ", ".join(noted) + ".")
    for status, label in (
        ("off_work", "off work"),
        ("work_modified", "working with restrictions"),
        ("work_full_duty", "working full duty"),
    ):
        if facts.finding(status).value is True:
            sentences.append(f"Work status: {label}.")
            break
    requests = "; ".join(item.request.reviewed_text.rstrip(". ") for item in items)
    ur = "Utilization review"
    if case.ur_decision_date:
        ur += f" dated {_day(case.ur_decision_date)}"
    sentences.append(f"{ur} did not certify the following, now in dispute: {requests}.")
    return " ".join(sentences)
