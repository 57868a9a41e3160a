"""Migration 0006_queue indexes the cases stored before it, on both backends."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from sqlalchemy import insert, select

from openimr.store.db import Database
from openimr.store.migrate import upgrade
from openimr.store.models import Case, CaseDeadline, CaseItem, CaseQueue, Document, Proposal

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
CASE_FILE = {
    "case_id": "CM26-0042",
    "disputed_items": [{"request": "Lumbar MRI"}, {"request": "Physical therapy 2x6"}],
    "parties": {
        "claimant": {"name": "Zoë Müller", "aliases": ["Zoe Mueller"]},
        "claim_numbers": ["WC 55-1234"],
    },
}
PROPOSAL = {
    "items": [
        {
            "request": "Lumbar MRI",
            "decision": "upheld",
            "confidence": 0.71,
            "normalized": {"topic": "mri-lumbar", "topic_title": "MRI, lumbar spine"},
        },
        {"request": "Physical therapy 2x6", "decision": "overturned", "confidence": 0.93},
    ]
}


def _case(case_id: str, status: str) -> dict[str, object]:
    return {
        "id": case_id,
        "external_id": "CM26-0042" if case_id == "imr-open" else None,
        "status": status,
        "review_type": "regular",
        "version": 3,
        "case_file_sha256": "0" * 64,
        "dispute_key": case_id,
        "application": {"claim_number": "ADJ-778 899", "employee_name": "Z. Muller"},
        "eligibility": None,
        "received_on": date(2026, 11, 2),
        "created_at": NOW,
        "updated_at": NOW,
    }


def test_cases_stored_before_the_queue_are_indexed(database_url: str) -> None:
    database = Database(database_url)
    try:
        upgrade(database, "0005")
        with database.engine.begin() as connection:
            connection.execute(
                insert(Case.__table__),
                [_case("imr-open", "in_review"), _case("imr-closed", "withdrawn")],
            )
            for case_id in ("imr-open", "imr-closed"):
                content = json.dumps(CASE_FILE).encode()
                connection.execute(
                    insert(Document.__table__).values(
                        case_id=case_id,
                        kind="case_file",
                        media_type="application/json",
                        size=len(content),
                        sha256=case_id.ljust(64, "0"),
                        content=content,
                        meta={},
                        created_at=NOW,
                    )
                )
                connection.execute(
                    insert(CaseDeadline.__table__),
                    [
                        {"case_id": case_id, "name": "records", "due_on": date(2026, 11, 9)},
                        {"case_id": case_id, "name": "determination", "due_on": date(2026, 12, 2)},
                    ],
                )
            connection.execute(
                insert(Proposal.__table__).values(
                    case_id="imr-open",
                    case_file_sha256="0" * 64,
                    engine_version="1",
                    content=json.dumps(PROPOSAL),
                    created_at=NOW,
                )
            )
        upgrade(database)
        with database.session(write=False) as session:
            rows = {r.case_id: r for r in session.execute(select(CaseQueue)).scalars()}
            items = session.execute(
                select(CaseItem).where(CaseItem.case_id == "imr-open").order_by(CaseItem.position)
            ).scalars()
            shown = [(i.request, i.topic, i.decision, i.confidence) for i in items]
        opened, closed = rows["imr-open"], rows["imr-closed"]
        for searched in ("cm26-0042", "zoe muller", "zoe mueller", "wc551234", "adj778899"):
            assert searched in opened.search_text
        assert opened.status == "in_review" and opened.case_key == "CM26-0042"
        assert opened.next_due_on == date(2026, 11, 9) and opened.due_key == date(2026, 11, 9)
        assert opened.least_confidence == 0.71 and opened.confidence_key == 0.71
        assert closed.next_due_on is None and closed.least_confidence is None
        assert closed.due_key > date(9000, 1, 1) and closed.confidence_key > 1
        assert shown == [
            ("Lumbar MRI", "mri-lumbar", "upheld", 0.71),
            ("Physical therapy 2x6", None, "overturned", 0.93),
        ]
    finally:
        database.dispose()
