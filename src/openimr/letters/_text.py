"""Text clean-up shared by the parser and the checker: PDF extraction noise, dates, conclusions.

Kept apart from the parser so that the checker reads a rationale's conclusion exactly the way
the parser does.
"""

from __future__ import annotations

import re
from datetime import date

from openimr.domain import Decision

_TRANSLATE = str.maketrans(
    {
        "\ufffe": "-",  # PDFium reports some hyphens as U+FFFE
        "\u2010": "-",
        "\u2011": "-",
        "\xa0": " ",
        "\u2002": " ",
        "\u2003": " ",
        "\u2009": " ",
        "\u200b": None,
        "\ufeff": None,
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\f": "\n",
        "\t": " ",
        "\v": "\n",
    }
)
_REPLACEMENTS = tuple((chr(c), r or "") for c, r in _TRANSLATE.items())
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufffd\uffff]")
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad[ \t]*\n[ \t]*")
_JOINER = "\u2060"  # word joiner: marks a line break inside a word, removed by flow()
_JOINED_BREAK = re.compile(_JOINER + r"\s*")
# The hyphen or slash comes first so that the scan jumps from one to the next (a look-behind
# first is tried at every character).
_HYPHEN_BREAK = re.compile(r"([-/])(?<=[A-Za-z0-9][-/])[ \t]*\n\s*(?=[A-Za-z0-9])")
_WS = re.compile(r"\s+")
# A running line: a line break, then the line (normalize() gives the text a leading line break
# and puts the break back): a pattern beginning with a character is scanned for it, which is
# several times faster than trying ``^`` at every character.
_RUNNING_LINE = re.compile(
    r"\n[ \t]*(?:"
    r"Page\s*\d+(?:\s*(?:of|/)\s*\d+)?"
    r"|\d+\s*(?:of|/)\s*\d+"
    r"|-\s*\d+\s*-"
    r"|[^\n]*\u00b7\s*Final\s+Determination\s+Letter[^\n]*"
    r"|[^\n]*\u00b7\s*DRAFT,\s+not\s+a\s+final\s+determination\s+\u00b7[^\n]*"
    r"|(?:Page\s*\d+(?:\s*(?:of|/)\s*\d+)?\s*)?DRAFT(?:,\s+not\s+a\s+final\s+determination)?"
    r"(?:\s*Page\s*\d+(?:\s*(?:of|/)\s*\d+)?)?"
    r")[ \t]*$",
    re.MULTILINE | re.IGNORECASE,
)


def normalize(text: str) -> str:
    """Line-preserving clean-up: one ``\\n`` per line break, no control or look-alike characters.

    Page numbers and our running header lines are blanked (not removed) so that line numbers
    still point into the original text.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\u00ad" in text:  # a soft hyphen ending a line joins the word; the line break stays
        text = _SOFT_HYPHEN_BREAK.sub(_JOINER + "\n", text).replace("\u00ad", "")
    for odd, replacement in _REPLACEMENTS:  # faster than str.translate() on long text
        if odd in text:
            text = text.replace(odd, replacement)
    text = _CONTROL.sub("", text)
    return _RUNNING_LINE.sub("\n", "\n" + text)[1:]


def flow(text: str) -> str:
    """Lines joined into running text: a hyphen or slash that ends a line joins its words."""
    if _JOINER in text:
        text = _JOINED_BREAK.sub("", text)
    if "\n" in text and ("-" in text or "/" in text):
        text = _HYPHEN_BREAK.sub(r"\1", text)
    return squeeze(text)


def squeeze(text: str) -> str:
    """Runs of whitespace as one space, none at the ends (``str.split`` is the regex ``\\s+``'s
    whitespace, several times faster than substituting it)."""
    return " ".join(text.split())


_FUSED_SENTENCE = re.compile(r"(?<=[a-z0-9][.!?])(?=[A-Z][a-z])")


def prose(text: str) -> str:
    """Running text with sentences that extraction fused ("1999.Thus") set apart again."""
    return _FUSED_SENTENCE.sub(" ", flow(text))


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}

#: A date as letters write it: 11/18/2016, 9/6/13, 2016-11-18 or November 18, 2016.
DATE = (
    r"(?:\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{2,4}|\d{4}-\d{2}-\d{2}|\d{1,2}-\d{1,2}-\d{4}"
    r"|[A-Z][a-z]{2,8}\.?\s+\d{1,2},?\s+\d{4})"
)
_NUMERIC = re.compile(r"(\d{1,2})\s*[/-]\s*(\d{1,2})\s*[/-]\s*(\d{2,4})$")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})$")
_WORDY = re.compile(r"([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$")


def parse_date(text: str | None) -> date | None:
    """A letter's date, or ``None`` when it is missing or not a real calendar date."""
    if not text:
        return None
    text = squeeze(text)
    try:
        if match := _ISO.match(text):
            return date(int(match[1]), int(match[2]), int(match[3]))
        if match := _NUMERIC.match(text):
            year = int(match[3])
            if year < 100:
                year += 2000
            return date(year, int(match[1]), int(match[2]))
        if (match := _WORDY.match(text)) and match[1].lower() in _MONTHS:
            return date(int(match[3]), _MONTHS[match[1].lower()], int(match[2]))
    except ValueError:
        return None
    return None


_NECESSITY = re.compile(
    r"(?P<neg>\bnot\s*|\bn[o']t\s*|\bun|\bnon-?)?(?:been\s+|be\s+|considered\s+|deemed\s+)?"
    r"medically\s*(?:necessary|appropriate|indicated|reasonable)"
    r"|medically\s+(?P<neg4>un)necessary"
    r"|(?P<neg3>\bnot\s*)?an?\s+medical\s+necessity"
    r"|medical\s+necessity\s+(?P<neg2>(?:has|was|is)\s+not|(?:has|was|is)(?:\s+not)?)\s+"
    r"(?:been\s+)?(?:established|demonstrated|supported|met)",
    re.IGNORECASE,
)
#: A negation that governs the necessity phrase after it: ``not``, ``cannot``, ``no longer``...
_NEGATOR = (
    r"(?:\b(?:not|never|cannot|neither|nor|no\s+longer|unable\s+to|fail(?:s|ed)?\s+to"
    r"|insufficient|without)|n't)"
)
#: Words of the verb group between a negation and the phrase it negates ("is not currently
#: considered to be medically necessary"); any other word means the negation is elsewhere.
_VERB_GROUP = (
    r"(?:is|are|was|were|be|been|being|to|as|considered|deemed|found|shown|established|proven"
    r"|demonstrated|documented|supported|appears?|seems?|currently|presently|yet|therefore|thus"
    r"|reasonable|appropriate|indicated|and|or|at|this|time|also|still|either)"
)
_NEGATED_VERB = re.compile(
    rf"{_NEGATOR}(?:[\s,]+{_VERB_GROUP}\b)*[\s,]*$",
    re.IGNORECASE,
)
#: A negation that governs a clause saying the treatment is necessary ("there is no evidence
#: that the request is medically necessary"), within one clause: no comma, semicolon or
#: connective ("so", "and") between the negation and the clause.
_NEGATED_CLAUSE = re.compile(
    rf"(?:\bno|{_NEGATOR})\b(?:(?![,;:]|\b(?:so|and|but|therefore|thus|hence|however|because"
    r"|since|although|while|whereas)\b).)*?\b(?:that|whether|to\s+(?:support|show|establish"
    r"|demonstrate|justify|warrant|substantiate|find|consider)|as)\b[^,;:]*$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(
    r"(?<!\b[A-Z])(?<!\be\.g)(?<!\bi\.e)(?<!\bDr)(?<!\bvs)(?<!\bp)(?<!\bpp)"
    r"[.!?](?=\s+[\"'(]?[A-Z0-9]|\s*$)"
)


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the sentence of ``text`` holding ``text[start:end]`` begins and ends."""
    begin = 0
    for match in _SENTENCE_END.finditer(text, 0, start):
        begin = match.end()
    after = _SENTENCE_END.search(text, end)
    return begin, after.end() if after else len(text)


def sentence_at(text: str, start: int, end: int) -> str:
    """The sentence holding ``text[start:end]``, as running text (for quoting it)."""
    begin, stop = sentence_bounds(text, start, end)
    return squeeze(text[begin:stop])


def conclusion_sentence(rationale: str) -> tuple[Decision, str] | None:
    """What a rationale concludes, and the sentence it says it in (as running text).

    The conclusion is the last statement of medical necessity; it is negative when the
    negation belongs to that statement: in the phrase (``not medically necessary``, fused
    ``notmedically``), in its verb group (``cannot be considered medically necessary``), or
    governing its clause (``there is no evidence that ... is medically necessary``). A "no" or
    "not" elsewhere in the sentence ("the worker has no red flags, so the request is medically
    necessary") says nothing about the conclusion.
    """
    last = None
    for match in _NECESSITY.finditer(rationale):
        last = match
    if last is None:
        return None
    begin, _ = sentence_bounds(rationale, last.start(), last.end())
    sentence = sentence_at(rationale, last.start(), last.end())
    if last.group("neg2") is not None:
        negative = "not" in last.group("neg2").lower()
    else:
        negative = bool(last.group("neg") or last.group("neg3") or last.group("neg4"))
        if not negative:
            before = _WS.sub(" ", rationale[begin : last.start()])
            negative = bool(_NEGATED_VERB.search(before) or _NEGATED_CLAUSE.search(before))
    return (Decision.UPHELD if negative else Decision.OVERTURNED), sentence


def conclusion(rationale: str) -> Decision | None:
    """What a rationale concludes (see :func:`conclusion_sentence`); ``None`` when it states
    no conclusion on medical necessity."""
    found = conclusion_sentence(rationale)
    return found[0] if found else None
