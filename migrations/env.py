"""Alembic environment: the URL from DATABASE_URL (or the caller's connection), the
models' metadata, and GeoAlchemy2's helpers so autogenerate handles spatial columns."""

from __future__ import annotations

import os

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool

from otagai.config import Settings, normalize_database_url
from otagai.models import metadata

config = context.config


def _url() -> str:
    if os.environ.get("DATABASE_URL"):
        return normalize_database_url(os.environ["DATABASE_URL"])
    return Settings().database_url


def _connect_args() -> dict[str, object]:
    """As the app connects (extensions/db.py): behind PgBouncer in transaction mode no
    startup options (it refuses them: the database's defaults give JIT off there) and no
    prepared statements (they would stay on a server connection other clients get)."""
    if os.environ.get("DATABASE_POOLER", "").strip().lower() == "pgbouncer":
        return {"prepare_threshold": None}
    return {"options": "-c jit=off"}


COMMON = {
    "target_metadata": metadata,
    # Skips PostGIS's own spatial_ref_sys; every other table must have a model, so a
    # model that disappears shows up as a drop.
    "include_object": alembic_helpers.include_object,
    "process_revision_directives": alembic_helpers.writer,
    "render_item": alembic_helpers.render_item,
    "compare_type": True,
}


def run_migrations_offline() -> None:
    context.configure(url=_url(), literal_binds=True, **COMMON)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:  # tests hand over their own connection
        context.configure(connection=connection, **COMMON)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url(), poolclass=pool.NullPool, connect_args=_connect_args())
    with engine.connect() as conn:
        context.configure(connection=conn, **COMMON)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
