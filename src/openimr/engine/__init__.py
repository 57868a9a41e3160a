"""Decision engine: case file -> facts -> guideline selection -> criteria -> determination.

The engine proposes; a physician decides. ``review`` is deterministic: the same case file
gives the same determination, byte for byte.
"""

from openimr.engine.review import (
    ENGINE_VERSION,
    Reviewer,
    default_reviewer,
    review,
    settle_process,
)

__version__ = ENGINE_VERSION

__all__ = [
    "ENGINE_VERSION",
    "Reviewer",
    "__version__",
    "default_reviewer",
    "review",
    "settle_process",
]
