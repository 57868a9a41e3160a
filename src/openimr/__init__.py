"""OpenIMR: Independent Medical Review for California workers' compensation.

The public surface is small: read a case file, review it, and work with the resulting
:class:`Determination`. Everything else lives in the layer packages.
"""

from openimr.casefile import CaseFile, load_case_file, parse_case_bytes
from openimr.domain import Decision, Determination, GuidelineFamily, ItemDetermination
from openimr.errors import (
    CaseFileError,
    InputError,
    KnowledgeBaseError,
    LetterError,
    OpenIMRError,
)

__version__ = "0.1.0"

__all__ = [
    "CaseFile",
    "CaseFileError",
    "Decision",
    "Determination",
    "GuidelineFamily",
    "InputError",
    "ItemDetermination",
    "KnowledgeBaseError",
    "LetterError",
    "OpenIMRError",
    "__version__",
    "load_case_file",
    "parse_case_bytes",
]
