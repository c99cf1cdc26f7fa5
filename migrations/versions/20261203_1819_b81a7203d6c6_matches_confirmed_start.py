"""matches: a partial index on confirmed matches' starts

The late-escalation job reads, every tick, the confirmed matches that started in the last
day or so; without it that is a scan of every match.

Revision ID: b81a7203d6c6
Revises: 7ba6714cbaad
Create Date: 2026-12-03 18:19:07.543815
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b81a7203d6c6'
down_revision: str | None = '7ba6714cbaad'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_matches_confirmed_start', 'matches', ['starts_at'], unique=False, postgresql_where="status = 'confirmed'")


def downgrade() -> None:
    op.drop_index('ix_matches_confirmed_start', table_name='matches', postgresql_where="status = 'confirmed'")
