"""Reading a picture of a page with Tesseract (Debian's library and language data, tesserocr).

The one place the records layer calls an OCR engine. Before recognition a page is made
upright: a fax's non-square pixels are squared, a page turned a quarter or half turn is turned
back (Tesseract's orientation detection), and a skewed scan is straightened (projection
profiles of the ink). Each page gets Tesseract's mean word confidence; a page below
:data:`LOW_CONFIDENCE` is flagged for the physician. Tesseract engines are one per thread.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openimr.records.errors import DocumentError
from openimr.records.normalize import Line

if TYPE_CHECKING:
    from PIL.Image import Image

__all__ = [
    "LOW_CONFIDENCE",
    "OcrPage",
    "OcrWord",
    "ocr_available",
    "ocr_page",
    "ocr_words",
    "tesseract_version",
]

#: Mean word confidence (0-100) under which a page's OCR text is flagged for the physician.
LOW_CONFIDENCE = 70.0
#: Where Debian (and most distributions) keep Tesseract's language data.
_TESSDATA_DIRS = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
)
_LOCAL = threading.local()
# Debian's Tesseract runs each page on as many OpenMP threads as there are cores; with pages
# read one per thread (or per process) the threads fight and a page takes four times longer.
# Not a setting of ours but the OpenMP runtime's, which reads it once, when Tesseract loads
# (as letters/render.py sets SOURCE_DATE_EPOCH for WeasyPrint).
os.environ.setdefault("OMP_THREAD_LIMIT", "1")
#: Under this confidence the page may be upside down or sideways: its orientation is checked.
_CHECK_ORIENTATION = 60.0
_SKEW_LIMIT = 8.0  # degrees; scans are rarely skewed further, and wider searches cost time
_PROFILE_WIDTH = 900  # pixels: skew is estimated on a reduced copy of the page
#: Narrowest picture words are read from: a letter page at about 200 dpi; a smaller picture
#: is enlarged first, since Tesseract misreads small print.
_WORDS_MIN_WIDTH = 1_700


@dataclass(frozen=True, slots=True)
class OcrPage:
    """What OCR read on a page: lines (pixels, top-down), confidence and what was corrected."""

    lines: list[Line]
    confidence: float
    rotation: int  # degrees turned counter-clockwise to make the page upright
    skew: float  # degrees of skew corrected
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class OcrWord:
    """A word read on a picture and its box, in that picture's pixels (top-down)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float


@cache
def _tessdata() -> str | None:
    """The language-data folder holding English, or None when OCR is not installed."""
    try:
        import tesserocr
    except ImportError:
        return None
    candidates = list(_TESSDATA_DIRS)  # Tesseract's own default honours TESSDATA_PREFIX
    try:
        default, languages = tesserocr.get_languages()
        if "eng" in languages:
            candidates.insert(0, default)
    except RuntimeError:
        pass
    for folder in candidates:
        if folder and (Path(folder) / "eng.traineddata").is_file():
            return str(Path(folder))
    return None


def ocr_available() -> bool:
    """Whether Tesseract and its English language data are installed."""
    return _tessdata() is not None


def tesseract_version() -> str | None:
    """The Tesseract library's version line, for benchmark reports."""
    if not ocr_available():
        return None
    import tesserocr

    return tesserocr.tesseract_version().splitlines()[0]


def _engines() -> tuple[Any, Any | None]:
    """This thread's recognizer and orientation detector (made on first use)."""
    engines = getattr(_LOCAL, "engines", None)
    if engines is None:
        import tesserocr

        path = _tessdata()
        reader = tesserocr.PyTessBaseAPI(
            path=path, lang="eng", psm=tesserocr.PSM.AUTO, oem=tesserocr.OEM.LSTM_ONLY
        )
        reader.SetVariable("debug_file", "/dev/null")
        osd = None
        if path and (Path(path) / "osd.traineddata").is_file():
            osd = tesserocr.PyTessBaseAPI(
                path=path, lang="osd", psm=tesserocr.PSM.OSD_ONLY, oem=tesserocr.OEM.DEFAULT
            )
            osd.SetVariable("debug_file", "/dev/null")
        engines = (reader, osd)
        _LOCAL.engines = engines
    return engines


def _square_pixels(image: Image) -> Image:
    """A fax (204 x 98 dpi) stretched to square pixels; other pictures unchanged."""
    dpi = image.info.get("dpi")
    if not dpi or len(dpi) != 2:
        return image
    x_dpi, y_dpi = float(dpi[0] or 0), float(dpi[1] or 0)
    if x_dpi <= 0 or y_dpi <= 0 or abs(x_dpi - y_dpi) / max(x_dpi, y_dpi) < 0.1:
        return image
    from PIL import Image as PILImage

    if y_dpi < x_dpi:
        size = (image.width, round(image.height * x_dpi / y_dpi))
    else:
        size = (round(image.width * y_dpi / x_dpi), image.height)
    squared = image.resize(size, PILImage.Resampling.BICUBIC)
    squared.info["dpi"] = (max(x_dpi, y_dpi),) * 2
    return squared


def _profile_score(ink: Any) -> float:
    """How sharply rows of ink alternate with white rows (high when text lines are level)."""
    import numpy as np

    rows = ink.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def estimate_skew(image: Image) -> float:
    """Degrees to turn the page counter-clockwise to level its lines (within +-8)."""
    import numpy as np
    from PIL import Image as PILImage

    scale = min(1.0, _PROFILE_WIDTH / max(image.width, 1))
    small = image.resize(
        (max(1, round(image.width * scale)), max(1, round(image.height * scale))),
        PILImage.Resampling.BOX,
    )
    inverted = PILImage.eval(small, lambda v: 255 - v)

    def score(angle: float) -> float:
        turned = inverted.rotate(angle, resample=PILImage.Resampling.NEAREST, expand=False)
        return _profile_score(np.asarray(turned) > 96)

    best, best_score = 0.0, score(0.0)
    step = 1.0
    candidates = [a * step for a in range(-int(_SKEW_LIMIT), int(_SKEW_LIMIT) + 1) if a]
    for angle in candidates:
        value = score(angle)
        if value > best_score:
            best, best_score = angle, value
    for fine in (0.5, 0.25, 0.1):
        for angle in (best - fine, best + fine):
            value = score(angle)
            if value > best_score:
                best, best_score = angle, value
    return round(best, 2)


def _orientation(osd: Any, image: Image) -> int:
    """Degrees to turn the page counter-clockwise to make it upright (0, 90, 180, 270)."""
    if osd is None:
        return 0
    osd.SetImage(image)
    try:
        result = osd.DetectOrientationScript()
    except RuntimeError:
        return 0
    if not result or result.get("orient_conf", 0.0) < 1.5:
        return 0
    return int(result.get("orient_deg", 0)) % 360


def _read(reader: Any, image: Image) -> tuple[list[Line], float]:
    import tesserocr

    reader.SetImage(image)
    reader.Recognize()
    lines: list[Line] = []
    iterator = reader.GetIterator()
    level = tesserocr.RIL.TEXTLINE
    if iterator is not None:
        for item in tesserocr.iterate_level(iterator, level):
            box = item.BoundingBox(level)
            try:
                text = item.GetUTF8Text(level)
            except RuntimeError:  # Tesseract found a line box but no text in it (a blank page)
                continue
            if box is None or not text or not text.strip():
                continue
            x0, top, x1, bottom = box
            lines.append(Line(text.strip(), float(x0), float(top), float(x1), float(bottom)))
    words = reader.AllWordConfidences()
    confidence = float(sum(words) / len(words)) if words else 0.0
    reader.Clear()
    return lines, confidence


def ocr_page(image: Image, *, source: str, page: int) -> OcrPage:
    """Read one picture of a page; raises :class:`DocumentError` if OCR is not installed."""
    if not ocr_available():
        raise DocumentError(
            "the page has no text layer and Tesseract OCR is not installed "
            "(apt-get install tesseract-ocr tesseract-ocr-eng)",
            source=source,
            page=page,
        )
    reader, osd = _engines()
    gray = _square_pixels(image).convert("L")
    if image.info.get("bilevel"):
        # A fax is black and white: its line noise is single specks that Tesseract reads as
        # punctuation; a 3x3 median removes them and keeps strokes.
        from PIL import ImageFilter

        gray = gray.filter(ImageFilter.MedianFilter(3))
    upright = _straighten(gray)
    lines, confidence = _read(reader, upright[0])
    rotation = 0
    if confidence < _CHECK_ORIENTATION:
        # Most pages are upright; only a page that reads badly pays for orientation detection.
        rotation = _orientation(osd, gray)
        if rotation:
            turned = _straighten(gray.rotate(rotation, expand=True, fillcolor=255))
            again, again_confidence = _read(reader, turned[0])
            if again_confidence > confidence:
                upright, lines, confidence = turned, again, again_confidence
            else:
                rotation = 0
    picture, skew = upright
    return OcrPage(lines, round(confidence, 1), rotation, skew, picture.width, picture.height)


def _straighten(gray: Image) -> tuple[Image, float]:
    """The page with its skew corrected, and the angle corrected."""
    from PIL import Image as PILImage

    skew = estimate_skew(gray)
    if abs(skew) < 0.2:
        return gray, 0.0
    turned = gray.rotate(skew, resample=PILImage.Resampling.BICUBIC, expand=True, fillcolor=255)
    return turned, skew


def ocr_words(image: Image, *, source: str, page: int) -> list[OcrWord]:
    """The words on a picture of a page in reading order, each with its box in ``image``'s
    pixels, so that quoted words can be marked on the picture the reviewer sees.

    The page is read as it is, neither turned nor straightened, because the boxes must fall
    on the picture given; a page sent sideways yields words that place no quote.
    """
    import tesserocr
    from PIL import Image as PILImage

    if not ocr_available():
        raise DocumentError(
            "Tesseract OCR is not installed (apt-get install tesseract-ocr tesseract-ocr-eng)",
            source=source,
            page=page,
        )
    reader, _ = _engines()
    gray = _square_pixels(image).convert("L")
    if image.info.get("bilevel"):
        from PIL import ImageFilter

        gray = gray.filter(ImageFilter.MedianFilter(3))
    if 0 < gray.width < _WORDS_MIN_WIDTH:
        factor = _WORDS_MIN_WIDTH / gray.width
        gray = gray.resize(
            (_WORDS_MIN_WIDTH, max(1, round(gray.height * factor))),
            PILImage.Resampling.BICUBIC,
        )
    x_scale = image.width / max(gray.width, 1)
    y_scale = image.height / max(gray.height, 1)
    words: list[OcrWord] = []
    reader.SetImage(gray)
    try:
        reader.Recognize()
        iterator = reader.GetIterator()
        level = tesserocr.RIL.WORD
        if iterator is not None:
            for item in tesserocr.iterate_level(iterator, level):
                box = item.BoundingBox(level)
                try:
                    text = item.GetUTF8Text(level)
                except RuntimeError:  # a word box without text
                    continue
                if box is None or not text or not text.strip():
                    continue
                x0, top, x1, bottom = box
                words.append(
                    OcrWord(
                        text.strip(),
                        x0 * x_scale,
                        top * y_scale,
                        x1 * x_scale,
                        bottom * y_scale,
                    )
                )
    finally:
        reader.Clear()
    return words
