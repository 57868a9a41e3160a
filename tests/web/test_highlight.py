"""Evidence highlighting: every character once, escaped; overlaps never nest marks."""

from __future__ import annotations

import html
import re

from hypothesis import given
from hypothesis import strategies as st

from openimr.domain import Evidence
from openimr.web.highlight import Span, anchor_id, locate, render_record

_TAGS = re.compile(r"<[^>]*>")


def _plain(markup: str) -> str:
    return html.unescape(_TAGS.sub("", markup))


def test_overlapping_spans_are_cut_into_pieces_that_name_every_covering_span() -> None:
    out = str(render_record("abcdefghij", [Span(2, 6, "a"), Span(4, 8, "b")]))
    assert out == (
        'ab<mark class="ev" data-spans="a" id="a" tabindex="-1">cd</mark>'
        '<mark class="ev ev-multi" data-spans="a b" id="b" tabindex="-1">ef</mark>'
        '<mark class="ev" data-spans="b">gh</mark>ij'
    )


def test_spans_starting_together_each_get_a_focusable_target() -> None:
    out = str(render_record("0123456789", [Span(1, 3, "short"), Span(1, 8, "long")]))
    assert out.count('id="long"') == 1 and out.count('id="short"') == 1
    assert '<span class="ev-anchor" id="long" tabindex="-1"></span>' in out
    assert "<mark" not in "".join(re.findall(r"<mark[^>]*>(.*?)</mark>", out))
    assert _plain(out) == "0123456789"


def test_text_is_escaped_and_page_breaks_are_marked() -> None:
    text = 'Plan: <script>alert("x")</script> & more\fPage two text'
    out = str(render_record(text, [Span(0, 4, "p")]))
    assert "<script>" not in out and "&lt;script&gt;" in out and "&amp; more" in out
    assert '<span class="page-break" role="separator">Page 2</span>Page two text' in out
    pdf_text = "end of page one\n\fpage two\n\f\npage three"
    out = str(render_record(pdf_text, []))
    assert out == (
        'end of page one<span class="page-break" role="separator">Page 2</span>page two'
        '<span class="page-break" role="separator">Page 3</span>page three'
    )


def test_spans_outside_the_text_are_clipped_or_dropped() -> None:
    out = str(render_record("short", [Span(3, 99, "x"), Span(7, 9, "gone"), Span(2, 2, "empty")]))
    assert _plain(out) == "short"
    assert 'id="x"' in out and "gone" not in out and "empty" not in out


@given(
    st.text(alphabet=st.sampled_from("ab <&>\"'\n é"), max_size=60),
    st.lists(st.tuples(st.integers(0, 70), st.integers(0, 70)), max_size=6),
)
def test_every_character_appears_once_and_every_span_has_one_target(
    text: str, bounds: list[tuple[int, int]]
) -> None:
    spans = [Span(a, b, f"s{i}") for i, (a, b) in enumerate(bounds)]
    out = str(render_record(text, spans))
    assert _plain(out) == text
    assert "<mark" not in "".join(re.findall(r"<mark[^>]*>(.*?)</mark>", out))
    for span in spans:
        visible = min(span.end, len(text)) > span.start
        assert out.count(f'id="{span.anchor}"') == (1 if visible else 0)


def test_locate_trusts_offsets_only_when_the_words_are_there() -> None:
    texts = ["The patient walks with a cane. Pain is 7/10."]
    right = Evidence(record_index=0, start=31, end=44, quote="Pain is 7/10.")
    assert locate(right, texts) == (31, 44)
    shifted = Evidence(record_index=0, start=0, end=13, quote="Pain is 7/10.")
    assert locate(shifted, texts) == (31, 44)
    absent = Evidence(record_index=0, start=0, end=5, quote="not in the record")
    assert locate(absent, texts) is None
    assert locate(Evidence(record_index=3, start=0, end=1, quote="T"), texts) is None
    assert anchor_id(0, 31, 44) == "ev-0-31-44"
    # the engine reads a line break as a space: the words are there, spacing aside
    broken = ["The patient walks with a\ncane."]
    read = Evidence(record_index=0, start=4, end=30, quote="patient walks with a cane.")
    assert locate(read, broken) == (4, 30)
