"""reach of open requests for the feed

Each request's reach (a polygon a little larger than the disc of its radius around its
public point), GiST-indexed while open: the supporters' feed asks which open requests'
reach covers a home, instead of scanning every open request within 20 km.

Revision ID: ceabc81d5757
Revises: 999d650663db
Create Date: 2026-12-02 15:21:05.880509
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography

revision: str = 'ceabc81d5757'
down_revision: str | None = '999d650663db'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_geospatial_column('share_requests', sa.Column('reach', Geography(geometry_type='POLYGON', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography', nullable=False), sa.Computed('ST_Buffer(public_location, radius_m * 1.01 + 10)', persisted=True), nullable=False))
    op.drop_geospatial_index(op.f('ix_share_requests_open_public_location'), table_name='share_requests', postgresql_using='gist', postgresql_where="((status)::text = 'open'::text)", column_name='public_location')
    op.create_geospatial_index('ix_share_requests_open_reach', 'share_requests', ['reach'], unique=False, postgresql_using='gist', postgresql_where="status = 'open'", postgresql_ops={})


def downgrade() -> None:
    op.drop_geospatial_index('ix_share_requests_open_reach', table_name='share_requests', postgresql_using='gist', postgresql_where="status = 'open'", column_name='reach')
    op.create_geospatial_index(op.f('ix_share_requests_open_public_location'), 'share_requests', ['public_location'], unique=False, postgresql_using='gist', postgresql_where="((status)::text = 'open'::text)", postgresql_ops={})
    op.drop_geospatial_column('share_requests', 'reach')
