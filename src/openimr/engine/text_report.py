"""A readable text report of a determination (``openimr review --format text``)."""

from __future__ import annotations

import textwrap

from openimr.domain import Determination, GuidelineCitation, ItemDetermination

_WIDTH = 96
_MET = {True: "met", False: "NOT MET", None: "not documented"}


def citation_line(citation: GuidelineCitation) -> str:
    if citation.family.value == "none":
        return "none (no guideline cited)"
    parts = [citation.family.value]
    if citation.title:
        parts.append(citation.title + (f" ({citation.edition})" if citation.edition else ""))
    if citation.chapter:
        parts.append(citation.chapter)
    if citation.sections:
        parts.append("section(s): " + ", ".join(citation.sections))
    if citation.pages:
        parts.append("page(s): " + citation.pages)
    return "; ".join(parts)


def _wrap(text: str, indent: str = "    ") -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()), _WIDTH, initial_indent=indent, subsequent_indent=indent
    ) or [indent]


def _item(number: int, item: ItemDetermination) -> list[str]:
    out = [
        f"{number}. {item.request}",
        f"   Decision: {item.decision.value.upper()}"
        + (f" (confidence {item.confidence:.2f})" if item.confidence is not None else ""),
    ]
    if item.normalized:
        n = item.normalized
        bits = [f"topic {n.topic}"]
        if n.quantity:
            bits.append(f"{n.quantity.value:g} {n.quantity.unit}")
        if n.frequency_per_week and n.duration_weeks:
            bits.append(f"{n.frequency_per_week:g}/week x {n.duration_weeks:g} weeks")
        if n.body_regions:
            bits.append("region " + ", ".join(n.body_regions))
        if n.drug:
            bits.append(f"drug {n.drug.generic} ({n.drug.drug_class})")
        out.append("   Read as: " + "; ".join(bits))
    out.append("   Guideline: " + citation_line(item.guideline))
    out += [f"   Also: {citation_line(c)}" for c in item.additional_guidelines]
    if item.criteria:
        out.append("   Criteria:")
        for criterion in item.criteria:
            flag = "" if criterion.required else " (informative)"
            out += _wrap(f"[{_MET[criterion.met]}] {criterion.text}{flag}", "     ")
            if criterion.finding:
                out += _wrap(f"found: {criterion.finding}", "        ")
            for evidence in criterion.evidence:
                out += _wrap(
                    f"record {evidence.record_index} [{evidence.start}-{evidence.end}]: "
                    f'"{evidence.quote}"',
                    "        ",
                )
    out.append("   Rationale:")
    out += _wrap(item.rationale, "     ")
    if item.flags:
        out.append("   For the physician:")
        for flag in item.flags:
            out += _wrap(f"- {flag.message}", "     ")
    if item.claims_administrator_audit:
        out.append("   Claims administrator audit:")
        for finding in item.claims_administrator_audit:
            out += _wrap(f"- [{finding.severity}] {finding.message}", "     ")
    return out


def render_text(determination: Determination) -> str:
    lines = [f"OpenIMR proposed determination — case {determination.case_id or '(no case id)'}"]
    if determination.guideline_edition:
        lines += _wrap("Guideline edition: " + determination.guideline_edition.reason, "")
    lines += ["", "Clinical case summary:"]
    lines += _wrap(determination.clinical_case_summary, "  ")
    lines.append("")
    for number, item in enumerate(determination.items, start=1):
        lines += _item(number, item)
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
