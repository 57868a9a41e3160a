"""Case files as they arrive: PDFs, faxes and scans read into dated, attributed records.

Depends on ``casefile``, ``domain`` and ``errors`` only. The one PDF seam is ``pdf.py``, the
one OCR seam ``ocr.py``; ``read.py`` turns a file into pages, ``split.py`` pages into records,
``build.py`` records into a case file.
"""

from openimr.records.build import (
    SIDECAR_NAMES,
    CaseDetails,
    build_case_file,
    collect_documents,
    load_sidecar,
    read_documents,
)
from openimr.records.errors import DocumentError
from openimr.records.model import (
    BuiltCase,
    DocumentKind,
    PageSpan,
    RecordSet,
    SplitRecord,
)
from openimr.records.ocr import ocr_available

__all__ = [
    "SIDECAR_NAMES",
    "BuiltCase",
    "CaseDetails",
    "DocumentError",
    "DocumentKind",
    "PageSpan",
    "RecordSet",
    "SplitRecord",
    "build_case_file",
    "collect_documents",
    "load_sidecar",
    "ocr_available",
    "read_documents",
]
