"""The publishable determination and letter (Labor Code 4610.6(i)).

``publish_determination`` gives the record for the corpus: every free-text field redacted,
evidence quotes (which quote unpublished records and point into them) dropped. ``publish``
renders that record as a letter in any format and then reads the letter back (its text layer
and, for a PDF, its metadata) through the listed identities: a letter in which one is found is
refused rather than returned, because a published identifier cannot be recalled.

The PDF is printed from the redacted text: nothing is covered over, nothing hidden remains.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from openimr.casefile.model import CaseFile, Parties
from openimr.domain import Determination, ItemDetermination
from openimr.errors import RenderError
from openimr.letters.render import LetterSettings, render_letter
from openimr.publication.identities import identities_from
from openimr.publication.redact import Redactor
from openimr.publication.vocabulary import PublicationVocabulary

__all__ = [
    "PublicationError",
    "PublishFormat",
    "Published",
    "publish",
    "publish_determination",
    "redactor_for",
]

PublishFormat = Literal["text", "html", "pdf", "json"]


class PublicationError(RenderError):
    """The letter could not be made publishable (an identity survived); nothing is written.

    A kind of :class:`~openimr.errors.RenderError`, so the API and the workbench answer it as
    a letter that could not be produced."""


@dataclass
class Published:
    """The publishable record, the letter bytes, and what was removed (counts by kind)."""

    determination: Determination
    content: bytes
    removed: Counter[str] = field(default_factory=Counter)


def redactor_for(
    parties: Parties | None = None,
    case_file: CaseFile | None = None,
    *,
    vocabulary: PublicationVocabulary | None = None,
) -> Redactor:
    """A redactor for one case: the parties given, the case file's ``parties`` and authors
    (``vocabulary``: another nickname table, as the benchmark's held-out measure uses)."""
    return Redactor(
        identities_from(parties, case_file, vocabulary=vocabulary), vocabulary=vocabulary
    )


class _Scrub:
    """Collects every free-text field first, redacts them in one pass, then hands them back."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.removed: Counter[str] = Counter()
        self.texts: list[str] = []
        self.done: list[str] | None = None
        self.position = 0

    def __call__(self, text: str | None) -> str | None:
        if text is None:
            return None
        if self.done is None:  # first pass: remember the text, give it back unchanged
            self.texts.append(text)
            return text
        out = self.done[self.position]
        self.position += 1
        return out

    def text(self, text: str) -> str:
        scrubbed = self(text)
        return scrubbed if scrubbed is not None else ""

    def run(self) -> None:
        results = self.redactor.redact_many(self.texts)
        for result in results:
            self.removed.update(result.removed)
        self.done = [r.text for r in results]
        self.position = 0


def _item(item: ItemDetermination, scrub: _Scrub) -> ItemDetermination:
    update: dict[str, object] = {
        "request": scrub.text(item.request),
        "claims_administrator_guideline": scrub(item.claims_administrator_guideline),
        "rationale": scrub.text(item.rationale),
        "criteria": [
            c.model_copy(update={"finding": scrub(c.finding), "evidence": []})
            for c in item.criteria
        ],
        "flags": [f.model_copy(update={"message": scrub.text(f.message)}) for f in item.flags],
        "claims_administrator_audit": [
            a.model_copy(update={"message": scrub.text(a.message)})
            for a in item.claims_administrator_audit
        ],
    }
    if item.ur_modification is not None:
        m = item.ur_modification
        update["ur_modification"] = m.model_copy(
            update={
                "original_request": scrub.text(m.original_request),
                "authorized": scrub(m.authorized),
                "remaining": scrub.text(m.remaining),
            }
        )
    if item.normalized is not None:
        update["normalized"] = item.normalized.model_copy(
            update={"reviewed_text": scrub.text(item.normalized.reviewed_text)}
        )
    return item.model_copy(update=update)


def publish_determination(
    determination: Determination, redactor: Redactor
) -> tuple[Determination, Counter[str]]:
    """The determination with every free-text field redacted, and the counts removed.

    Structured fields stay: dates (the date of injury among them, as the published letters
    keep it), decisions, citations, normalized requests, the reviewer's credentials (never a
    name) and the IMR case number.
    """
    scrub = _Scrub(redactor)

    def fields() -> dict[str, object]:
        update: dict[str, object] = {
            "clinical_case_summary": scrub.text(determination.clinical_case_summary),
            "documents_reviewed": [scrub.text(d) for d in determination.documents_reviewed],
            "items": [_item(item, scrub) for item in determination.items],
        }
        if determination.guideline_edition is not None:
            edition = determination.guideline_edition
            update["guideline_edition"] = edition.model_copy(
                update={"reason": scrub.text(edition.reason)}
            )
        return update

    fields()  # the same walk twice: first collect, then fill in
    scrub.run()
    published = determination.model_copy(update=fields())
    # a model_copy skips validation; a round trip through JSON restores it
    return Determination.model_validate_json(published.to_json()), scrub.removed


def _letter_text(content: bytes, fmt: PublishFormat) -> str:
    """What a reader (or a crawler) gets from the published bytes: text layer and metadata."""
    if fmt != "pdf":
        return content.decode("utf-8")
    import pypdf

    from openimr.letters.extract import letter_text

    parts = [letter_text(content, source="published letter").text]
    import io

    reader = pypdf.PdfReader(io.BytesIO(content))
    metadata = reader.metadata or {}
    parts.extend(str(value) for value in metadata.values())
    return "\n".join(parts)


def publish(
    determination: Determination,
    redactor: Redactor,
    fmt: PublishFormat = "text",
    *,
    settings: LetterSettings | None = None,
) -> Published:
    """The publishable letter (``text``, ``html``, ``pdf``) or record (``json``), checked.

    Raises :class:`PublicationError` when a listed identity is still found in the output, and
    names only its role, never the value.
    """
    record, removed = publish_determination(determination, redactor)
    if fmt == "json":
        content = (record.to_json() + "\n").encode("utf-8")
    else:
        content = render_letter(record, fmt, settings=settings or LetterSettings.from_environment())
    found = redactor.leaks(_letter_text(content, fmt))
    if fmt == "json":
        found = sorted(set(found) | set(redactor.leaks(json.dumps(json.loads(content)))))
    if found:
        raise PublicationError(
            "the publishable letter still holds a listed identity ("
            + ", ".join(found)
            + "); it was not written"
        )
    return Published(record, content, removed)
