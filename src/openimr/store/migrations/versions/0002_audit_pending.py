"""Audit entries wait in ``audit_pending`` until the sealer chains them into ``audit_log``.

Requests used to extend the hash chain themselves, each holding one lock from its append to
its commit, so that concurrent requests queued behind each other. Now a request only inserts
its entries here, and the sealer chains them in batches. Pending rows may be deleted (that is
how the sealer moves them) but never updated.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 16:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=250), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending "
            "FOR EACH ROW EXECUTE FUNCTION openimr_append_only()"
        )
    else:
        op.execute(
            "CREATE TRIGGER audit_pending_no_update BEFORE UPDATE ON audit_pending "
            "BEGIN SELECT RAISE(ABORT, 'openimr: audit_pending is append-only'); END"
        )


def downgrade() -> None:
    waiting = op.get_bind().execute(sa.text("SELECT count(*) FROM audit_pending")).scalar()
    if waiting:
        raise RuntimeError(
            f"{waiting} audit entries are not chained yet; run `openimr audit verify` "
            "(which chains them) before going back to revision 0001"
        )
    op.execute(
        "DROP TRIGGER IF EXISTS audit_pending_no_update"
        + (" ON audit_pending" if op.get_bind().dialect.name == "postgresql" else "")
    )
    op.drop_table("audit_pending")
