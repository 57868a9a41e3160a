"""Decision engine: case file -> facts -> guideline selection -> criteria -> determination.

The engine proposes; a physician decides. ``review`` is deterministic: the same case file
gives the same determination, byte for byte.
"""

from openimr.engine.review import (
    ENGINE_VERSION,
    ReviewEngine,
    default_engine,
    review,
    settle_process,
)

__version__ = ENGINE_VERSION

__all__ = [
    "ENGINE_VERSION",
    "ReviewEngine",
    "__version__",
    "default_engine",
    "review",
    "settle_process",
]
