"""Final Determination Letters: render a determination, read published letters, check them.

``render_letter(determination, fmt)`` gives text, HTML or PDF bytes; ``parse_letter(path or
bytes)`` reads a letter of any era into the engine's :class:`~openimr.domain.Determination`
(``source="letter"``); ``check_letter(path)`` lists a letter's internal inconsistencies.
"""

from openimr.letters.check import Finding, check_letter
from openimr.letters.parse import ParsedLetter, parse_letter, parse_letter_text, read_letter
from openimr.letters.render import LetterSettings, render_letter

__all__ = [
    "Finding",
    "LetterSettings",
    "ParsedLetter",
    "check_letter",
    "parse_letter",
    "parse_letter_text",
    "read_letter",
    "render_letter",
]
