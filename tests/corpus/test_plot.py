"""Charts: PNG and SVG written with labelled axes and counts; the same rows, the same bytes."""

from __future__ import annotations

from pathlib import Path

import pytest

from openimr.corpus.plot import plot_rates, plot_turnaround
from openimr.corpus.schemas import StatsRow, TurnaroundRow
from openimr.errors import InputError

ROWS = [
    StatsRow(key="physical_therapy", items=40, overturned=6, rate=0.15, low=0.07, high=0.29),
    StatsRow(key="acupuncture", items=9, overturned=0, rate=0.0, low=0.0, high=0.3),
]


def test_rates_chart_shows_axes_and_counts_and_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    plot_rates(ROWS, "topic", first)
    plot_rates(ROWS, "topic", second)
    svg = first.read_text()
    assert first.read_bytes() == second.read_bytes()
    for words in ("physical_therapy", "6/40", "0/9", "items overturned", "overturn rate by topic"):
        assert words in svg
    png = tmp_path / "rates.png"
    plot_rates(ROWS, "topic", png)
    assert png.read_bytes().startswith(b"\x89PNG")


def test_turnaround_chart(tmp_path: Path) -> None:
    rows = [TurnaroundRow(key="2017", letters=12, median_days=31, mean_days=32.5, p90_days=40)]
    out = tmp_path / "t.svg"
    plot_turnaround(rows, "year", out)
    assert "n=12" in out.read_text() and "days from application" in out.read_text()


def test_other_formats_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\.png or \.svg"):
        plot_rates(ROWS, "topic", tmp_path / "chart.jpg")
