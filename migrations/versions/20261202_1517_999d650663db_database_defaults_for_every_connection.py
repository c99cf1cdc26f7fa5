"""database defaults for every connection

The settings the app passes at connection start (extensions/db.py, SESSION_SETTINGS) as
the database's own defaults too: behind PgBouncer in transaction mode the app cannot pass
startup options, and a connection there must still run with JIT off, UTC and custom
plans. Needs the database's owner; without that privilege it says so and goes on (set
them by hand: README, Deploying).

Revision ID: 999d650663db
Revises: 2f2ad29084d5
Create Date: 2026-12-02 15:17:45.259934
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '999d650663db'
down_revision: str | None = '2f2ad29084d5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for name, value in SETTINGS.items():
        op.execute(_tolerant(f"ALTER DATABASE %I SET {name} = '{value}'"))


def downgrade() -> None:
    for name in SETTINGS:
        op.execute(_tolerant(f"ALTER DATABASE %I RESET {name}"))


# Frozen here as they were when written (the app's own copy may change later).
SETTINGS = {"jit": "off", "timezone": "UTC", "plan_cache_mode": "force_custom_plan"}


def _tolerant(statement: str) -> str:
    return (
        "DO $$ BEGIN "
        f"EXECUTE format($f${statement}$f$, current_database()); "
        "EXCEPTION WHEN insufficient_privilege THEN "
        f"RAISE NOTICE 'not the owner of the database: %', $f${statement}$f$; "
        "END $$"
    )
