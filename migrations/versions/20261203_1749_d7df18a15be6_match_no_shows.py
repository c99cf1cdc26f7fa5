"""match no-shows

One per match: who reported the other side absent, why, and the absent side's answer.
Indexed by the absent person and time: reliability and candidate ranking count them so.

Revision ID: d7df18a15be6
Revises: 8838b73781f0
Create Date: 2026-12-03 17:49:31.416097
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd7df18a15be6'
down_revision: str | None = '8838b73781f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('match_no_shows',
    sa.Column('match_id', sa.Uuid(), nullable=False),
    sa.Column('reported_by_id', sa.Uuid(), nullable=False),
    sa.Column('reported_by_role', sa.String(length=16), nullable=False),
    sa.Column('absent_id', sa.Uuid(), nullable=False),
    sa.Column('absent_role', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.String(length=500), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.String(length=500), nullable=True),
    sa.Column('answered_by_id', sa.Uuid(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("absent_role IN ('requester', 'supporter')", name=op.f('ck_match_no_shows_absent_role')),
    sa.CheckConstraint("reported_by_role IN ('requester', 'supporter')", name=op.f('ck_match_no_shows_reported_by_role')),
    sa.CheckConstraint('reported_by_role <> absent_role', name=op.f('ck_match_no_shows_other_party')),
    sa.ForeignKeyConstraint(['absent_id'], ['users.id'], name=op.f('fk_match_no_shows_absent_id_users')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_match_no_shows_answered_by_id_users')),
    sa.ForeignKeyConstraint(['match_id'], ['matches.id'], name=op.f('fk_match_no_shows_match_id_matches'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reported_by_id'], ['users.id'], name=op.f('fk_match_no_shows_reported_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_match_no_shows')),
    sa.UniqueConstraint('match_id', name=op.f('uq_match_no_shows_match_id'))
    )
    op.create_index('ix_match_no_shows_absent_at', 'match_no_shows', ['absent_id', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_match_no_shows_absent_at', table_name='match_no_shows')
    op.drop_table('match_no_shows')
