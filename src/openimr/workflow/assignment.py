"""Choosing the expert reviewer for a case (imr-process.md §3.5, §4).

Pure: the case, its parties, the registry (with each reviewer's open cases) and the rules go
in; the chosen reviewer, why, and why every other reviewer was not chosen come out. A reviewer
qualifies when they meet the qualification thresholds, their specialty covers every disputed
item, and none of their affiliations matches a party to the case. Among qualified reviewers
the one with the fewest open cases is chosen (registry code breaks ties, so the choice is
reproducible).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from openimr.casefile import CaseFile, RecordKind
from openimr.errors import WorkflowError
from openimr.workflow.rules import ReviewerQualifications, SpecialtyRules, normalize_name
from openimr.workflow.schemas import Application, ReviewerExclusion


@dataclass(frozen=True)
class Candidate:
    """A registry entry with its current load."""

    id: int
    code: str
    license_states: tuple[str, ...]
    license_unrestricted: bool
    board_certifications: tuple[str, ...]
    specialties: tuple[str, ...]
    years_active_practice: float
    weekly_clinical_hours: float
    affiliations: tuple[str, ...]
    max_open_cases: int | None
    active: bool
    open_cases: int


@dataclass(frozen=True)
class Choice:
    chosen: Candidate
    reasons: list[str]
    excluded: list[ReviewerExclusion]
    needed: list[list[str]]


@dataclass(frozen=True)
class Parties:
    """Who a reviewer must not be affiliated with; names never leave this object."""

    by_role: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, case_file: CaseFile, application: Application) -> Parties:
        providers = [r.author for r in case_file.records if r.author]
        providers += application.providers
        roles = {
            "employer": [application.employer] if application.employer else [],
            "employee": [application.employee_name] if application.employee_name else [],
            "requesting_physician": (
                [application.requesting_physician] if application.requesting_physician else []
            ),
            "providers": providers,
            "claims_administrator": (
                [case_file.claims_administrator] if case_file.claims_administrator else []
            ),
        }
        return cls(by_role=roles)


_NOISE = frozenset(
    {
        "inc",
        "llc",
        "llp",
        "lp",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "the",
        "md",
        "do",
        "dc",
        "dr",
        "phd",
        "pc",
        "of",
        "and",
    }
)


def _tokens(name: str) -> frozenset[str]:
    words = re.findall(r"[a-z0-9]+", normalize_name(name))
    return frozenset(w for w in words if w not in _NOISE)


def names_match(a: str, b: str) -> bool:
    """Same organisation or person, allowing suffixes (Inc., MD) and a shorter form.

    Errs toward a match: a wrongly found conflict costs a different reviewer, a missed one
    costs the independence of the review.
    """
    ta, tb = _tokens(a), _tokens(b)
    if not ta or not tb:
        return False
    if ta == tb:
        return True
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    if len(short) == 1 and len(next(iter(short))) < 4:
        return False
    return short <= long_


def needed_specialties(case_file: CaseFile, rules: SpecialtyRules) -> list[list[str]]:
    """For each disputed item, the specialties that evaluate or treat it."""
    treating = sorted(
        {
            rules.canonical(record.specialty)
            for record in case_file.records
            if record.specialty
            and record.kind in {RecordKind.PROGRESS_REPORT, RecordKind.CONSULTATION}
        }
    )
    needed: list[list[str]] = []
    for item in case_file.disputed_items:
        found = rules.specialties_for(item.request)
        if not found:
            found = set(rules.generalists) | set(treating)
        needed.append(sorted(found))
    return needed


def _qualification_problems(candidate: Candidate, rules: ReviewerQualifications) -> list[str]:
    problems: list[str] = []
    if not candidate.active:
        problems.append("inactive in the registry")
    if rules.require_license and not candidate.license_states:
        problems.append("no medical licence on record")
    if rules.require_unrestricted_license and not candidate.license_unrestricted:
        problems.append("licence is restricted")
    if len(candidate.board_certifications) < rules.min_board_certifications:
        problems.append(
            f"{len(candidate.board_certifications)} board certification(s); "
            f"at least {rules.min_board_certifications} required"
        )
    if candidate.years_active_practice <= rules.years_active_practice_more_than:
        problems.append(
            f"{candidate.years_active_practice:g} years in active practice; more than "
            f"{rules.years_active_practice_more_than:g} required"
        )
    if candidate.weekly_clinical_hours < rules.weekly_clinical_hours_at_least:
        problems.append(
            f"{candidate.weekly_clinical_hours:g} clinical hours a week; at least "
            f"{rules.weekly_clinical_hours_at_least:g} required"
        )
    if candidate.max_open_cases is not None and candidate.open_cases >= candidate.max_open_cases:
        problems.append(f"at capacity ({candidate.open_cases} of {candidate.max_open_cases} cases)")
    return problems


def _specialty_problems(
    candidate: Candidate, needed: list[list[str]], rules: SpecialtyRules
) -> list[str]:
    own = {rules.canonical(s) for s in candidate.specialties}
    problems = []
    for index, specialties in enumerate(needed):
        if not own & set(specialties):
            problems.append(
                f"specialty ({', '.join(sorted(own))}) does not evaluate or treat disputed "
                f"item {index + 1}, which needs one of: {', '.join(specialties)}"
            )
    return problems


def _conflicts(candidate: Candidate, parties: Parties, roles: list[str]) -> list[str]:
    problems = []
    for position, affiliation in enumerate(candidate.affiliations, start=1):
        for role in roles:
            if any(names_match(affiliation, name) for name in parties.by_role.get(role, [])):
                label = role.replace("_", " ")
                problems.append(f"affiliated with the {label} (registry affiliation {position})")
    return problems


def choose(
    case_file: CaseFile,
    parties: Parties,
    candidates: list[Candidate],
    qualifications: ReviewerQualifications,
    specialties: SpecialtyRules,
    *,
    wanted: str | None = None,
    already_on_case: frozenset[int] = frozenset(),
) -> Choice:
    """Pick the least-loaded qualified reviewer, or check the one asked for."""
    needed = needed_specialties(case_file, specialties)
    qualified: list[Candidate] = []
    excluded: list[ReviewerExclusion] = []
    for candidate in sorted(candidates, key=lambda c: c.code):
        problems = []
        if candidate.id in already_on_case:
            problems.append("already assigned to this case")
        problems += _qualification_problems(candidate, qualifications)
        problems += _specialty_problems(candidate, needed, specialties)
        problems += _conflicts(candidate, parties, list(qualifications.conflict_parties))
        if problems:
            excluded.append(ReviewerExclusion(reviewer=candidate.code, reasons=problems))
        else:
            qualified.append(candidate)
    if wanted is not None:
        pick = next((c for c in qualified if c.code == wanted), None)
        if pick is None:
            known = next((e for e in excluded if e.reviewer == wanted), None)
            if known is None:
                raise WorkflowError(f"no reviewer {wanted!r} in the registry")
            raise WorkflowError(
                f"reviewer {wanted} cannot take this case: " + "; ".join(known.reasons)
            )
    elif not qualified:
        raise WorkflowError(
            "no reviewer in the registry qualifies for this case: "
            + " | ".join(f"{e.reviewer}: {'; '.join(e.reasons)}" for e in excluded)
        )
    else:
        pick = min(qualified, key=lambda c: (c.open_cases, c.code))
    own = sorted({specialties.canonical(s) for s in pick.specialties})
    reasons = [
        f"specialty ({', '.join(own)}) evaluates or treats every disputed item",
        f"meets the qualification rules ({qualifications.source})",
        "no affiliation with the employer, employee, providers or claims administrator",
        f"carries {pick.open_cases} open case(s)"
        + (", the fewest among qualified reviewers" if wanted is None else "; chosen by request"),
    ]
    for other in qualified:
        if other is pick:
            continue
        if wanted is not None:
            why = "qualified; another reviewer was requested"
        elif other.open_cases > pick.open_cases:
            why = (
                f"qualified, but carries {other.open_cases} open case(s) against {pick.open_cases}"
            )
        else:
            why = "qualified and equally loaded; the registry code breaks the tie"
        excluded.append(ReviewerExclusion(reviewer=other.code, reasons=[why]))
    excluded.sort(key=lambda e: e.reviewer)
    return Choice(chosen=pick, reasons=reasons, excluded=excluded, needed=needed)
