"""authorised adults

Who, besides its parents, may collect a child: household-private, deleted with the
child (and with the household's last account).

Revision ID: b53348e36d75
Revises: c152c607189f
Create Date: 2026-12-03 17:42:50.061148
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b53348e36d75"
down_revision: str | None = "c152c607189f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "authorised_adults",
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("relation", sa.String(length=50), nullable=False),
        sa.Column("id", sa.Uuid(), server_default=sa.text("gen_random_uuid()"), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["child_id"],
            ["children.id"],
            name=op.f("fk_authorised_adults_child_id_children"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_authorised_adults")),
    )
    op.create_index(
        "ix_authorised_adults_child",
        "authorised_adults",
        ["child_id", "created_at", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_authorised_adults_child", table_name="authorised_adults")
    op.drop_table("authorised_adults")
