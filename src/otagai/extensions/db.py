"""SQLAlchemy glue: one engine per app, one session per app context, one commit per request."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g, has_request_context, request
from flask.globals import app_ctx
from sqlalchemy import DateTime, MetaData, create_engine, func, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, scoped_session

from otagai.config import Settings
from otagai.errors import Conflict

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: DateTime(timezone=True)}


class UUIDPrimaryKey:
    """Public ids are random UUIDs: unguessable, and no integer overflow to fuzz."""

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, default=uuid.uuid4, server_default=text("gen_random_uuid()")
    )


class CreatedAt:
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


EXTENSION_KEY = "otagai.db"
F = TypeVar("F", bound=Callable[..., Any])


class DatabaseState:
    """What an app needs to open sessions; tests swap ``session_options`` to bind a
    connection with an outer transaction (savepoint-joined sessions)."""

    def __init__(self, engine: Engine, replica: Engine | None = None) -> None:
        self.engine = engine
        self.replica = replica
        # The same pools, their connections in autocommit: for requests that only read.
        self.read_engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self.replica_read_engine = (
            replica.execution_options(isolation_level="AUTOCOMMIT") if replica else None
        )
        self.session_options: dict[str, Any] = {"bind": engine, "expire_on_commit": False}

    def dispose(self, close: bool = True) -> None:
        for engine in (self.engine, self.replica):
            if engine is not None:
                engine.dispose(close=close)


# What every connection runs with. JIT off: PostGIS functions declare high costs and JIT
# compilation added ~300 ms to spatial queries that otherwise take a millisecond. Custom
# plans always: psycopg prepares a statement after 5 runs, and a generic plan of the
# lending candidate query took 5.4 s instead of 20 ms. A migration sets the same as the
# database's defaults, which is what applies behind PgBouncer (it refuses startup
# options).
SESSION_SETTINGS = {"jit": "off", "timezone": "UTC", "plan_cache_mode": "force_custom_plan"}


def make_engine(
    url: str, pool_size: int = 10, max_overflow: int = 10, *, pooler: str = "none"
) -> Engine:
    connect_args: dict[str, Any] = {}
    if pooler == "pgbouncer":
        # Transaction pooling hands each transaction any server connection: a statement
        # prepared on one is unknown on the next.
        connect_args["prepare_threshold"] = None
    else:
        connect_args["options"] = " ".join(f"-c {k}={v}" for k, v in SESSION_SETTINGS.items())
    # Parameters hidden: a database error's message would otherwise carry homes and
    # children's details into the logs.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args=connect_args,
    )


# Requests that only read (and the one write such a request makes, a partner key's
# last_used_at, which stands alone) run without BEGIN and COMMIT: two round trips fewer.
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def reads_from_replica(view: F) -> F:
    """For a read-only view whose answer may lag the primary by the replication delay (a
    feed, statistics): with DATABASE_REPLICA_URL set, its body reads the replica. What ran
    before it (signing in, a partner key's last use) stays on the primary. Never for a read
    that follows the caller's own write (their request, its candidates)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state: DatabaseState = current_app.extensions[EXTENSION_KEY]
        if state.replica_read_engine is not None and _routable(state):
            session.commit()
            session.remove()  # objects loaded so far stay usable, detached
            g.db_bind = state.replica_read_engine
        return view(*args, **kwargs)

    return cast(F, wrapper)


def _routable(state: DatabaseState) -> bool:
    """Not a test's connection with its outer transaction, and a request that reads."""
    return state.session_options.get("bind") is state.engine and (
        has_request_context() and request.method in READ_ONLY_METHODS
    )


def _new_session() -> Session:
    state: DatabaseState = current_app.extensions[EXTENSION_KEY]
    options = state.session_options
    if _routable(state):
        options = {**options, "bind": g.get("db_bind") or state.read_engine}
    return Session(**options)


def _scope() -> int:
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]


# A session per app context (request, CLI command, test); removed when it ends.
session: scoped_session[Session] = scoped_session(
    _new_session,  # type: ignore[arg-type]
    scopefunc=_scope,
)


def init_app(app: Flask, settings: Settings) -> DatabaseState:
    def engine(url: str) -> Engine:
        return make_engine(url, settings.db_pool_size, settings.db_max_overflow,
                           pooler=settings.database_pooler)  # fmt: skip

    replica = settings.database_replica_url
    state = DatabaseState(engine(settings.database_url), engine(replica) if replica else None)
    app.extensions[EXTENSION_KEY] = state

    @app.teardown_appcontext
    def _remove_session(_exc: BaseException | None) -> None:
        session.remove()

    return state


def insert_unique(obj: Any, conflict_code: str) -> None:
    """Insert ``obj``; if a unique index says it already exists (a concurrent request
    won the race past the service's own check), answer 409 ``conflict_code`` — never a
    500, and the rest of the transaction carries on."""
    try:
        with session.begin_nested():
            session.add(obj)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(conflict_code) from exc


def transactional(view: F) -> F:
    """The one commit point of a request: commit when the view returns, roll back when
    it raises. Services only ``flush()``."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = view(*args, **kwargs)
        except BaseException:
            session.rollback()
            raise
        session.commit()
        return result

    return cast(F, wrapper)
