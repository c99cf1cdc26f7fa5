"""new request pushes: per supporter and Tokyo day, for the fair fan-out

Revision ID: 2a87f58a91b4
Revises: b81a7203d6c6
Create Date: 2026-12-03 18:24:10.800731
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2a87f58a91b4"
down_revision: str | None = "b81a7203d6c6"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "new_request_pushes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_new_request_pushes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "day", name=op.f("pk_new_request_pushes")),
    )


def downgrade() -> None:
    op.drop_table("new_request_pushes")
