"""public points for homes and requests

Every home and request point maps to a place of its household with a stored, secret,
randomly displaced public point (src/otagai/domain/people/places.py explains why); the
triggers below keep ``users.public_home`` and ``share_requests.public_location`` set from
them on every write, and the existing homes and requests get theirs here.

Revision ID: 2f2ad29084d5
Revises: ea6bd34c98de
Create Date: 2026-12-02 14:26:46.073972
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geography

revision: str = '2f2ad29084d5'
down_revision: str | None = 'ea6bd34c98de'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_geospatial_table('household_places',
    sa.Column('id', sa.BigInteger(), sa.Identity(always=False), nullable=False),
    sa.Column('household_id', sa.Uuid(), nullable=False),
    sa.Column('anchor', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography', nullable=False), nullable=False),
    sa.Column('public_point', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography', nullable=False), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['household_id'], ['households.id'], name=op.f('fk_household_places_household_id_households'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_household_places'))
    )
    op.create_index(op.f('ix_household_places_household_id'), 'household_places', ['household_id'], unique=False)
    op.add_geospatial_column('users', sa.Column('public_home', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography'), server_default=sa.FetchedValue(), nullable=True))
    op.add_geospatial_column('share_requests', sa.Column('public_location', Geography(geometry_type='POINT', srid=4326, dimension=2, spatial_index=False, from_text='ST_GeogFromText', name='geography'), server_default=sa.FetchedValue(), nullable=True))
    for statement in FUNCTIONS:
        op.execute(statement)
    # Existing homes first, so that a request posted from home finds the home's place.
    op.execute("UPDATE users SET home = home WHERE home IS NOT NULL")
    op.execute("UPDATE share_requests SET location = location")
    op.alter_column('share_requests', 'public_location', nullable=False)
    op.drop_geospatial_index(op.f('ix_share_requests_open_location'), table_name='share_requests', postgresql_using='gist', postgresql_where="((status)::text = 'open'::text)", column_name='location')
    op.create_geospatial_index('ix_share_requests_open_public_location', 'share_requests', ['public_location'], unique=False, postgresql_using='gist', postgresql_where="status = 'open'", postgresql_ops={})
    op.drop_geospatial_index(op.f('idx_users_home'), table_name='users', postgresql_using='gist', column_name='home')
    op.create_geospatial_index('idx_users_public_home', 'users', ['public_home'], unique=False, postgresql_using='gist', postgresql_ops={})


# 48 random bits of gen_random_uuid() (PostgreSQL's strong random source), as [0, 1).
STRONG_RANDOM = """
CREATE FUNCTION otagai_strong_random() RETURNS double precision LANGUAGE sql VOLATILE AS $$
    SELECT ('x' || lpad(substr(replace(gen_random_uuid()::text, '-', ''), 1, 12), 16, '0'))
           ::bit(64)::bigint / 281474976710656.0
$$
"""

# The household's place within 40 m of the point (the nearest), else a new one whose public
# point lies at a uniformly random bearing, 150-300 m away, uniformly over the ring's area.
# The household's row lock serializes two writers of one household.
PUBLIC_POINT = """
CREATE FUNCTION otagai_public_point(household uuid, point geography) RETURNS geography
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    chosen geography;
    distance double precision;
BEGIN
    IF point IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM households WHERE id = household FOR NO KEY UPDATE;
    SELECT p.public_point INTO chosen FROM household_places p
    WHERE p.household_id = household AND ST_DWithin(p.anchor, point, 40)
    ORDER BY ST_Distance(p.anchor, point), p.id LIMIT 1;
    IF chosen IS NULL THEN
        distance := sqrt(150.0 ^ 2 + otagai_strong_random() * (300.0 ^ 2 - 150.0 ^ 2));
        INSERT INTO household_places (household_id, anchor, public_point)
        VALUES (household, point, ST_Project(point, distance, 2 * pi() * otagai_strong_random()))
        RETURNING public_point INTO chosen;
    END IF;
    RETURN chosen;
END $$
"""

# Every write of the point (or an attempt to write the public column itself) sets the
# public column from the place: nothing else can.
TRIGGERS = {
    ("users", "home", "public_home"): "household_id",
    ("share_requests", "location", "public_location"): "household_id",
}

FUNCTIONS = [STRONG_RANDOM, PUBLIC_POINT] + [
    statement
    for (table, point, public), household in TRIGGERS.items()
    for statement in (
        f"CREATE FUNCTION {table}_{public}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"NEW.{public} := otagai_public_point(NEW.{household}, NEW.{point}); RETURN NEW; END $$",
        f"CREATE TRIGGER {table}_{public} BEFORE INSERT OR UPDATE OF {point}, {public} "
        f"ON {table} FOR EACH ROW EXECUTE FUNCTION {table}_{public}()",
    )
]


def downgrade() -> None:
    op.drop_geospatial_index('idx_users_public_home', table_name='users', postgresql_using='gist', column_name='public_home')
    op.create_geospatial_index(op.f('idx_users_home'), 'users', ['home'], unique=False, postgresql_using='gist', postgresql_ops={})
    op.drop_geospatial_index('ix_share_requests_open_public_location', table_name='share_requests', postgresql_using='gist', postgresql_where="status = 'open'", column_name='public_location')
    op.create_geospatial_index(op.f('ix_share_requests_open_location'), 'share_requests', ['location'], unique=False, postgresql_using='gist', postgresql_where="((status)::text = 'open'::text)", postgresql_ops={})
    for table, _point, public in TRIGGERS:
        op.execute(f"DROP TRIGGER {table}_{public} ON {table}")
        op.execute(f"DROP FUNCTION {table}_{public}()")
    op.execute("DROP FUNCTION otagai_public_point(uuid, geography)")
    op.execute("DROP FUNCTION otagai_strong_random()")
    op.drop_geospatial_column('share_requests', 'public_location')
    op.drop_geospatial_column('users', 'public_home')
    op.drop_index(op.f('ix_household_places_household_id'), table_name='household_places')
    op.drop_geospatial_table('household_places')
