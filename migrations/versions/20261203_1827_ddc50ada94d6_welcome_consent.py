"""welcome consent: a household's consent to the way in for isolated families, and the
welcome job's marks (docs/welcome.md)

Revision ID: ddc50ada94d6
Revises: 2a87f58a91b4
Create Date: 2026-12-03 18:27:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ddc50ada94d6"
down_revision: str | None = "2a87f58a91b4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "households",
        sa.Column(
            "welcome_consent", sa.Boolean(), server_default=sa.text("false"), nullable=False
        ),
    )
    op.add_column("households", sa.Column("welcome_checked_on", sa.Date(), nullable=True))
    op.add_column("households", sa.Column("welcome_pushed_month", sa.Date(), nullable=True))
    op.create_index(
        "ix_households_welcome",
        "households",
        ["welcome_checked_on"],
        unique=False,
        postgresql_where="welcome_consent",
    )


def downgrade() -> None:
    op.drop_index("ix_households_welcome", table_name="households")
    op.drop_column("households", "welcome_pushed_month")
    op.drop_column("households", "welcome_checked_on")
    op.drop_column("households", "welcome_consent")
