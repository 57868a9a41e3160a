"""Case files: the IMR case as received (JSON or YAML), validated against the public contract."""

from openimr.casefile.load import load_case_file, parse_case_bytes, parse_case_data, read_json
from openimr.casefile.model import (
    CaseFile,
    Claimant,
    DisputedItem,
    Parties,
    Party,
    Record,
    RecordKind,
    RecordSource,
    SourceSpan,
    clean_text,
)

__all__ = [
    "CaseFile",
    "Claimant",
    "DisputedItem",
    "Parties",
    "Party",
    "Record",
    "RecordKind",
    "RecordSource",
    "SourceSpan",
    "clean_text",
    "load_case_file",
    "parse_case_bytes",
    "parse_case_data",
    "read_json",
]
