"""Readable evaluation reports."""

from __future__ import annotations

from openimr.corpus.evaluate import EvaluationReport


def render_evaluation(report: EvaluationReport, *, show_items: bool = False) -> str:
    lines = [
        f"Cases: {report.cases}   Items: {report.items}   Errors: {len(report.errors)}",
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
    if report.errors:
        lines += ["", "Errors:"]
        lines += [f"  {e['line']}: {e['error']}" for e in report.errors]
    if show_items:
        lines += ["", "Items (x = decision differs, f = family differs):"]
        for r in report.results:
            mark = ("x" if r.expected != r.proposed else " ") + (
                "f" if r.expected_family != r.proposed_family else " "
            )
            lines.append(
                f" {mark} {r.case_id or '':<14} {r.topic:<28} "
                f"exp {r.expected:<10} got {r.proposed:<10} "
                f"{r.expected_family or '-':<16} {r.proposed_family:<16} {r.request[:60]}"
            )
    return "\n".join(lines) + "\n"
