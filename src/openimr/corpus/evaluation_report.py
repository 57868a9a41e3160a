"""Readable evaluation reports."""

from __future__ import annotations

from openimr.corpus.evaluate import EvaluationReport

FAILURE_COLUMNS = (
    "Failure classes: every miss, by why the engine proposed what it did. misses = items where "
    "the proposal differs from the reviewer; exp.over = of those, the reviewer overturned "
    "(the engine upheld); exp.upheld = the reviewer upheld (the engine overturned); deciding "
    "criteria = the criterion that decided the proposal (for an overturn, the first required "
    "criterion met without quoted evidence), with its count."
)


def render_evaluation(report: EvaluationReport, *, show_items: bool = False) -> str:
    half = "" if report.split == "all" else f"   Half: {report.split}"
    lines = [
        f"Cases: {report.cases}   Items: {report.items}   Errors: {len(report.errors)}{half}",
        "",
        f"Accuracy:                     {report.accuracy:.3f}",
        f"Balanced accuracy:            {report.balanced_accuracy:.3f}"
        f"   (recall upheld {report.recall_upheld:.3f}, overturned {report.recall_overturned:.3f})",
        f"Guideline-family agreement:   {report.family_agreement:.3f}",
        "",
        "Confusion matrix (rows: reviewer, columns: OpenIMR)",
        f"{'':>12} {'upheld':>10} {'overturned':>11}",
    ]
    for expected, row in report.confusion.items():
        lines.append(f"{expected:>12} {row['upheld']:>10} {row['overturned']:>11}")
    lines += [
        "",
        f"{'topic':<34} {'items':>5} {'right':>5} {'family':>6} {'exp.over':>8} {'prop.over':>9}",
    ]
    for row in report.per_topic:
        lines.append(
            f"{row.topic:<34} {row.items:>5} {row.correct:>5} {row.family_agree:>6} "
            f"{row.expected_overturned:>8} {row.proposed_overturned:>9}"
        )
    if report.failures:
        lines += ["", FAILURE_COLUMNS, ""]
        lines.append(
            f"{'class':<22} {'misses':>6} {'exp.over':>8} {'exp.upheld':>10}  deciding criteria"
        )
        for failure in report.failures:
            criteria = ", ".join(f"{name} {count}" for name, count in failure.criteria.items())
            lines.append(
                f"{failure.failure_class:<22} {failure.misses:>6} {failure.missed_overturned:>8} "
                f"{failure.missed_upheld:>10}  {criteria}"
            )
    if report.reliability:
        lines += [
            "",
            "Reliability: accuracy of the proposals by confidence band (a calibrated confidence "
            "has accuracy close to its mean).",
            f"{'band':<11} {'items':>5} {'mean conf.':>10} {'accuracy':>8}",
        ]
        for row in report.reliability:
            lines.append(
                f"{row.band:<11} {row.items:>5} {row.mean_confidence:>10.3f} {row.accuracy:>8.3f}"
            )
        lines.append(
            f"Brier score: {report.brier:.4f}"
            "   (mean squared gap between confidence and agreement; lower is better)"
        )
        lines.append(
            "Accuracy on the most confident half of the items: "
            f"{report.confident_half_accuracy:.3f}"
        )
    if report.errors:
        lines += ["", "Errors:"]
        lines += [f"  {e['line']}: {e['error']}" for e in report.errors]
    if show_items:
        lines += ["", "Items (x = decision differs, f = family differs):"]
        for r in report.results:
            mark = ("x" if r.expected != r.proposed else " ") + (
                "f" if r.expected_family != r.proposed_family else " "
            )
            conf = f"{r.confidence:.2f}" if r.confidence is not None else "-"
            lines.append(
                f" {mark} {r.case_id or '':<14} {r.topic:<28} "
                f"exp {r.expected:<10} got {r.proposed:<10} conf {conf} "
                f"{r.expected_family or '-':<16} {r.proposed_family:<16} {r.request[:60]}"
            )
            if r.failure_class:
                lines.append(
                    f"      {r.failure_class}: {r.deciding_criterion or '-'}"
                    f" ({r.deciding_finding or 'no finding'})"
                )
    return "\n".join(lines) + "\n"
