"""When each user's bearer token was issued, so that tokens expire and can be replaced.

Tokens used to be valid for as long as the user existed. Existing tokens count as issued when
their user was created (so a long-lived token expires on the first check after the upgrade if
it is older than ``OPENIMR_TOKEN_DAYS``). The column is nullable only because SQLite cannot add
a NOT NULL column without rebuilding a table other tables point at; every row is filled.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("users", sa.Column("token_issued_at", sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE users SET token_issued_at = created_at")


def downgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("token_issued_at")
