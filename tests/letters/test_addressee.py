"""The letter sent to the parties names the employee and the claim number the application gave;
without them the letter is the one the determination alone gives (which publication renders)."""

from __future__ import annotations

from pathlib import Path

from openimr.domain import Determination
from openimr.letters import parse_letter_text, render_letter

FIXTURE = Path(__file__).parents[1] / "fixtures" / "letters" / "openimr-determination.json"


def _determination() -> Determination:
    return Determination.model_validate_json(FIXTURE.read_text(encoding="utf-8"))


def test_the_header_names_the_employee_and_the_claim_number_when_given() -> None:
    determination = _determination()
    plain = render_letter(determination, "text").decode()
    named = render_letter(
        determination, "text", employee="Maria Q. Lopez", claim_number="CLM-2291-77"
    ).decode()
    assert "Employee:" not in plain and "Claim Number:" not in plain
    assert "Employee:             Maria Q. Lopez" in named
    assert "Claim Number:         CLM-2291-77" in named
    html = render_letter(determination, "html", employee="Maria Q. Lopez").decode()
    assert '<th scope="row">Employee:</th><td>Maria Q. Lopez</td>' in html
    assert render_letter(determination, "text", employee="Maria Q. Lopez").decode() == (
        render_letter(determination, "text", employee="Maria Q. Lopez").decode()
    )
    # The header does not disturb reading the letter back.
    read = parse_letter_text(named)
    assert [i.decision for i in read.items] == [i.decision for i in determination.items]
