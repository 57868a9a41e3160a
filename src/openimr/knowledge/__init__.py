"""Guideline knowledge base: dated guideline data files and the code that loads and checks them."""

from openimr.knowledge.sources import (
    Chapter,
    Document,
    Edition,
    SourceCatalog,
    load_sources,
)

__all__ = ["Chapter", "Document", "Edition", "SourceCatalog", "load_sources"]
