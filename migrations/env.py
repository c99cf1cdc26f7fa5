"""Alembic environment: the URL from DATABASE_URL (or the caller's connection), the
models' metadata, and GeoAlchemy2's helpers so autogenerate handles spatial columns."""

from __future__ import annotations

import os

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine, pool, text
from sqlalchemy.engine import Connection

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


# A migration waits at most this long for a lock (an ALTER TABLE queues behind a long
# read and every request then queues behind the ALTER: better to fail the deploy and
# retry it), and a statement runs at most this long. Milliseconds; 0 turns one off.
LOCK_TIMEOUT_MS = int(os.environ.get("MIGRATION_LOCK_TIMEOUT_MS") or 5000)
STATEMENT_TIMEOUT_MS = int(os.environ.get("MIGRATION_STATEMENT_TIMEOUT_MS") or 600_000)


def _run_with_timeouts(connection: Connection) -> None:
    """The migrations in one transaction that starts by setting its own timeouts: SET
    LOCAL ends with the transaction, so it is safe through PgBouncer's transaction
    pooling and leaves a caller's connection (the tests') as it was."""
    with context.begin_transaction():
        for name, value in (
            ("lock_timeout", LOCK_TIMEOUT_MS),
            ("statement_timeout", STATEMENT_TIMEOUT_MS),
        ):
            connection.execute(text(f"SET LOCAL {name} = {int(value)}"))
        context.run_migrations()


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
        _run_with_timeouts(connection)
        return
    engine = create_engine(_url(), poolclass=pool.NullPool, connect_args=_connect_args())
    with engine.connect() as conn:
        context.configure(connection=conn, **COMMON)
        _run_with_timeouts(conn)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
