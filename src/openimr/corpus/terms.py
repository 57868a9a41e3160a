"""An item's facets as full-text terms, for SQLite's full-text index.

Each item's row in ``corpus_search`` carries, in a column of its own (weight 0 in the ranking),
one term for each of its facets. A search with words and facets is then one full-text query,
``(words) AND facets : term AND ...``: the index intersects the words' matches with each facet's
own list, instead of every match being checked against the facets table. A term is a digest of
the facet's name and its value compared as the facet filter compares it (stripped, lower case),
ending in a digit so that the stemmer leaves it whole. The store's migration that built the
column holds a frozen copy of :func:`facet_term`; a test checks that they agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

#: The facets that have terms, in the order a row's terms are written.
TERM_FACETS = ("topic", "region", "decision", "year", "family", "ur_family", "section", "specialty")


def facet_term(facet: str, value: object) -> str:
    """The term of one facet's value (an opaque word of letters and digits)."""
    key = f"{facet}\x1f{str(value).strip().lower()}".encode()
    return "f" + hashlib.blake2b(key, digest_size=8).hexdigest() + "0"


def facet_terms(facets: Mapping[str, object]) -> str:
    """The terms of an item's facets that are set, as the text of its ``facets`` column."""
    return " ".join(
        facet_term(name, facets[name]) for name in TERM_FACETS if facets.get(name) is not None
    )
