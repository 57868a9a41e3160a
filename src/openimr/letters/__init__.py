"""Final Determination Letters: render a determination, read published letters, check them."""

from openimr.letters.parse import ParsedLetter, parse_letter, parse_letter_text, read_letter
from openimr.letters.render import LetterSettings, render_letter

__all__ = [
    "LetterSettings",
    "ParsedLetter",
    "parse_letter",
    "parse_letter_text",
    "read_letter",
    "render_letter",
]
