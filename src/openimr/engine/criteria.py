"""Evaluating criteria: the predicates of ``openimr.knowledge.checks`` over facts and request.

Every predicate answers True, False or None (the records are silent) with the evidence it
used and a short finding in plain words; ``all``/``any``/``not`` combine answers with
three-valued logic, so silence on one criterion is never mistaken for a yes or a no.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from openimr.domain import Evidence, NormalizedRequest
from openimr.facts.clinical_facts import ClinicalFacts
from openimr.knowledge.checks import PREDICATES, Check
from openimr.knowledge.topics import KnowledgeBase, Topic


@dataclass(frozen=True)
class Outcome:
    value: bool | None
    evidence: tuple[Evidence, ...] = ()
    finding: str | None = None


@dataclass
class Situation:
    """What a criterion is judged on: the facts, the request, its topic."""

    facts: ClinicalFacts
    request: NormalizedRequest
    topic: Topic
    knowledge: KnowledgeBase
    authorized_quantity: float | None = None
    notes: list[str] = field(default_factory=list)
    #: The decision on an operation disputed in the same review that this service supports
    #: (True: medically necessary), with the operation's name; None when none is disputed.
    procedure_necessary: bool | None = None
    procedure_label: str | None = None

    @property
    def treatment_kind(self) -> str | None:
        return self.topic.treatment_kind

    def kind(self, name: str) -> str | None:
        return self.treatment_kind if name == "same" else name


Evaluator = Callable[[Check, Situation], Outcome]
EVALUATORS: dict[str, Evaluator] = {}


def evaluator(name: str) -> Callable[[Evaluator], Evaluator]:
    def register(function: Evaluator) -> Evaluator:
        if name not in PREDICATES:
            raise AssertionError(f"evaluator for unknown predicate {name}")
        EVALUATORS[name] = function
        return function

    return register


def evaluate(check: Check, situation: Situation) -> Outcome:
    return EVALUATORS[check.name](check, situation)


def _within(value: float | None, bounds: tuple[float | None, float | None]) -> bool | None:
    if value is None:
        return None
    low, high = bounds
    if low is not None and value < low:
        return False
    return not (high is not None and value > high)


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


# -- logic ------------------------------------------------------------------------------------
@evaluator("all")
def _all(check: Check, s: Situation) -> Outcome:
    outcomes = [evaluate(child, s) for child in check.children]
    evidence = tuple(e for o in outcomes for e in o.evidence)
    failed = [o for o in outcomes if o.value is False]
    if failed:
        return Outcome(False, tuple(e for o in failed for e in o.evidence), _join(failed))
    if all(o.value is True for o in outcomes):
        return Outcome(True, evidence, _join(outcomes))
    unknown = [o for o in outcomes if o.value is None]
    return Outcome(None, evidence, _join(unknown))


@evaluator("any")
def _any(check: Check, s: Situation) -> Outcome:
    outcomes = [evaluate(child, s) for child in check.children]
    passed = [o for o in outcomes if o.value is True]
    if passed:
        return Outcome(True, tuple(e for o in passed for e in o.evidence), _join(passed))
    if all(o.value is False for o in outcomes):
        return Outcome(False, tuple(e for o in outcomes for e in o.evidence), _join(outcomes))
    unknown = [o for o in outcomes if o.value is None]
    return Outcome(None, tuple(e for o in outcomes for e in o.evidence), _join(unknown))


@evaluator("not")
def _not(check: Check, s: Situation) -> Outcome:
    inner = evaluate(check.children[0], s)
    value = None if inner.value is None else not inner.value
    return Outcome(value, inner.evidence, inner.finding)


def _join(outcomes: list[Outcome]) -> str | None:
    parts = [o.finding for o in outcomes if o.finding]
    unique = list(dict.fromkeys(parts))
    return "; ".join(unique) if unique else None


# -- findings ---------------------------------------------------------------------------------
def _side(s: Situation) -> str | None:
    """The request's side, when it names one side only."""
    side = s.request.laterality
    return side if side in {"left", "right"} else None


@evaluator("finding")
def _finding(check: Check, s: Situation) -> Outcome:
    label = s.facts.vocabulary.concepts[check.args].label
    found = s.facts.finding(check.args, tuple(s.request.body_regions), _side(s))
    if found.value is True:
        return Outcome(True, found.evidence, f"{label} documented")
    if found.value is False:
        return Outcome(False, found.evidence, f"{label} documented as absent")
    return Outcome(None, (), f"no documentation of {label}")


@evaluator("absent")
def _absent(check: Check, s: Situation) -> Outcome:
    label = s.facts.vocabulary.concepts[check.args].label
    found = s.facts.finding(check.args, tuple(s.request.body_regions), _side(s))
    if found.value is True:
        return Outcome(False, found.evidence, f"{label} documented")
    return Outcome(True, found.evidence, f"no {label} documented")


@evaluator("received")
def _received(check: Check, s: Situation) -> Outcome:
    kind = s.kind(check.args)
    if kind is None:
        return Outcome(None, (), None)
    label = s.facts.vocabulary.treatments[kind].label
    found = s.facts.treatment_received(kind)
    if found.value is True:
        return Outcome(True, found.evidence, f"prior {label} documented")
    if found.value is False:
        return Outcome(False, found.evidence, f"no prior {label}")
    if s.authorized_quantity:
        return Outcome(True, (), f"{label} partly authorized by UR")
    if check.args == "same" and s.request.continuation:
        return Outcome(True, (), f"the request is for more {label}")
    return Outcome(None, (), f"no mention of prior {label}")


@evaluator("not_received")
def _not_received(check: Check, s: Situation) -> Outcome:
    inner = _received(check, s)
    if inner.value is True:
        return Outcome(False, inner.evidence, inner.finding)
    if inner.value is None and check.args == "same" and _earlier_course_unknown(s):
        return Outcome(None, inner.evidence, _silent_history(s))
    return Outcome(True, inner.evidence, inner.finding)


def _earlier_course_unknown(s: Situation) -> bool:
    """Whether silence about earlier therapy of this kind leaves the course unknown.

    A visit guide counts a course. By the chronic phase, the therapy that initial care
    ordinarily gives (``definitions.yaml`` ``early_treatments``) has usually been given, so
    records that do not mention it do not show a first course: only a request for an
    initial course or a trial says so. Earlier after an injury, silence means none.
    """
    if s.request.first_course or s.treatment_kind not in s.knowledge.phases.early_treatments:
        return False
    return case_phase(s)[0] == "chronic"


def _silent_history(s: Situation) -> str:
    kind = s.treatment_kind
    label = s.facts.vocabulary.treatments[kind].label if kind else "this treatment"
    weeks = s.facts.weeks_since_injury
    since = f" in the {elapsed(weeks)} since the injury" if weeks is not None else ""
    return f"the records do not say whether {label} was given before{since}"


@dataclass(frozen=True)
class PriorCourse:
    """Sessions already given (or authorized) of a kind of treatment."""

    count: float | None  # None when given but not counted
    extensive: bool  # the records say the care was long or repeated, without a count
    evidence: tuple[Evidence, ...]
    finding: str


def _prior_count(s: Situation, kind: str | None) -> PriorCourse:
    if kind is None:
        return PriorCourse(None, False, (), "no treatment kind")
    label = s.facts.vocabulary.treatments[kind].label
    regions = tuple(s.request.body_regions)
    received = s.facts.treatment_received(kind, regions)
    counted = s.facts.sessions(kind, regions)
    authorized = s.authorized_quantity or 0.0
    if counted.count is not None:
        total = counted.count + authorized
        return PriorCourse(
            total, counted.extensive, counted.evidence, f"{_fmt(total)} prior {label} sessions"
        )
    if counted.extensive:
        evidence = counted.evidence or received.evidence
        return PriorCourse(None, True, evidence, f"extensive prior {label}, number not stated")
    if received.value is True:
        finding = f"prior {label} documented, number of sessions not stated"
        return PriorCourse(None, False, received.evidence, finding)
    if authorized:
        return PriorCourse(authorized, False, (), f"{_fmt(authorized)} sessions authorized by UR")
    if received.value is None and s.request.continuation:
        finding = f"the request is for more {label}; the sessions already given are not stated"
        return PriorCourse(None, False, (), finding)
    if received.value is None and _earlier_course_unknown(s):
        return PriorCourse(None, False, (), _silent_history(s))
    return PriorCourse(0.0, False, (), f"no prior {label} documented")


@evaluator("prior_sessions")
def _prior_sessions(check: Check, s: Situation) -> Outcome:
    prior = _prior_count(s, s.treatment_kind)
    if prior.count is None and prior.extensive and check.args[1] is not None:
        return Outcome(False, prior.evidence, prior.finding)
    return Outcome(_within(prior.count, check.args), prior.evidence, prior.finding)


@evaluator("course_total")
def _course_total(check: Check, s: Situation) -> Outcome:
    prior = _prior_count(s, s.treatment_kind)
    requested = s.request.quantity.value if s.request.quantity else None
    if prior.count is None:
        if prior.extensive and check.args[1] is not None:
            return Outcome(False, prior.evidence, prior.finding)
        high = check.args[1]
        if requested is not None and high is not None and requested > high:
            # whatever was given before, the request alone already passes the bound
            finding = f"{prior.finding}; {_fmt(requested)} requested alone exceed {_fmt(high)}"
            return Outcome(False, prior.evidence, finding)
        return Outcome(None, prior.evidence, prior.finding)
    if requested is None:
        return Outcome(None, prior.evidence, f"{prior.finding}; requested number not stated")
    total = prior.count + requested
    return Outcome(
        _within(total, check.args),
        prior.evidence,
        f"{prior.finding} plus {_fmt(requested)} requested makes {_fmt(total)}",
    )


_PLURAL_VISITS = re.compile(
    r"\b(?:visits|sessions|evaluations|consultations|consults|appointments|exams|examinations"
    r"|series|monthly|weekly|every|x\s*\d|\d+\s*x)\b",
    re.IGNORECASE,
)


@evaluator("requested")
def _requested(check: Check, s: Situation) -> Outcome:
    quantity = s.request.quantity
    if quantity is None:
        if s.topic.kind == "visit" and not _PLURAL_VISITS.search(s.request.reviewed_text):
            # "a follow-up visit", "an evaluation": one, though no number is written
            return Outcome(_within(1, check.args), (), "a single visit requested")
        return Outcome(None, (), "requested quantity not stated")
    return Outcome(
        _within(quantity.value, check.args), (), f"{_fmt(quantity.value)} {quantity.unit} requested"
    )


@evaluator("frequency_per_week")
def _frequency(check: Check, s: Situation) -> Outcome:
    value = s.request.frequency_per_week
    finding = f"{_fmt(value)} per week requested" if value is not None else "frequency not stated"
    return Outcome(_within(value, check.args), (), finding)


@evaluator("duration_weeks")
def _duration(check: Check, s: Situation) -> Outcome:
    value = s.request.duration_weeks
    finding = f"{_fmt(value)} weeks requested" if value is not None else "duration not stated"
    return Outcome(_within(value, check.args), (), finding)


@evaluator("weeks_since_injury")
def _weeks(check: Check, s: Situation) -> Outcome:
    weeks = s.facts.weeks_since_injury
    longer = s.knowledge.phases.chronic_min_weeks
    chronic = _stated_chronic(s) if weeks is None or weeks < longer else None
    if chronic is not None:
        return Outcome(_within(longer, check.args), chronic, "symptoms of long standing")
    if weeks is None:
        return Outcome(None, (), "date of injury or of the request unknown")
    evidence = (s.facts.injury_date_evidence,) if s.facts.injury_date_evidence else ()
    return Outcome(_within(weeks, check.args), evidence, f"{elapsed(weeks)} since the injury")


def elapsed(weeks: float) -> str:
    """A duration as a person would say it: weeks, then months, then years."""
    if weeks < 13:
        return f"{_fmt(round(weeks, 1))} weeks"
    if weeks < 104:
        return f"about {round(weeks / 4.345)} months"
    return f"about {round(weeks / 52.18)} years"


def phase_of(weeks: float | None, knowledge: KnowledgeBase) -> str | None:
    if weeks is None:
        return None
    if weeks < knowledge.phases.acute_max_weeks:
        return "acute"
    if weeks < knowledge.phases.chronic_min_weeks:
        return "subacute"
    return "chronic"


def _stated_chronic(s: Situation) -> tuple[Evidence, ...] | None:
    """The records' words for symptoms of long standing ("chronic low back pain", "neck pain
    for 3 years"), or None: the course of the symptoms is what the phase of care measures, and
    an injury dated late (a cumulative injury, a date the records contradict) understates it."""
    stated = s.facts.finding("chronic_course")
    return stated.evidence if stated.value else None


def case_phase(s: Situation) -> tuple[str | None, tuple[Evidence, ...]]:
    """The phase of care from the date of injury, or chronic when the records say so."""
    phase = phase_of(s.facts.weeks_since_injury, s.knowledge)
    if phase != "chronic":
        chronic = _stated_chronic(s)
        if chronic is not None:
            return "chronic", chronic
    return phase, ()


@evaluator("phase")
def _phase(check: Check, s: Situation) -> Outcome:
    phase, evidence = case_phase(s)
    if phase is None:
        return Outcome(None, (), "phase of care unknown (no dates)")
    why = " (symptoms of long standing)" if evidence else ""
    return Outcome(phase in check.args, evidence, f"{phase} phase{why}")


@evaluator("age")
def _age(check: Check, s: Situation) -> Outcome:
    age = s.facts.age
    evidence = (s.facts.age_evidence,) if s.facts.age_evidence else ()
    finding = f"age {age}" if age is not None else "age not stated"
    return Outcome(_within(age, check.args), evidence, finding)


@evaluator("refills")
def _refills(check: Check, s: Situation) -> Outcome:
    refills = s.request.refills or 0
    return Outcome(_within(refills, check.args), (), f"{refills} refills requested")


@evaluator("region_in")
def _region_in(check: Check, s: Situation) -> Outcome:
    regions = set(s.request.body_regions)
    if not regions:
        return Outcome(None, (), "body region not named")
    inside = regions & set(check.args)
    names = ", ".join(sorted(regions))
    return Outcome(bool(inside), (), f"request for {names}")


@evaluator("finding_at")
def _finding_at(check: Check, s: Situation) -> Outcome:
    """Where the request names no body part (a drug, a cream), the part the records place the
    condition in is the one treated; a request that names its part is judged by that part."""
    if s.request.body_regions:
        return Outcome(None, (), None)
    concept, regions = check.args["concept"], set(check.args["regions"])
    label = s.facts.vocabulary.concepts[concept].label
    located = [(region, m) for region, m in s.facts.located(concept) if region is not None]
    inside = [m for region, m in located if region in regions]
    if inside:
        places = ", ".join(sorted({r for r, _m in located if r in regions}))
        return Outcome(True, s.facts.clauses(inside), f"{label} of the {places}")
    if located:
        places = ", ".join(sorted({r for r, _m in located}))
        return Outcome(False, s.facts.clauses([m for _r, m in located]), f"{label} of the {places}")
    return Outcome(None, (), None)


@evaluator("request_matches")
def _request_matches(check: Check, s: Situation) -> Outcome:
    text = s.request.reviewed_text
    return Outcome(bool(re.search(check.args, text, re.IGNORECASE)), (), None)


@evaluator("retrospective")
def _retrospective(check: Check, s: Situation) -> Outcome:
    return Outcome(
        s.request.retrospective, (), "retrospective request" if s.request.retrospective else None
    )


def _requested_generics(s: Situation) -> list[str]:
    request = s.request
    if request.drug and request.drug.generic:
        return [request.drug.generic]
    return []


@evaluator("first_use")
def _first_use(check: Check, s: Situation) -> Outcome:
    generics = _requested_generics(s)
    if not generics:
        return Outcome(None, (), "drug not identified")
    use = s.facts.medication(generics[0])
    if use is None or (not use.prior_use and not use.stopped):
        return Outcome(True, use.evidence if use else (), f"first request for {generics[0]}")
    return Outcome(False, use.evidence, f"{generics[0]} already in use")


@evaluator("prior_use")
def _prior_use(check: Check, s: Situation) -> Outcome:
    inner = _first_use(check, s)
    if inner.value is None:
        return inner
    return Outcome(not inner.value, inner.evidence, inner.finding)


@evaluator("other_in_class")
def _other_in_class(check: Check, s: Situation) -> Outcome:
    generics = set(_requested_generics(s))
    drug_class = check.args
    if drug_class == "same":
        if s.request.drug is None or s.request.drug.drug_class is None:
            return Outcome(None, (), "drug class not identified")
        drug_class = s.request.drug.drug_class
        if s.facts.vocabulary.class_is(drug_class, "nsaid"):
            drug_class = "nsaid"
    others = [
        use
        for use in s.facts.medications_in_class(drug_class)
        if use.generic not in generics and use.prior_use and not use.stopped
    ]
    label = s.facts.vocabulary.class_label(drug_class)
    if others:
        names = ", ".join(sorted(u.generic for u in others))
        return Outcome(
            True, tuple(e for u in others for e in u.evidence[:1]), f"also using {names} ({label})"
        )
    return Outcome(False, (), f"no other {label} in use")


@evaluator("class_tried")
def _class_tried(check: Check, s: Situation) -> Outcome:
    tried = [
        use
        for drug_class in check.args
        for use in s.facts.medications_in_class(drug_class)
        if use.prior_use or use.stopped
    ]
    labels = " or ".join(s.facts.vocabulary.class_label(c) for c in check.args)
    if tried:
        names = ", ".join(sorted({u.generic for u in tried}))
        return Outcome(True, tuple(e for u in tried for e in u.evidence[:1]), f"tried {names}")
    return Outcome(None, (), f"no documented trial of {labels}")


@evaluator("ingredients_allowed")
def _ingredients_allowed(check: Check, s: Situation) -> Outcome:
    ingredients = list(s.request.ingredients) or ([s.request.drug] if s.request.drug else [])
    if not ingredients:
        return Outcome(None, (), "ingredients not identified")
    allowed_classes = set(check.args.get("classes", ()))
    allowed_generics = set(check.args.get("generics", ()))
    rejected = [
        i.generic or i.name
        for i in ingredients
        if i.generic not in allowed_generics and i.drug_class not in allowed_classes
    ]
    if rejected:
        return Outcome(False, (), f"contains {', '.join(rejected)}, not recommended in this form")
    return Outcome(True, (), "every ingredient is recommended in this form")


@evaluator("prior_imaging")
def _prior_imaging(check: Check, s: Situation) -> Outcome:
    modalities = tuple(check.args["modalities"])
    regions = tuple(s.request.body_regions) if check.args.get("same_region") else ()
    found = s.facts.prior_imaging(modalities, regions, _side(s))
    where = f" of the {', '.join(regions)}" if regions else ""
    terms = s.facts.vocabulary.modalities
    study = " or ".join(terms[m].label if m in terms else m for m in modalities)
    if found.value:
        return Outcome(True, found.evidence, f"earlier {study}{where} documented")
    if s.facts.vocabulary.says("repeat_study", s.request.reviewed_text):
        return Outcome(True, (), f"the request is for a repeat study{where}")
    return Outcome(False, (), f"no earlier {study}{where} documented")


@evaluator("daily_mme")
def _daily_mme(check: Check, s: Situation) -> Outcome:
    return Outcome(None, (), "daily morphine equivalent dose not computable from the request")


@evaluator("supply_days")
def _supply_days(check: Check, s: Situation) -> Outcome:
    request = s.request
    quantity = request.quantity
    if (
        request.drug is None
        or quantity is None
        or quantity.unit not in {"tablets", "units", "capsules"}
    ):
        return Outcome(None, (), "days of supply not stated")
    per_day = request.doses_per_day
    if per_day is None and request.drug.drug_class:
        per_day = s.facts.vocabulary.drug_classes.get(request.drug.drug_class, {}).get(
            "doses_per_day"
        )
    if not per_day:
        return Outcome(None, (), "dosing not stated")
    total = quantity.value + (s.authorized_quantity or 0.0)
    days = total / per_day
    return Outcome(
        _within(days, check.args),
        (),
        f"about {_fmt(round(days))} days of supply at {_fmt(per_day)} a day",
    )


@evaluator("procedure_supported")
def _procedure_supported(check: Check, s: Situation) -> Outcome:
    if s.procedure_necessary is not None:
        verdict = "medically necessary" if s.procedure_necessary else "not medically necessary"
        return Outcome(
            s.procedure_necessary, (), f"{s.procedure_label} found {verdict} in this review"
        )
    found = s.facts.finding("procedure_authorized")
    label = s.facts.vocabulary.concepts["procedure_authorized"].label
    if found.value is True:
        return Outcome(True, found.evidence, f"{label} documented")
    return Outcome(None, (), f"no documentation of {label}")


@evaluator("procedure_matches")
def _procedure_matches(check: Check, s: Situation) -> Outcome:
    """The operation this service supports is of the kind the pattern names: the operation
    disputed in the same review, else the records' clauses that state it authorized,
    scheduled or done."""
    if s.procedure_label:
        texts = [s.procedure_label]
        evidence: tuple[Evidence, ...] = ()
    else:
        found = s.facts.finding("procedure_authorized")
        if found.value is not True:
            return Outcome(None, (), "the operation is not named")
        texts = [e.quote for e in found.evidence]
        evidence = found.evidence
    if any(re.search(check.args, text, re.IGNORECASE) for text in texts):
        return Outcome(True, evidence, f"operation: {texts[0][:80]}")
    return Outcome(False, evidence, f"operation: {texts[0][:80]}")


@evaluator("always")
def _always(check: Check, s: Situation) -> Outcome:
    return Outcome(True, (), None)


@evaluator("never")
def _never(check: Check, s: Situation) -> Outcome:
    return Outcome(False, (), None)
