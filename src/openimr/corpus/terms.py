"""An item's facets as terms of the full-text index, on both backends.

Each item's row in ``corpus_search`` carries one term for each of its facets, which the ranking
does not weigh: on SQLite in a column of its own (BM25 weight 0), on PostgreSQL as lexemes of
label D (``ts_rank_cd`` weight 0). A search with words and facets is then one full-text query
(``(words) AND facets : term ...`` on SQLite; ``document @@ words AND document @@ 'term & ...'``
on PostgreSQL): the index intersects the words' matches with each facet's own list, instead of
every match being checked against the facets table. A term is a digest of the facet's name and
its value compared as the facet filter compares it (stripped, lower case), ending in a digit
so that the stemmer leaves it whole. The store's migrations that wrote the terms hold frozen
copies of :func:`facet_term`; a test checks that they agree.
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
