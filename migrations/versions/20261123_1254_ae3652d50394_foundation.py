"""foundation

Revision ID: ae3652d50394
Revises:
Create Date: 2026-11-23 12:54:32.675703
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography, Geometry

revision: str = 'ae3652d50394'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # PostGIS first: every location column needs it. Left in place on downgrade, since
    # other databases' objects on a shared server may use it too.
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table('households',
    sa.Column('merged_into_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['merged_into_id'], ['households.id'], name=op.f('fk_households_merged_into_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households'))
    )
    op.create_table('idempotency_keys',
    sa.Column('owner_uid', sa.String(length=128), nullable=False),
    sa.Column('key', sa.String(length=255), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('status_code', sa.Integer(), nullable=True),
    sa.Column('content_type', sa.String(length=100), nullable=True),
    sa.Column('location', sa.Text(), nullable=True),
    sa.Column('body', sa.Text(), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('owner_uid', 'key', name=op.f('uq_idempotency_keys_owner_uid_key'))
    )
    op.create_geospatial_table('municipalities',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name_ja', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=100), nullable=False),
    sa.Column('boundary', Geometry(geometry_type='MULTIPOLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("code ~ '^[0-9]{6}$'", name=op.f('ck_municipalities_code_format')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_municipalities'))
    )
    op.create_geospatial_index('idx_municipalities_boundary', 'municipalities', ['boundary'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_table('children',
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('nickname', sa.String(length=50), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_children_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_children'))
    )
    op.create_index('ix_children_household_live', 'children', ['household_id', 'created_at', 'id'], unique=False, postgresql_where='deleted_at IS NULL')
    op.create_geospatial_table('communities',
    sa.Column('municipality_code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('area', Geometry(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeomFromEWKT', name='geometry', nullable=False), nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['municipality_code'], ['municipalities.code'], name=op.f('fk_communities_municipality_code_municipalities')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_communities'))
    )
    op.create_geospatial_index('idx_communities_area', 'communities', ['area'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_communities_municipality_code'), 'communities', ['municipality_code'], unique=False)
    op.create_geospatial_table('users',
    sa.Column('firebase_uid', sa.String(length=128), nullable=True),
    sa.Column('display_name', sa.String(length=50), nullable=True),
    sa.Column('locale', sa.String(length=2), server_default='ja', nullable=False),
    sa.Column('home', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography'), nullable=True),
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('status', sa.String(length=16), server_default='active', nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("locale IN ('ja', 'en')", name=op.f('ck_users_locale')),
    sa.CheckConstraint("status IN ('active', 'deleted')", name=op.f('ck_users_status')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_users_household_id_households')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('firebase_uid', name=op.f('uq_users_firebase_uid'))
    )
    op.create_geospatial_index('idx_users_home', 'users', ['home'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.create_index(op.f('ix_users_household_id'), 'users', ['household_id'], unique=False)
    op.create_table('community_members',
    sa.Column('community_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('role', sa.String(length=16), server_default='member', nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("role IN ('member', 'coordinator')", name=op.f('ck_community_members_role')),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_community_members_community_id_communities')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_community_members_user_id_users')),
    sa.PrimaryKeyConstraint('community_id', 'user_id', name=op.f('pk_community_members'))
    )
    op.create_index(op.f('ix_community_members_user_id'), 'community_members', ['user_id'], unique=False)
    op.create_table('devices',
    sa.Column('token', sa.String(length=512), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("platform IN ('ios', 'android', 'web')", name=op.f('ck_devices_platform')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_devices_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('token', name=op.f('uq_devices_token'))
    )
    op.create_index(op.f('ix_devices_user_id'), 'devices', ['user_id'], unique=False)
    op.create_table('household_invites',
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Uuid(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('used_by_id', sa.Uuid(), nullable=True),
    sa.Column('id', sa.Uuid(), server_default=sa.text('gen_random_uuid()'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_household_invites_created_by_id_users')),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_invites_household_id_households')),
    sa.ForeignKeyConstraint(['used_by_id'], ['users.id'], name=op.f('fk_household_invites_used_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_invites')),
    sa.UniqueConstraint('code', name=op.f('uq_household_invites_code'))
    )
    op.create_index(op.f('ix_household_invites_household_id'), 'household_invites', ['household_id'], unique=False)
    # ### end Alembic commands ###


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    op.drop_index(op.f('ix_household_invites_household_id'), table_name='household_invites')
    op.drop_table('household_invites')
    op.drop_index(op.f('ix_devices_user_id'), table_name='devices')
    op.drop_table('devices')
    op.drop_index(op.f('ix_community_members_user_id'), table_name='community_members')
    op.drop_table('community_members')
    op.drop_index(op.f('ix_users_household_id'), table_name='users')
    op.drop_geospatial_index('idx_users_home', table_name='users', postgresql_using='gist', column_name='home')
    op.drop_geospatial_table('users')
    op.drop_index(op.f('ix_communities_municipality_code'), table_name='communities')
    op.drop_geospatial_index('idx_communities_area', table_name='communities', postgresql_using='gist', column_name='area')
    op.drop_geospatial_table('communities')
    op.drop_index('ix_children_household_live', table_name='children', postgresql_where='deleted_at IS NULL')
    op.drop_table('children')
    op.drop_geospatial_index('idx_municipalities_boundary', table_name='municipalities', postgresql_using='gist', column_name='boundary')
    op.drop_geospatial_table('municipalities')
    op.drop_table('idempotency_keys')
    op.drop_table('households')
    # ### end Alembic commands ###
