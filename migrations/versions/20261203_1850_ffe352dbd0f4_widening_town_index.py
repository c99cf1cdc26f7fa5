"""share_requests: a partial index on the widening requests of a town by posting time

The escalation ladder's statistics (time to the first offer, the rung that resolved each
request) read them per municipality and month.

Revision ID: ffe352dbd0f4
Revises: 3b7c164f3f78
Create Date: 2026-12-03 18:50:18.848973
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ffe352dbd0f4'
down_revision: str | None = '3b7c164f3f78'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_share_requests_widening_town', 'share_requests', ['municipality_code', 'created_at'], unique=False, postgresql_where="audience = 'widening'")


def downgrade() -> None:
    op.drop_index('ix_share_requests_widening_town', table_name='share_requests', postgresql_where="audience = 'widening'")
