"""One exception tree for the whole project, and the HTTP status of each branch.

Callers catch :class:`OpenIMRError` (or one of its branches) and never see library
exceptions leak from our public functions. Every error carries a plain message a
person can act on; input errors also name the file and the field or line at fault.
The API and the workbench answer an error with the status :func:`http_status` gives it.
"""

from __future__ import annotations

__all__ = [
    "AccessDenied",
    "CaseFileError",
    "ComponentUnavailable",
    "ConflictError",
    "IllegalTransition",
    "InputError",
    "KnowledgeBaseError",
    "LetterError",
    "NotFound",
    "OpenIMRError",
    "RenderError",
    "StoreError",
    "WorkflowError",
    "http_status",
]


class OpenIMRError(Exception):
    """Base of every error OpenIMR raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(OpenIMRError):
    """Bad input from a person or another system: names the source and the place in it."""

    def __init__(self, message: str, *, source: str | None = None, location: str | None = None):
        self.source = source
        self.location = location
        prefix = ""
        if source:
            prefix = f"{source}: "
        if location:
            prefix += f"{location}: "
        super().__init__(prefix + message)
        self.detail = message


class CaseFileError(InputError):
    """A case file that cannot be read or does not follow the case-file contract."""


class LetterError(InputError):
    """A Final Determination Letter that cannot be read, parsed or rendered."""


class KnowledgeBaseError(OpenIMRError):
    """The guideline knowledge base is inconsistent (a data file is wrong, not the user)."""


class StoreError(OpenIMRError):
    """The store refused an operation (integrity, duplicate document, unavailable database)."""


class WorkflowError(OpenIMRError):
    """A case-workflow rule was broken."""


class IllegalTransition(WorkflowError):
    """A case cannot move from its current state to the requested one."""


class ConflictError(OpenIMRError):
    """Someone else changed the record first (optimistic locking)."""


class AccessDenied(OpenIMRError):
    """The caller's role or assignment does not allow this."""


class TooManyAttempts(AccessDenied):
    """Sign-in refused for a while after repeated failures; ``retry_after`` is in seconds."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class NotFound(OpenIMRError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class ComponentUnavailable(OpenIMRError):
    """A layer the operation needs (engine, letters) is not installed in this build."""


class RenderError(OpenIMRError):
    """An output of ours (a letter's PDF) could not be produced: our fault, not the input's."""


#: The HTTP status of each branch of the tree, the most specific first.
HTTP_STATUS: tuple[tuple[type[OpenIMRError], int], ...] = (
    (InputError, 422),
    (NotFound, 404),
    (TooManyAttempts, 429),
    (AccessDenied, 403),
    (ComponentUnavailable, 503),
    (StoreError, 503),
    (ConflictError, 409),
    (WorkflowError, 409),
    (RenderError, 500),
)


def http_status(exc: OpenIMRError) -> int:
    """The status the API and the workbench answer ``exc`` with (500 for anything else)."""
    for kind, status in HTTP_STATUS:
        if isinstance(exc, kind):
            return status
    return 500
