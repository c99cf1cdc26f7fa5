"""certification days and the indexes ranking and statistics read

Certifications keep the Tokyo days they are valid on as generated columns (valid_on's
SQL form then compares two dates), and are indexed by community; completed matches are
indexed by supporter and household, which candidate ranking counts.

Revision ID: 1bd4c565de25
Revises: ceabc81d5757
Create Date: 2026-12-02 17:30:32.235501
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '1bd4c565de25'
down_revision: str | None = 'ceabc81d5757'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('certifications', sa.Column('valid_from', sa.Date(), sa.Computed("date(timezone('Asia/Tokyo', granted_at))", persisted=True), nullable=False))
    op.add_column('certifications', sa.Column('valid_until', sa.Date(), sa.Computed("LEAST(expires_on, date(timezone('Asia/Tokyo', revoked_at)) - 1)", persisted=True), nullable=False))
    op.create_index('ix_certifications_community_id', 'certifications', ['community_id'], unique=False)
    op.create_index('ix_matches_completed_pairs', 'matches', ['supporter_id', 'requester_household_id'], unique=False, postgresql_where="status = 'completed'")


def downgrade() -> None:
    op.drop_index('ix_matches_completed_pairs', table_name='matches', postgresql_where="status = 'completed'")
    op.drop_index('ix_certifications_community_id', table_name='certifications')
    op.drop_column('certifications', 'valid_until')
    op.drop_column('certifications', 'valid_from')
