"""share series (recurring agreements) and calendar-feed tokens

A series, its occurrences (unique per series and rule date: the worker's idempotency key)
and offers on the whole series; one hashed calendar token per user.

Revision ID: 3b7c164f3f78
Revises: 5c1a3e9d2f40
Create Date: 2026-12-03 18:23:32.884260
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography
from sqlalchemy.dialects import postgresql

revision: str = '3b7c164f3f78'
down_revision: str | None = "5c1a3e9d2f40"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('calendar_tokens',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_calendar_tokens_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_calendar_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_tokens_token_hash'))
    )
    op.create_geospatial_table('share_series',
    sa.Column('requester_id', sa.Uuid(), nullable=False),
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('community_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=100), nullable=False),
    sa.Column('details', sa.Text(), nullable=True),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rrule', sa.String(length=500), nullable=False),
    sa.Column('include_holidays', sa.Boolean(), nullable=False),
    sa.Column('location', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography', nullable=False), nullable=False),
    sa.Column('dropoff', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography'), nullable=True),
    sa.Column('child_ids', postgresql.JSONB(astext_type=sa.Text()), nullable=False),
    sa.Column('item', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('audience', sa.String(length=16), nullable=False),
    sa.Column('radius_m', sa.Integer(), nullable=True),
    sa.Column('intended_thank_you_jpy', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('supporter_id', sa.Uuid(), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("kind IN ('pickup', 'babysitting', 'lending')", name=op.f('ck_share_series_kind')),
    sa.CheckConstraint("status IN ('active', 'ended')", name=op.f('ck_share_series_status')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_share_series_span')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_share_series_community_id_communities')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_share_series_household_id_households')),
    sa.ForeignKeyConstraint(['requester_id'], ['users.id'], name=op.f('fk_share_series_requester_id_users')),
    sa.ForeignKeyConstraint(['supporter_id'], ['users.id'], name=op.f('fk_share_series_supporter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_series'))
    )
    op.create_index('ix_share_series_household', 'share_series', ['household_id', 'created_at'], unique=False)
    op.create_index('ix_share_series_supporter', 'share_series', ['supporter_id'], unique=False)
    op.create_table('share_series_occurrences',
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('on_date', sa.Date(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('moved', sa.Boolean(), server_default='false', nullable=False),
    sa.Column('status', sa.String(length=16), server_default='scheduled', nullable=False),
    sa.Column('failure', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.CheckConstraint("status IN ('scheduled', 'skipped', 'holiday', 'cancelled', 'failed')", name=op.f('ck_share_series_occurrences_status')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_share_series_occurrences_span')),
    sa.ForeignKeyConstraint(['request_id'], ['share_requests.id'], name=op.f('fk_share_series_occurrences_request_id_share_requests')),
    sa.ForeignKeyConstraint(['series_id'], ['share_series.id'], name=op.f('fk_share_series_occurrences_series_id_share_series')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_series_occurrences')),
    sa.UniqueConstraint('request_id', name=op.f('uq_share_series_occurrences_request_id')),
    sa.UniqueConstraint('series_id', 'on_date', name='uq_share_series_occurrences_date')
    )
    op.create_index('ix_share_series_occurrences_due', 'share_series_occurrences', ['starts_at'], unique=False, postgresql_where="status = 'scheduled' AND request_id IS NULL")
    op.create_table('share_series_offers',
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('supporter_id', sa.Uuid(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), server_default='pending', nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'accepted', 'declined', 'withdrawn', 'left')", name=op.f('ck_share_series_offers_status')),
    sa.ForeignKeyConstraint(['series_id'], ['share_series.id'], name=op.f('fk_share_series_offers_series_id_share_series')),
    sa.ForeignKeyConstraint(['supporter_id'], ['users.id'], name=op.f('fk_share_series_offers_supporter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_series_offers'))
    )
    op.create_index(op.f('ix_share_series_offers_series_id'), 'share_series_offers', ['series_id'], unique=False)
    op.create_index('uq_share_series_offers_live', 'share_series_offers', ['series_id', 'supporter_id'], unique=True, postgresql_where="status IN ('pending', 'accepted')")


def downgrade() -> None:
    op.drop_index('uq_share_series_offers_live', table_name='share_series_offers', postgresql_where="status IN ('pending', 'accepted')")
    op.drop_index(op.f('ix_share_series_offers_series_id'), table_name='share_series_offers')
    op.drop_table('share_series_offers')
    op.drop_index('ix_share_series_occurrences_due', table_name='share_series_occurrences', postgresql_where="status = 'scheduled' AND request_id IS NULL")
    op.drop_table('share_series_occurrences')
    op.drop_index('ix_share_series_supporter', table_name='share_series')
    op.drop_index('ix_share_series_household', table_name='share_series')
    op.drop_geospatial_table('share_series')
    op.drop_table('calendar_tokens')
