"""child reads: the access log of a child's details

One row per answer that showed a child's nickname, age or notes to somebody outside the
household (the matched supporter, the pickup pass), read by the household.

Revision ID: 8838b73781f0
Revises: c914597b7b2e
Create Date: 2026-12-03 17:43:35.410751
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8838b73781f0"
down_revision: str | None = "c914597b7b2e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "child_reads",
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("reader_id", sa.Uuid(), nullable=True),
        sa.Column("via", sa.String(length=20), nullable=False),
        sa.Column("match_id", sa.Uuid(), nullable=True),
        sa.Column("fields", sa.ARRAY(sa.String(length=20)), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_child_reads_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_child_reads_match_id_matches")
        ),
        sa.ForeignKeyConstraint(
            ["reader_id"], ["users.id"], name=op.f("fk_child_reads_reader_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_reads")),
    )
    op.create_index(
        "ix_child_reads_child_at", "child_reads", ["child_id", "read_at", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_child_reads_child_at", table_name="child_reads")
    op.drop_table("child_reads")
