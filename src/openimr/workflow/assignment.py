"""Choosing the expert reviewer for a case (imr-process.md §3.5, §4).

Pure: the case, its parties, the registry (with each reviewer's open cases) and the rules go
in; the chosen reviewer, why, and why every other reviewer was not chosen come out. A reviewer
qualifies when they meet the qualification thresholds (board certification only where the
rules ask it of their profession), their specialty covers every disputed item, and none of
their affiliations matches a party to the case. Among qualified reviewers the one with the
fewest open cases is chosen (registry code breaks ties, so the choice is reproducible).

An override (an administrator's, with a reason the service records) may choose another
reviewer than that, even one at their own case limit, which is the organization's rule; never
one the qualification, specialty or independence rules exclude.
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
    #: The kind of licence: which qualification rules apply (``md`` before it was recorded).
    profession: str = "md"


@dataclass(frozen=True)
class Choice:
    chosen: Candidate
    reasons: list[str]
    excluded: list[ReviewerExclusion]
    needed: list[list[str]]
    #: Who the rules would have chosen (None when nobody qualified); differs from ``chosen``
    #: only by an override.
    automatic: Candidate | None = None


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


def requirements(rules: ReviewerQualifications, profession: str) -> list[str]:
    """What assignment requires of a reviewer of ``profession``, in words, before any case:
    the qualification rules, then what every case checks."""
    label = rules.professions.get(profession, profession)
    needed = rules.certifications_needed(profession)
    out = []
    if rules.require_license:
        out.append(
            "a licence to practise"
            + (", not restricted" if rules.require_unrestricted_license else "")
        )
    if needed:
        asked = " and ".join(
            rules.professions.get(p, p) for p in rules.board_certification.required_for
        )
        out.append(
            f"at least {needed} board certification(s), asked of {asked} reviewers "
            f"({rules.board_certification.source})"
        )
    else:
        out.append(f"no board certification: the rules ask none of {label} reviewers")
    out += [
        f"more than {rules.years_active_practice_more_than:g} years in active practice",
        f"at least {rules.weekly_clinical_hours_at_least:g} clinical hours a week",
        "on each case: a specialty that evaluates or treats every disputed item "
        "(workflow/rules/specialties.yaml)",
        "on each case: no affiliation with the employer, employee, requesting physician, "
        "providers or claims administrator",
        "fewer open cases than their own limit, if one is set (an administrator may override it)",
    ]
    return out


def qualification_problems(
    candidate: Candidate, rules: ReviewerQualifications, *, with_load: bool = True
) -> list[str]:
    """Why the reviewer cannot be assigned whatever the case (empty when they can)."""
    problems: list[str] = []
    if not candidate.active:
        problems.append("inactive in the registry")
    if candidate.profession not in rules.professions:
        problems.append(f"profession {candidate.profession!r} is not one the rules list")
    if rules.require_license and not candidate.license_states:
        problems.append("no licence on record")
    if rules.require_unrestricted_license and not candidate.license_unrestricted:
        problems.append("licence is restricted")
    needed = rules.certifications_needed(candidate.profession)
    if len(candidate.board_certifications) < needed:
        problems.append(
            f"{len(candidate.board_certifications)} board certification(s); "
            f"at least {needed} required of a "
            f"{rules.professions.get(candidate.profession, candidate.profession)} reviewer"
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
    if with_load:
        problems += _load_problems(candidate)
    return problems


def _load_problems(candidate: Candidate) -> list[str]:
    """The organization's own limit on a reviewer's open cases (an override may pass it)."""
    if candidate.max_open_cases is not None and candidate.open_cases >= candidate.max_open_cases:
        return [f"at capacity ({candidate.open_cases} of {candidate.max_open_cases} cases)"]
    return []


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
    override: bool = False,
    already_on_case: frozenset[int] = frozenset(),
) -> Choice:
    """Pick the least-loaded qualified reviewer, or check the one asked for.

    A reviewer asked for who is not the rules' own choice is taken only as an ``override``;
    an override may pass a reviewer's case limit, never another rule."""
    needed = needed_specialties(case_file, specialties)
    qualified: list[Candidate] = []
    excluded: list[ReviewerExclusion] = []
    hard: dict[str, list[str]] = {}
    for candidate in sorted(candidates, key=lambda c: c.code):
        problems = []
        if candidate.id in already_on_case:
            problems.append("already assigned to this case")
        problems += qualification_problems(candidate, qualifications, with_load=False)
        problems += _specialty_problems(candidate, needed, specialties)
        problems += _conflicts(candidate, parties, list(qualifications.conflict_parties))
        hard[candidate.code] = list(problems)
        problems += _load_problems(candidate)
        if problems:
            excluded.append(ReviewerExclusion(reviewer=candidate.code, reasons=problems))
        else:
            qualified.append(candidate)
    automatic = min(qualified, key=lambda c: (c.open_cases, c.code)) if qualified else None
    if wanted is not None:
        pick = _wanted(wanted, candidates, hard, excluded, automatic, override=override)
    elif automatic is None:
        raise WorkflowError(
            "no reviewer in the registry qualifies for this case: "
            + " | ".join(f"{e.reviewer}: {'; '.join(e.reasons)}" for e in excluded)
        )
    else:
        pick = automatic
    own = sorted({specialties.canonical(s) for s in pick.specialties})
    overridden = pick is not automatic
    reasons = [
        f"specialty ({', '.join(own)}) evaluates or treats every disputed item",
        f"meets the qualification rules ({qualifications.source})",
        "no affiliation with the employer, employee, providers or claims administrator",
        f"carries {pick.open_cases} open case(s)"
        + (
            "; chosen by an administrator's override"
            if overridden
            else ", the fewest among qualified reviewers"
        ),
    ]
    if overridden:
        excluded = [e for e in excluded if e.reviewer != pick.code]
    for other in qualified:
        if other is pick:
            continue
        if overridden:
            why = "qualified; an administrator chose another reviewer"
            if other is automatic:
                why = "the automatic choice; an administrator chose another reviewer"
        elif other.open_cases > pick.open_cases:
            why = (
                f"qualified, but carries {other.open_cases} open case(s) against {pick.open_cases}"
            )
        else:
            why = "qualified and equally loaded; the registry code breaks the tie"
        excluded.append(ReviewerExclusion(reviewer=other.code, reasons=[why]))
    excluded.sort(key=lambda e: e.reviewer)
    return Choice(
        chosen=pick, reasons=reasons, excluded=excluded, needed=needed, automatic=automatic
    )


def _wanted(
    wanted: str,
    candidates: list[Candidate],
    hard: dict[str, list[str]],
    excluded: list[ReviewerExclusion],
    automatic: Candidate | None,
    *,
    override: bool,
) -> Candidate:
    """The reviewer asked for, if the rules allow them (an override passes only the limit)."""
    pick = next((c for c in candidates if c.code == wanted), None)
    if pick is None:
        raise WorkflowError(f"no reviewer {wanted!r} in the registry")
    if hard[wanted]:
        raise WorkflowError(f"reviewer {wanted} cannot take this case: " + "; ".join(hard[wanted]))
    if pick is automatic:
        return pick
    if not override:
        soft = next((e.reasons for e in excluded if e.reviewer == wanted), [])
        if soft:
            raise WorkflowError(
                f"reviewer {wanted} cannot take this case: {'; '.join(soft)} "
                "(an administrator may override this, giving a reason)"
            )
        chosen = automatic.code if automatic is not None else "none"
        raise WorkflowError(
            f"the automatic choice is {chosen}; choosing {wanted} instead is an override, "
            "made by an administrator with a reason"
        )
    return pick
