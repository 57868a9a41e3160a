"""The stylesheet's colour pairs keep WCAG AA contrast; pages load nothing from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from openimr.web.pages import STATIC_DIR

CSS = (STATIC_DIR / "workbench.css").read_text()
TEMPLATES = Path(STATIC_DIR).parent / "templates"


def _variables() -> dict[str, str]:
    root = CSS[CSS.index(":root") : CSS.index("}", CSS.index(":root"))]
    return dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", root))


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


#: Text colour on background, as the stylesheet pairs them.
PAIRS = [
    ("ink", "paper"),
    ("ink", "canvas"),
    ("ink-soft", "paper"),
    ("ink-soft", "canvas"),
    ("link", "paper"),
    ("link", "canvas"),
    ("ok-ink", "ok-bg"),
    ("bad-ink", "bad-bg"),
    ("warn-ink", "warn-bg"),
    ("info-ink", "info-bg"),
    ("ink", "mark"),
    ("ink", "mark-strong"),
    ("#ffffff", "brand"),
    ("#ffffff", "link"),
    ("#ffffff", "ok-ink"),
    ("#ffffff", "bad-ink"),
]


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_colours_meet_aa_contrast(text: str, background: str) -> None:
    names = _variables()
    fg = text if text.startswith("#") else names[text]
    bg = names[background]
    assert contrast(fg, bg) >= 4.5, f"{text} on {background}: {contrast(fg, bg):.2f}"


def test_nothing_is_loaded_from_another_site() -> None:
    sources = [CSS, (STATIC_DIR / "workbench.js").read_text()]
    sources += [p.read_text() for p in TEMPLATES.glob("*.j2")]
    for source in sources:
        assert not re.search(r"(?:src|href)=\"(?:https?:)?//", source)
        assert "@import" not in source and "url(http" not in source
