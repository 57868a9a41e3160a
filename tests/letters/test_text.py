"""Reading a rationale's conclusion, and where a request's title starts."""

from __future__ import annotations

import pytest

from openimr.domain import Decision
from openimr.letters._sectioned import _TERMINATOR
from openimr.letters._text import conclusion


@pytest.mark.parametrize(
    ("rationale", "expected"),
    [
        ("MRI of the left knee without contrast is medically necessary.", Decision.OVERTURNED),
        ("The request is not medically necessary.", Decision.UPHELD),
        ("Medical necessity has not been established.", Decision.UPHELD),
        ("There is no evidence that the request is medically necessary.", Decision.UPHELD),
        ("The request is determined to not be medically necessary.", Decision.UPHELD),
    ],
)
def test_conclusion_is_the_last_statement_of_necessity(rationale: str, expected: Decision) -> None:
    assert conclusion(rationale) is expected


def test_a_wrapped_date_of_service_label_does_not_end_the_title() -> None:
    assert _TERMINATOR.search("Lidoderm patch, #1 box with 1 refill, DOS: \n") is None
    assert _TERMINATOR.search("items/services set forth below:\n") is not None
