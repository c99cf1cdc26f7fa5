"""share_requests.series_id: the share series a request is a date of

So a request's views name its series without the sharing code reading the series' tables.
The foreign key is added while the new column is still empty (nothing to validate), then
the dates made so far are filled in.

Revision ID: 42728820f23d
Revises: ffe352dbd0f4
Create Date: 2026-12-03 19:14:47.452915
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '42728820f23d'
down_revision: str | None = 'ffe352dbd0f4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('share_requests', sa.Column('series_id', sa.Uuid(), nullable=True))
    op.create_foreign_key(op.f('fk_share_requests_series_id_share_series'), 'share_requests', 'share_series', ['series_id'], ['id'])
    op.execute(
        "UPDATE share_requests r SET series_id = o.series_id "
        "FROM share_series_occurrences o WHERE o.request_id = r.id"
    )


def downgrade() -> None:
    op.drop_constraint(op.f('fk_share_requests_series_id_share_series'), 'share_requests', type_='foreignkey')
    op.drop_column('share_requests', 'series_id')
