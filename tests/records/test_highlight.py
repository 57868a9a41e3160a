"""Quoted words placed on the picture of a page: read with boxes, aligned, marked."""

from __future__ import annotations

import io

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFont

from openimr.records.highlight import Box, PageSpan, find_quote, tokens
from openimr.records.ocr import OcrWord, ocr_words
from openimr.records.pdf import pdf_page_words
from openimr.records.read import page_picture

_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf"
LINES = [
    "SUBJECTIVE: The patient reports low back pain radiating to the left leg.",
    "She completed six sessions of physical therapy with temporary relief.",
    "OBJECTIVE: Straight leg raise is positive on the left at forty degrees.",
    "PLAN: Request authorization for an MRI of the lumbar spine.",
]


def _words(*texts: str) -> list[OcrWord]:
    """Words laid out one line each, 20 pixels a character."""
    out = []
    for row, text in enumerate(texts):
        x = 0.0
        for word in text.split():
            out.append(OcrWord(word, x, row * 40.0, x + 20.0 * len(word), row * 40.0 + 30.0))
            x += 20.0 * (len(word) + 1)
    return out


def test_a_quote_is_found_despite_case_punctuation_and_a_misread_letter() -> None:
    words = _words("Straight leg raise is p0sitive on the left.", "Next line here")
    boxes = find_quote(words, tokens("straight leg raise is positive on the left"))
    assert boxes == [Box(0.0, 0.0, words[7].x1, 30.0)]


def test_a_quote_across_lines_gets_a_box_per_line() -> None:
    words = _words("one two three four", "five six seven eight")
    boxes = find_quote(words, tokens("three four five six"))
    assert [(b.top, b.x0) for b in boxes] == [(0.0, words[2].x0), (40.0, 0.0)]


def test_of_two_places_the_one_near_where_the_text_puts_it_is_marked() -> None:
    words = _words("no change in pain", "filler words " * 5, "no change in pain")
    early = find_quote(words, tokens("no change in pain"), near=0.0)
    late = find_quote(words, tokens("no change in pain"), near=0.9)
    assert early[0].top == 0.0 and late[0].top == 80.0


def test_a_quote_that_is_not_on_the_page_gets_no_mark() -> None:
    words = _words("Straight leg raise is positive on the left.")
    assert find_quote(words, tokens("gabapentin three times a day")) == []
    assert find_quote(words, tokens("leg rise")) == []  # short quotes must be found whole
    assert find_quote(words, []) == []


@given(
    st.lists(st.sampled_from(["pain", "leg", "the", "left", "MRI", "knee", "of"]), min_size=1),
    st.data(),
)
def test_any_run_of_the_page_words_marks_exactly_those_words(words: list[str], data) -> None:  # type: ignore[no-untyped-def]
    page = _words(" ".join(words))
    start = data.draw(st.integers(0, len(words) - 1))
    end = data.draw(st.integers(start + 1, len(words)))
    quote = tokens(" ".join(words[start:end]))
    boxes = find_quote(page, quote, near=start / len(words))
    assert len(boxes) == 1
    found = [w for w in page if boxes[0].x0 <= w.x0 and w.x1 <= boxes[0].x1]
    assert tokens(" ".join(w.text for w in found)) == quote


# -- on a picture, through Tesseract -----------------------------------------------------


def _scan() -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    """A page printed at about 200 dpi, and each line's box."""
    font = ImageFont.truetype(_FONT, 30)
    image = Image.new("L", (1700, 800), 255)
    draw = ImageDraw.Draw(image)
    where = []
    for row, line in enumerate(LINES):
        origin = (90, 120 + row * 90)
        draw.text(origin, line, font=font, fill=0)
        where.append(draw.textbbox(origin, line, font=font))
    return image, where


@pytest.mark.usefixtures("needs_ocr")
def test_words_are_read_with_their_boxes_in_reading_order() -> None:
    image, where = _scan()
    words = ocr_words(image, source="scan", page=1)
    assert tokens(" ".join(w.text for w in words)) == tokens(" ".join(LINES))
    x0, top, x1, bottom = where[2]
    straight = next(w for w in words if w.text == "Straight")
    assert x0 - 4 <= straight.x0 and straight.x1 <= x1 + 4
    assert top - 8 <= straight.top and straight.bottom <= bottom + 8


@pytest.mark.usefixtures("needs_ocr")
def test_a_small_picture_is_read_enlarged_and_its_boxes_fit_the_picture_given() -> None:
    image, where = _scan()
    small = image.resize((850, 400), Image.Resampling.LANCZOS)
    words = ocr_words(small, source="scan", page=1)
    plan = next(w for w in words if w.text.startswith("PLAN"))
    x0, top, _, bottom = where[3]
    assert abs(plan.x0 - x0 / 2) <= 4 and top / 2 - 5 <= plan.top <= bottom / 2


@pytest.mark.usefixtures("needs_ocr")
def test_the_quoted_sentence_is_marked_on_the_page_and_nothing_else() -> None:
    image, where = _scan()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    text = "\n".join(LINES)
    start = text.index("Straight leg")
    end = text.index("degrees.") + len("degrees.")
    picture = page_picture(
        buffer.getvalue(), 1, source="scan", highlight=PageSpan(text, start, end)
    )
    assert picture.marked is True
    marked = Image.open(io.BytesIO(picture.png)).convert("RGB")
    scale = marked.width / image.width  # the picture sent is at most 1200 pixels wide
    assert marked.height == round(image.height * scale)
    where = [tuple(round(v * scale) for v in box) for box in where]

    def yellow(x: int, y: int) -> bool:
        r, g, b = marked.getpixel((x, y))  # type: ignore[misc]
        return r > 200 and g > 170 and b < 200

    x0, top, x1, bottom = where[2]
    left = x0 + (x1 - x0) * 0.25  # "Straight leg raise" starts a quarter into the line
    inside = [(x, y) for x in range(int(left), x1, 7) for y in range(top, bottom, 3)]
    assert sum(yellow(x, y) for x, y in inside) > 0.5 * len(inside)
    heading = range(x0, int(x0 + 0.12 * (x1 - x0)), 3)  # "OBJECTIVE:" is not quoted
    assert not any(yellow(x, y) for x in heading for y in range(top, bottom, 3))
    for row in (0, 1, 3):
        x0, top, x1, bottom = where[row]
        assert not any(yellow(x, y) for x in range(x0, x1, 5) for y in range(top, bottom, 3))


@pytest.mark.usefixtures("needs_ocr")
def test_a_quote_the_page_does_not_say_leaves_it_unmarked() -> None:
    image, _ = _scan()
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    text = "Gabapentin 300 mg three times a day was started."
    picture = page_picture(buffer.getvalue(), 1, source="scan", highlight=PageSpan(text, 0, 30))
    assert picture.marked is False
    assert Image.open(io.BytesIO(picture.png)).mode == "L"


def test_on_a_text_page_the_quote_is_marked_where_the_text_layer_draws_it() -> None:
    import pypdfium2
    from weasyprint import HTML

    paragraphs = "".join(f"<p style='margin: 0 0 24pt 0'>{line}</p>" for line in LINES)
    pdf = HTML(string=f"<body style='font-size: 12pt'>{paragraphs}</body>").write_pdf()
    text = "\n".join(LINES)
    start = text.index("Straight leg")
    end = text.index("degrees.") + len("degrees.")
    assert pdf_page_words(pdf, 1, source="text") is not None  # placed without OCR
    picture = page_picture(pdf, 1, source="text", highlight=PageSpan(text, start, end))
    assert picture.marked is True
    marked = Image.open(io.BytesIO(picture.png)).convert("RGB")

    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    scale = marked.width / page.get_size()[0]
    height = page.get_size()[1]
    textpage = page.get_textpage()
    where = []
    for line in LINES:  # each printed line's box, by PDFium's text search
        searcher = textpage.search(line[:20])
        index, _ = searcher.get_next()
        left, bottom, _, top = textpage.get_charbox(index)
        right = textpage.get_charbox(index + len(line) - 1)[2]
        where.append((left, height - top, right, height - bottom))
    textpage.close()
    document.close()

    def yellow(x: int, y: int) -> bool:
        r, g, b = marked.getpixel((x, y))  # type: ignore[misc]
        return r > 200 and g > 170 and b < 200

    for row, box in enumerate(where):
        x0, top, x1, bottom = (round(v * scale) for v in box)
        if row == 2:
            x0 += (x1 - x0) // 4  # "OBJECTIVE:" is not quoted
        points = [(x, y) for x in range(x0, x1, 3) for y in range(top, bottom)]
        share = sum(yellow(x, y) for x, y in points) / len(points)
        assert share > 0.5 if row == 2 else share == 0, row
