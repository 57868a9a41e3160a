"""Intake without dead ends, the reviewer's kind of licence, workbench passwords and the
medical director's quality review.

- ``case_screenings``: every screening of a case with the application facts it read, so a case
  corrected and screened again keeps the earlier ones (append-only, like the other history).
- ``reviewers.profession``: which qualification rules apply (existing reviewers are M.D.s,
  whom every rule applied to before).
- ``users.password_hash``: an Argon2id hash, for signing in to the workbench by password.
- ``cases.quality_reviewed_at`` / ``quality_reviewed_by``: the release of a signed
  determination after the medical director's review, when the organization asks for one.

Revision ID: 0006_intake
Revises: 0005
Create Date: 2026-12-07 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_intake"
down_revision = "0005"
branch_labels = None
depends_on = None

_TABLE = "case_screenings"


def upgrade() -> None:
    op.create_table(
        _TABLE,
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("application", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_case_screenings_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_screenings_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_screenings")),
    )
    op.create_index(op.f("ix_case_screenings_case_id"), _TABLE, ["case_id"], unique=False)
    _protect()
    op.add_column(
        "reviewers",
        sa.Column("profession", sa.String(length=20), server_default="md", nullable=False),
    )
    op.add_column("users", sa.Column("password_hash", sa.String(length=200), nullable=True))
    op.add_column(
        "cases", sa.Column("quality_reviewed_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column("cases", sa.Column("quality_reviewed_by", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_column("quality_reviewed_by")
        batch_op.drop_column("quality_reviewed_at")
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("password_hash")
    with op.batch_alter_table("reviewers") as batch_op:
        batch_op.drop_column("profession")
    dialect = op.get_bind().dialect.name
    for operation in ("update", "delete"):
        suffix = f" ON {_TABLE}" if dialect == "postgresql" else ""
        op.execute(f"DROP TRIGGER IF EXISTS {_TABLE}_no_{operation}{suffix}")
    op.drop_index(op.f("ix_case_screenings_case_id"), table_name=_TABLE)
    op.drop_table(_TABLE)


def _protect() -> None:
    """Refuse UPDATE and DELETE on the screenings, as on the other history tables (the
    PostgreSQL trigger function was created by the first revision)."""
    dialect = op.get_bind().dialect.name
    for operation in ("UPDATE", "DELETE"):
        name = f"{_TABLE}_no_{operation.lower()}"
        if dialect == "postgresql":
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {_TABLE} "
                "FOR EACH ROW EXECUTE FUNCTION openimr_append_only()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} BEFORE {operation} ON {_TABLE} "
                f"BEGIN SELECT RAISE(ABORT, 'openimr: {_TABLE} is append-only'); END"
            )
