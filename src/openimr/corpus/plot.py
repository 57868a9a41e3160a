"""Charts of corpus statistics (matplotlib, PNG or SVG), readable without the table beside them.

Overturn rates are horizontal bars with their Wilson intervals as error bars and the counts
written at each bar; turnaround is the median days with the 90th percentile marked. The figure
is drawn on its own canvas (no pyplot state), and an SVG is written without a date and with
fixed ids, so the same rows give the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from openimr.corpus.schemas import StatsRow, TurnaroundRow
from openimr.errors import InputError

#: Bars drawn at most (the keys with the most items; the title says when some are left out).
MAX_BARS = 30
FORMATS = (".png", ".svg")


def check_plot_path(path: Path) -> str:
    """The plot's format from its file name (refused before any work is done)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise InputError("a plot is written as .png or .svg", source=str(path))
    return suffix[1:]


def _figure(bars: int):  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 1.6 + 0.34 * max(bars, 1)), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _save(figure, path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    import matplotlib

    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    with matplotlib.rc_context({"svg.hashsalt": "openimr-corpus", "svg.fonttype": "none"}):
        tmp = path.with_name(path.name + ".partial")
        try:
            figure.savefig(tmp, format=fmt, metadata=metadata)
            tmp.replace(path)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InputError(f"cannot write: {exc.strerror or exc}", source=str(path)) from None


def plot_rates(rows: list[StatsRow], by: str, path: Path) -> None:
    """Overturn rate by ``by``: a bar per key, Wilson 95 % interval, counts at each bar."""
    fmt = check_plot_path(path)
    shown = rows[:MAX_BARS]
    figure = _figure(len(shown))
    axes = figure.add_subplot()
    labels = [row.key for row in shown][::-1]
    rates = [100 * row.rate for row in shown][::-1]
    lows = [100 * (row.rate - row.low) for row in shown][::-1]
    highs = [100 * (row.high - row.rate) for row in shown][::-1]
    positions = list(range(len(shown)))
    axes.barh(positions, rates, color="#4c72b0", xerr=[lows, highs], capsize=3, ecolor="#333333")
    axes.set_yticks(positions, labels)
    for position, row in zip(positions, shown[::-1], strict=True):
        axes.annotate(
            f"{row.overturned}/{row.items}",
            (100 * row.high, position),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.set_xlim(0, 110)
    axes.set_xlabel("items overturned, % (bars: Wilson 95 % interval; label: overturned/items)")
    axes.set_ylabel(by)
    left_out = len(rows) - len(shown)
    title = f"IMR overturn rate by {by}"
    if left_out:
        title += f" ({len(shown)} with the most items; {left_out} more not shown)"
    axes.set_title(title)
    axes.grid(axis="x", alpha=0.3)
    _save(figure, path, fmt)


def plot_turnaround(rows: list[TurnaroundRow], by: str, path: Path) -> None:
    """Median days from application to decision by ``by``, the 90th percentile marked."""
    fmt = check_plot_path(path)
    shown = rows[:MAX_BARS]
    figure = _figure(len(shown))
    axes = figure.add_subplot()
    positions = list(range(len(shown)))
    ordered = shown[::-1]
    axes.barh(positions, [r.median_days for r in ordered], color="#55a868", label="median")
    axes.scatter(
        [r.p90_days for r in ordered], positions, marker="|", s=200, color="#333333", label="p90"
    )
    axes.set_yticks(positions, [r.key for r in ordered])
    for position, row in zip(positions, ordered, strict=True):
        axes.annotate(
            f"n={row.letters}",
            (max(row.p90_days, row.median_days), position),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    top = max([r.p90_days for r in shown] + [1.0])
    axes.set_xlim(0, top * 1.2)
    axes.set_xlabel("days from application received to decision (bar: median; tick: 90th pct.)")
    axes.set_ylabel(by)
    axes.set_title(f"IMR turnaround by {by} (n = letters)")
    axes.legend(loc="lower right", fontsize=8)
    axes.grid(axis="x", alpha=0.3)
    _save(figure, path, fmt)
