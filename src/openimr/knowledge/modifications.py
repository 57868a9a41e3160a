"""How a UR modification is worded in a request and in a letter: one grammar for both.

A request that UR partly authorized reads "X was the original request. Y was authorized by
the Claims Administrator. The remaining IMR eligible portion of the original request, Z is"
(or "... The Claims Administrator authorized Y, leaving the original request IMR eligible.
The original request, X is"). The engine reads the remaining portion to review it; the letter
parser reads the same words back into the same :class:`UrModification`.
"""

from __future__ import annotations

import re

from openimr.domain.determination import UrModification

_PARTIAL = re.compile(
    r"^(?P<orig>.+?)\s+(?:was|were)\s+the\s+original\s+request\.\s*(?P<auth>.+?)\s+(?:was|were)"
    r"\s+authorized\s+by\s+the\s+Claims\s+Administrator\.\s*The\s+remaining\s+IMR\s+eligible"
    r"\s+portion\s+of\s+the\s+original\s+request,?\s*(?:is\s+)?(?P<rem>.+?)(?:\s+is)?\s*:?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_OTHER_AUTHORIZED = re.compile(
    r"^(?P<orig>.+?)\s+(?:was|were)\s+the\s+original\s+request\.\s*The\s+Claims\s+Administrator"
    r"\s+authorized\s+(?P<auth>.+?),?\s+leaving\s+the\s+original\s+request\s+IMR\s+eligible\.\s*"
    r"The\s+original\s+request,?\s*(?P<rem>.+?)(?:\s+is)?\s*:?\s*$",
    re.IGNORECASE | re.DOTALL,
)
_ORIGINAL_ONLY = re.compile(
    r"^(?P<orig>.+?)\s+(?:was|were)\s+the\s+original\s+request\b", re.IGNORECASE | re.DOTALL
)
#: words that mark an item's wording as a UR modification (used to find where it starts)
MODIFICATION_MARKERS = re.compile(
    r"original\s*request|authorized\s*by\s*the\s*Claims|Claims\s*Administrator\s*authorized"
    r"|IMR\s*eligible",
    re.IGNORECASE,
)
ORIGINAL_REQUEST = re.compile(r"(?:was|were)\s*the\s*original\s*request", re.IGNORECASE)


def read_ur_modification(text: str, *, incomplete: bool = False) -> UrModification | None:
    """The modification a request's wording states, or None.

    ``incomplete`` also accepts wording that names the original request and nothing more
    (some letters cut the sentence); the whole original request is then the remaining part.
    """
    wording = text.strip()
    for pattern in (_PARTIAL, _OTHER_AUTHORIZED):
        match = pattern.match(wording)
        if match:
            return UrModification(
                original_request=match.group("orig").strip(),
                authorized=match.group("auth").strip() or None,
                remaining=match.group("rem").strip().rstrip(":,.").strip(),
            )
    if incomplete and (match := _ORIGINAL_ONLY.match(wording)):
        original = match.group("orig").strip()
        return UrModification(original_request=original, remaining=original)
    return None
