"""The case queue's index: what it searches and sorts by per case (``case_queue``), each
disputed treatment with the latest proposal on it (``case_items``), and the indexes the queue's
filters and orders use. Cases stored before are indexed here, from their stored application,
case file, latest proposal and deadlines.

Revision ID: 0006_queue
Revises: 0006_corpus
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0006_queue"
down_revision = "0006_corpus"
branch_labels = None
depends_on = None

#: Frozen copy of the closed states as of this revision.
_CLOSED = ("ineligible", "letter_issued", "withdrawn", "terminated")
_NO_DEADLINE = date(9999, 12, 31)
_NO_CONFIDENCE = 2.0


def upgrade() -> None:
    op.create_table(
        "case_queue",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("review_type", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("case_key", sa.String(length=200), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("next_due_on", sa.Date(), nullable=True),
        sa.Column("due_key", sa.Date(), nullable=False),
        sa.Column("least_confidence", sa.Float(), nullable=True),
        sa.Column("confidence_key", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_queue_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_queue")),
    )
    with op.batch_alter_table("case_queue", schema=None) as batch_op:
        batch_op.create_index(
            "ix_case_queue_due", ["due_key", "received_on", "case_id"], unique=False
        )
        batch_op.create_index("ix_case_queue_received", ["received_on", "case_id"], unique=False)
        batch_op.create_index("ix_case_queue_case_key", ["case_key", "case_id"], unique=False)
        batch_op.create_index(
            "ix_case_queue_confidence", ["confidence_key", "due_key", "case_id"], unique=False
        )
    op.create_table(
        "case_items",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=100), nullable=True),
        sa.Column("topic_title", sa.String(length=300), nullable=True),
        sa.Column("decision", sa.String(length=20), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_items_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", "position", name=op.f("pk_case_items")),
    )
    with op.batch_alter_table("case_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_items_topic"), ["topic"], unique=False)
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_assignments_reviewer_id_case_id", ["reviewer_id", "case_id"], unique=False
        )
    _index_existing_cases()


def downgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_reviewer_id_case_id")
    with op.batch_alter_table("case_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_items_topic"))
    op.drop_table("case_items")
    with op.batch_alter_table("case_queue", schema=None) as batch_op:
        for name in ("confidence", "case_key", "received", "due"):
            batch_op.drop_index(f"ix_case_queue_{name}")
    op.drop_table("case_queue")


# -- indexing the cases already stored (a frozen copy of workflow/service/queue_index.py) --


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", bare.casefold()).strip()


def _search_text(values: list[Any]) -> str:
    present = list(dict.fromkeys(v.strip() for v in values if isinstance(v, str) and v.strip()))
    folded = [_fold(v) for v in present]
    squeezed = [c for c in (re.sub(r"[\W_]+", "", f) for f in folded) if c and c not in folded]
    return " | ".join(folded + squeezed)


def _index_existing_cases() -> None:
    bind = op.get_bind()
    columns = "id, external_id, status, review_type, received_on, application"
    cases = bind.execute(sa.text(f"SELECT {columns} FROM cases")).mappings().all()
    queue_rows: list[dict[str, Any]] = []
    item_rows: list[dict[str, Any]] = []
    for case in cases:
        application = case["application"]
        if isinstance(application, str):
            application = json.loads(application)
        application = application or {}
        content = bind.execute(
            sa.text(
                "SELECT content FROM documents WHERE case_id = :id AND kind = 'case_file' "
                "ORDER BY id LIMIT 1"
            ),
            {"id": case["id"]},
        ).scalar()
        case_file = json.loads(bytes(content)) if content is not None else {}
        parties = case_file.get("parties") or {}
        claimant = parties.get("claimant") or {}
        searched = [
            case["id"],
            case["external_id"],
            application.get("claim_number"),
            application.get("employee_name"),
            claimant.get("name"),
            *(claimant.get("aliases") or []),
            *(parties.get("claim_numbers") or []),
        ]
        proposal = bind.execute(
            sa.text("SELECT content FROM proposals WHERE case_id = :id ORDER BY id DESC LIMIT 1"),
            {"id": case["id"]},
        ).scalar()
        proposed = (json.loads(proposal).get("items") or []) if proposal else []
        requests = [str(d.get("request") or "") for d in case_file.get("disputed_items") or []]
        for position in range(max(len(requests), len(proposed))):
            item = proposed[position] if position < len(proposed) else {}
            normalized = item.get("normalized") or {}
            item_rows.append(
                {
                    "case_id": case["id"],
                    "position": position,
                    "request": requests[position]
                    if position < len(requests)
                    else str(item.get("request") or ""),
                    "topic": normalized.get("topic"),
                    "topic_title": normalized.get("topic_title"),
                    "decision": item.get("decision"),
                    "confidence": item.get("confidence"),
                }
            )
        confidences = [i["confidence"] for i in proposed if i.get("confidence") is not None]
        next_due = None
        if case["status"] not in _CLOSED:
            next_due = bind.execute(
                sa.text(
                    "SELECT MIN(due_on) FROM case_deadlines WHERE case_id = :id AND met_on IS NULL"
                ),
                {"id": case["id"]},
            ).scalar()
            if isinstance(next_due, str):  # SQLite returns the column's text
                next_due = date.fromisoformat(next_due[:10])
        least = min(confidences) if confidences else None
        received = case["received_on"]
        if isinstance(received, str):
            received = date.fromisoformat(received[:10])
        queue_rows.append(
            {
                "case_id": case["id"],
                "status": case["status"],
                "review_type": case["review_type"],
                "received_on": received,
                "case_key": (case["external_id"] or case["id"])[:200],
                "search_text": _search_text(searched),
                "next_due_on": next_due,
                "due_key": next_due or _NO_DEADLINE,
                "least_confidence": least,
                "confidence_key": _NO_CONFIDENCE if least is None else least,
            }
        )
    queue = sa.table(
        "case_queue",
        sa.column("case_id", sa.String),
        sa.column("status", sa.String),
        sa.column("review_type", sa.String),
        sa.column("received_on", sa.Date),
        sa.column("case_key", sa.String),
        sa.column("search_text", sa.Text),
        sa.column("next_due_on", sa.Date),
        sa.column("due_key", sa.Date),
        sa.column("least_confidence", sa.Float),
        sa.column("confidence_key", sa.Float),
    )
    items = sa.table(
        "case_items",
        sa.column("case_id", sa.String),
        sa.column("position", sa.Integer),
        sa.column("request", sa.Text),
        sa.column("topic", sa.String),
        sa.column("topic_title", sa.String),
        sa.column("decision", sa.String),
        sa.column("confidence", sa.Float),
    )
    if queue_rows:
        op.bulk_insert(queue, queue_rows)
    if item_rows:
        op.bulk_insert(items, item_rows)
