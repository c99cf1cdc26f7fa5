"""share requests: the escalation ladder (audience "widening", its rung and history)

A widening request's audience climbs rungs while no offer comes (docs/escalation-ladder.md):
``share_requests.rung`` is the rung it is on, ``share_request_rungs`` when each was reached
(the primary key makes each step exactly-once). Two partial indexes: the job's open
widening requests, and the feed's wider reach on the neighbouring rung.

Revision ID: 5c1a3e9d2f40
Revises: ddc50ada94d6
Create Date: 2026-12-04 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '5c1a3e9d2f40'
down_revision: str | None = 'ddc50ada94d6'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('share_requests', sa.Column('rung', sa.SmallInteger(), nullable=True))
    op.drop_constraint('audience', 'share_requests', type_='check')
    op.create_check_constraint(
        'audience', 'share_requests',
        "audience IN ('connections', 'community', 'widening')",
    )
    op.create_check_constraint(
        'rung', 'share_requests',
        "(audience = 'widening') = (rung IS NOT NULL) AND (rung IS NULL OR rung BETWEEN 0 AND 4)",
    )
    op.create_index(
        'ix_share_requests_widening_open', 'share_requests', ['starts_at'], unique=False,
        postgresql_where="status = 'open' AND audience = 'widening'",
    )
    op.create_index(
        'ix_share_requests_wide_reach', 'share_requests',
        ['public_location'], unique=False,
        postgresql_using='gist',
        postgresql_where="status = 'open' AND audience = 'widening' AND rung >= 3",
    )
    op.create_table(
        'share_request_rungs',
        sa.Column('request_id', sa.Uuid(), nullable=False),
        sa.Column('rung', sa.SmallInteger(), nullable=False),
        sa.Column('reached_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['request_id'], ['share_requests.id'],
                                name=op.f('fk_share_request_rungs_request_id_share_requests')),
        sa.PrimaryKeyConstraint('request_id', 'rung', name=op.f('pk_share_request_rungs')),
    )


def downgrade() -> None:
    op.drop_table('share_request_rungs')
    op.drop_index('ix_share_requests_wide_reach', table_name='share_requests')
    op.drop_index('ix_share_requests_widening_open', table_name='share_requests')
    op.drop_constraint('rung', 'share_requests', type_='check')
    op.drop_constraint('audience', 'share_requests', type_='check')
    op.create_check_constraint(
        'audience', 'share_requests', "audience IN ('connections', 'community')"
    )
    op.drop_column('share_requests', 'rung')
