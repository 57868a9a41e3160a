"""The language criteria are written in: small predicates over clinical facts and the request.

A criterion's ``check`` in a topic file is a one-key mapping, for example::

    check: {any: [{finding: neuro_deficit}, {finding: red_flag}]}
    check: {course_total: {max: 10}}

This module parses such mappings into typed nodes and rejects unknown predicates or bad
arguments with the path of the offending value, so that ``openimr guidelines lint`` can report
``file:line``. The engine evaluates the nodes (see ``openimr.engine.criteria``); every node type
here must have an evaluator there (a test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from openimr.errors import KnowledgeBaseError


@dataclass(frozen=True)
class Check:
    """A parsed predicate: its name and its (already validated) arguments."""

    name: str
    args: Any = None
    children: tuple[Check, ...] = ()


@dataclass(frozen=True)
class _Spec:
    kind: str  # "children", "child", "string", "strings", "bounds", "mapping", "flag"
    keys: frozenset[str] = frozenset()
    required: frozenset[str] = frozenset()
    doc: str = ""


#: Every predicate the engine evaluates, with the shape of its argument.
PREDICATES: dict[str, _Spec] = {
    "all": _Spec("children", doc="every listed check holds"),
    "any": _Spec("children", doc="at least one listed check holds"),
    "not": _Spec("child", doc="the listed check does not hold"),
    "finding": _Spec("string", doc="a concept is documented present (tri-state)"),
    "absent": _Spec("string", doc="a concept is not documented present (silence counts as absent)"),
    "received": _Spec(
        "string", doc="a kind of treatment (or 'same') was already given (tri-state)"
    ),
    "not_received": _Spec(
        "string", doc="a kind of treatment (or 'same') was not given (silence counts)"
    ),
    "prior_sessions": _Spec("bounds", doc="sessions already given of this treatment kind"),
    "course_total": _Spec("bounds", doc="sessions already given plus authorized plus requested"),
    "requested": _Spec("bounds", doc="quantity requested (sessions, visits, units)"),
    "frequency_per_week": _Spec("bounds", doc="requested sessions per week"),
    "duration_weeks": _Spec("bounds", doc="requested duration in weeks"),
    "weeks_since_injury": _Spec(
        "bounds", doc="weeks from the injury to the request or UR decision"
    ),
    "age": _Spec("bounds", doc="claimant's age"),
    "refills": _Spec("bounds", doc="refills requested"),
    "phase": _Spec("strings", doc="acute, subacute or chronic, by weeks since injury"),
    "region_in": _Spec("strings", doc="the request names one of these body regions"),
    "finding_at": _Spec(
        "mapping",
        keys=frozenset({"concept", "regions"}),
        required=frozenset({"concept", "regions"}),
        doc="for a request that names no body region: the records place a concept in one of "
        "these regions (the region named nearest it in its clause)",
    ),
    "request_matches": _Spec("string", doc="the request text matches a regular expression"),
    "retrospective": _Spec("flag", doc="the request is retrospective"),
    "first_use": _Spec("flag", doc="the requested drug was not in use before"),
    "prior_use": _Spec("flag", doc="the requested drug was already in use"),
    "other_in_class": _Spec("string", doc="another drug of this class (or 'same') is in use"),
    "class_tried": _Spec("strings", doc="a drug of one of these classes was tried before"),
    "ingredients_allowed": _Spec(
        "mapping", keys=frozenset({"classes", "generics"}), doc="every ingredient is allowed"
    ),
    "prior_imaging": _Spec(
        "mapping",
        keys=frozenset({"modalities", "same_region"}),
        required=frozenset({"modalities"}),
        doc="an earlier study of these modalities (of the same region)",
    ),
    "daily_mme": _Spec("bounds", doc="morphine milligram equivalents per day requested"),
    "supply_days": _Spec("bounds", doc="days of supply of the drug (authorized part included)"),
    "procedure_supported": _Spec(
        "flag",
        doc="the operation this service supports is medically necessary: found so in this "
        "review, or authorized, scheduled or performed according to the records (tri-state)",
    ),
    "procedure_matches": _Spec(
        "string",
        doc="the operation this service supports (disputed in the same review, or stated "
        "authorized, scheduled or done in the records) matches a regular expression",
    ),
    "always": _Spec("flag", doc="always holds (a recommended treatment)"),
    "never": _Spec("flag", doc="never holds (a treatment the guideline does not recommend)"),
}

_BOUND_KEYS = frozenset({"min", "max"})


def parse_check(value: Any, path: str = "check") -> Check:
    """Parse a check mapping into a :class:`Check`, or raise with the path at fault."""
    if not isinstance(value, dict) or len(value) != 1:
        raise KnowledgeBaseError(f"{path}: a check is a mapping with exactly one predicate")
    ((name, arg),) = value.items()
    spec = PREDICATES.get(name)
    if spec is None:
        raise KnowledgeBaseError(
            f"{path}: unknown predicate {name!r} (known: {', '.join(sorted(PREDICATES))})"
        )
    where = f"{path}.{name}"
    if spec.kind == "children":
        if not isinstance(arg, list) or not arg:
            raise KnowledgeBaseError(f"{where}: expects a non-empty list of checks")
        children = tuple(parse_check(item, f"{where}[{i}]") for i, item in enumerate(arg))
        return Check(name, None, children)
    if spec.kind == "child":
        return Check(name, None, (parse_check(arg, where),))
    if spec.kind == "string":
        if not isinstance(arg, str) or not arg:
            raise KnowledgeBaseError(f"{where}: expects a name")
        return Check(name, arg)
    if spec.kind == "strings":
        items = [arg] if isinstance(arg, str) else arg
        if not isinstance(items, list) or not items or not all(isinstance(i, str) for i in items):
            raise KnowledgeBaseError(f"{where}: expects a name or a list of names")
        return Check(name, tuple(items))
    if spec.kind == "flag":
        if arg is not True:
            raise KnowledgeBaseError(f"{where}: expects true")
        return Check(name, True)
    if spec.kind == "bounds":
        if not isinstance(arg, dict) or not arg or set(arg) - _BOUND_KEYS:
            raise KnowledgeBaseError(f"{where}: expects {{min: N}} and/or {{max: N}}")
        for key, bound in arg.items():
            if not isinstance(bound, int | float) or isinstance(bound, bool):
                raise KnowledgeBaseError(f"{where}.{key}: expects a number")
        if "min" in arg and "max" in arg and arg["min"] > arg["max"]:
            raise KnowledgeBaseError(f"{where}: min is greater than max")
        return Check(name, (arg.get("min"), arg.get("max")))
    if spec.kind == "mapping":
        if not isinstance(arg, dict) or set(arg) - spec.keys or not spec.required <= set(arg):
            raise KnowledgeBaseError(
                f"{where}: expects keys {sorted(spec.keys)} (required: {sorted(spec.required)})"
            )
        return Check(name, {k: tuple(v) if isinstance(v, list) else v for k, v in arg.items()})
    raise AssertionError(spec.kind)  # pragma: no cover


def names_used(check: Check) -> set[tuple[str, Any]]:
    """Every (predicate, argument) pair in a check tree, for cross-reference linting."""
    found = {(check.name, check.args if not isinstance(check.args, dict) else None)}
    if isinstance(check.args, dict):
        for key, value in check.args.items():
            found.add((f"{check.name}.{key}", value))
    for child in check.children:
        found |= names_used(child)
    return found
