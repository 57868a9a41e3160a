"""Removing identifiers from text: the listed identities first, then what the detectors find.

Each removed span becomes a bracketed placeholder saying what was there ("[injured worker]",
"[phone]"), so that the letter still reads as a sentence and a reader knows a name stood there.
Spans that overlap or touch (a first and a last name) become one placeholder. What is kept:
dates other than dates of birth (the published letters keep the date of injury and the dates
of service), ages, eponyms, drug names, guideline names and the IMR case number.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from openimr.publication.detect import Detection, Detector, detector
from openimr.publication.identities import Identities
from openimr.publication.known import KnownMatcher
from openimr.publication.vocabulary import PublicationVocabulary

__all__ = ["Redaction", "Redactor", "placeholder"]

_JOIN = re.compile(r"[\s,.'’\-]{0,3}")
_PLACEHOLDER = re.compile(r"\[[a-zA-Z ]{2,24}\]")
#: A capitalized word, whole (not the start of a longer or hyphenated one).
_NAME_WORD = re.compile(r"(?<![\w'’\-])[^\W\d_]+(?:[\-'’][^\W\d_]+)*(?![\w\-])")
_PIECE = re.compile(r"[\-'’]")
_POSSESSIVE = re.compile(r"['’]s$")


def placeholder(label: str) -> str:
    """The text that stands where an identifier was."""
    return f"[{label}]"


@dataclass(frozen=True, slots=True)
class _Span:
    start: int
    end: int
    label: str
    listed: bool


@dataclass
class Redaction:
    """Redacted text and how many spans of each kind were removed (never the values)."""

    text: str
    removed: Counter[str] = field(default_factory=Counter)


class Redactor:
    """Listed identities plus detectors, for one case. Safe to share between threads."""

    def __init__(
        self,
        identities: Identities,
        *,
        detectors: Detector | None = None,
        vocabulary: PublicationVocabulary | None = None,
    ) -> None:
        self.known = KnownMatcher(identities, vocabulary)
        self.detector = detectors or detector()

    def spans(self, text: str) -> list[_Span]:
        """Where identifiers are, merged: listed identities win over detections they overlap."""
        found = [_Span(h.start, h.end, h.role.value, True) for h in self.known.find(text)]
        detected = self.detector.detect(text)
        found += [_Span(d.start, d.end, d.label, False) for d in detected]
        found += self._elsewhere(text, detected)
        found = [s for s in found if not _inside_placeholder(text, s)]
        found.sort(key=lambda s: (s.start, -s.end, not s.listed))
        merged: list[_Span] = []
        for span in found:
            if merged:
                last = merged[-1]
                overlaps = span.start < last.end
                touches = (
                    span.label == last.label
                    and span.start >= last.end
                    and _JOIN.fullmatch(text[last.end : span.start]) is not None
                    and "\n\n" not in text[last.end : span.start]
                )
                if overlaps or touches:
                    label = last.label
                    listed = last.listed
                    if span.listed and not last.listed:
                        label, listed = span.label, True
                    merged[-1] = _Span(last.start, max(last.end, span.end), label, listed)
                    continue
            merged.append(span)
        return merged

    def _elsewhere(self, text: str, detected: list[Detection]) -> list[_Span]:
        """A word of a detected name that no vocabulary knows is that name wherever else the
        text writes it capitalized ("Chuy reported ..." and "Medications for Chuy ..."): a
        name found once where a person stands is still a name where nothing marks it."""
        names = {
            word
            for d in detected
            if d.label == "name"
            for word in (_POSSESSIVE.sub("", w) for w in _NAME_WORD.findall(text[d.start : d.end]))
            if self._unknown_name(word)
        }
        if not names:
            return []
        spans = []
        for match in _NAME_WORD.finditer(text):
            word = _POSSESSIVE.sub("", match.group())  # "Chuy's knee": the name is "Chuy"
            if word in names:
                spans.append(_Span(match.start(), match.start() + len(word), "name", False))
        return spans

    def _unknown_name(self, word: str) -> bool:
        """Every piece of ``word`` ("Al-Sayed": "Sayed"), particles aside, is unknown."""
        pieces = [
            p for p in _PIECE.split(word) if p.lower() not in self.detector.vocabulary.particles
        ]
        return bool(pieces) and all(len(p) >= 3 and self.detector.unknown(p) for p in pieces)

    def redact(self, text: str) -> Redaction:
        """``text`` with every identifier replaced by its placeholder."""
        if not text:
            return Redaction(text)
        return _apply(text, self.spans(text))

    def redact_many(self, texts: list[str]) -> list[Redaction]:
        """Each of ``texts`` redacted, searched together (one pass of every detector)."""
        if len(texts) < 2:
            return [self.redact(t) for t in texts]
        bounds: list[tuple[int, int]] = []
        position = 0
        for text in texts:
            bounds.append((position, position + len(text)))
            position += len(text) + len(_SEPARATOR)
        joined = _SEPARATOR.join(texts)
        per_text: list[list[_Span]] = [[] for _ in texts]
        index = 0
        for span in self.spans(joined):
            while index < len(bounds) and bounds[index][1] <= span.start:
                index += 1
            for which in range(index, len(bounds)):
                start, end = bounds[which]
                if start >= span.end:
                    break
                lo, hi = max(span.start, start), min(span.end, end)
                if lo < hi:
                    per_text[which].append(_Span(lo - start, hi - start, span.label, span.listed))
        return [_apply(text, spans) for text, spans in zip(texts, per_text, strict=True)]

    def leaks(self, text: str) -> list[str]:
        """Roles of the listed identities still present in ``text`` (empty when clean)."""
        return sorted({h.role.value for h in self.known.find(text, guesses=False)})


#: Between texts searched together: no detector pattern crosses a blank line and a pilcrow.
_SEPARATOR = "\n\n\u00b6\n\n"


def _apply(text: str, spans: list[_Span]) -> Redaction:
    if not spans:
        return Redaction(text)
    out: list[str] = []
    removed: Counter[str] = Counter()
    position = 0
    for span in spans:
        out.append(text[position : span.start])
        out.append(placeholder(span.label))
        removed[span.label] += 1
        position = span.end
    out.append(text[position:])
    return Redaction("".join(out), removed)


def _inside_placeholder(text: str, span: _Span) -> bool:
    """A span within a placeholder already written (redacting twice changes nothing)."""
    left = text.rfind("[", max(0, span.start - 24), span.start + 1)
    if left < 0:
        return False
    match = _PLACEHOLDER.match(text, left)
    return match is not None and match.end() >= span.end
