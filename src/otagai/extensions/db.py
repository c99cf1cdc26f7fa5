"""SQLAlchemy glue: one engine per app, one session per app context, one commit per request."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

import psycopg
from flask import Flask, current_app, g, has_request_context, request
from flask.globals import app_ctx
from sqlalchemy import DateTime, MetaData, create_engine, event, func, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, scoped_session

from otagai.config import Settings
from otagai.errors import Conflict, DomainError

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

    def __init__(
        self, engine: Engine, replica: Engine | None = None, *, autocommit_reads: bool = True
    ) -> None:
        self.engine = engine
        self.replica = replica
        # The same pools, their connections in autocommit: for requests that only read.
        # Behind PgBouncer reads keep their transaction: the timeouts are set per
        # transaction there (see make_engine), and an autocommit read would run without.
        self.read_engine = (
            engine.execution_options(isolation_level="AUTOCOMMIT") if autocommit_reads else engine
        )
        self.replica_read_engine = (
            replica.execution_options(isolation_level="AUTOCOMMIT")
            if replica and autocommit_reads
            else replica
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


def timeout_settings(statement_timeout_ms: int, idle_in_transaction_ms: int) -> dict[str, str]:
    """The server-side timeouts of the app's connections (0: the server's default, off)."""
    found = {
        "statement_timeout": statement_timeout_ms,
        "idle_in_transaction_session_timeout": idle_in_transaction_ms,
    }
    return {name: str(value) for name, value in found.items() if value}


def make_engine(
    url: str,
    pool_size: int = 10,
    max_overflow: int = 10,
    *,
    pooler: str = "none",
    application_name: str = "otagai",
    timeouts: dict[str, str] | None = None,
    pool_timeout: float = 30.0,
) -> Engine:
    """The app's engine. ``timeouts`` (``timeout_settings``) apply to every statement:

    - straight to PostgreSQL, as libpq startup ``options`` with the session settings:
      free, and they cover autocommit reads too;
    - behind PgBouncer in transaction mode, which refuses startup options and hands each
      transaction any server connection (a session ``SET`` would stay on it for the next
      client): ``set_config(..., is_local => true)`` at the start of every transaction,
      which ends with it. ``application_name`` is a startup parameter PgBouncer does
      pass on.
    """
    timeouts = timeouts or {}
    connect_args: dict[str, Any] = {"application_name": application_name}
    if pooler == "pgbouncer":
        # Transaction pooling hands each transaction any server connection: a statement
        # prepared on one is unknown on the next.
        connect_args["prepare_threshold"] = None
    else:
        settings = {**SESSION_SETTINGS, **timeouts}
        connect_args["options"] = " ".join(f"-c {k}={v}" for k, v in settings.items())
    # Parameters hidden: a database error's message would otherwise carry homes and
    # children's details into the logs.
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args=connect_args,
    )
    if pooler == "pgbouncer" and timeouts:
        _set_per_transaction(engine, timeouts)
    return engine


def _set_per_transaction(engine: Engine, timeouts: dict[str, str]) -> None:
    # Names are ours and values integers (Settings): nothing from outside is quoted here.
    calls = ", ".join(f"set_config('{name}', '{int(value)}', true)" for name, value in
                      timeouts.items())  # fmt: skip
    statement = f"SELECT {calls}"

    @event.listens_for(engine, "begin")
    def _timeouts(conn: Connection) -> None:
        # The begin event fires before the DBAPI opens its transaction; this statement
        # is its first, so the settings hold for the whole transaction and no longer.
        conn.exec_driver_sql(statement)


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
    timeouts = timeout_settings(
        settings.db_statement_timeout_ms, settings.db_idle_in_transaction_timeout_ms
    )

    def engine(url: str) -> Engine:
        return make_engine(url, settings.db_pool_size, settings.db_max_overflow,
                           pooler=settings.database_pooler,
                           application_name=settings.database_application_name,
                           timeouts=timeouts, pool_timeout=settings.db_pool_timeout)  # fmt: skip

    replica = settings.database_replica_url
    state = DatabaseState(
        engine(settings.database_url),
        engine(replica) if replica else None,
        autocommit_reads=not (settings.database_pooler == "pgbouncer" and timeouts),
    )
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


# Faults of the database rather than of the request: the connection was lost (a backend
# terminated, the server restarted, the network dropped), the server is a standby now
# (failover), a statement or lock timed out, or no pooled connection was free in time.
# The request answers 503 with Retry-After; see problems.handle_database_error.
_UNAVAILABLE_CAUSES: tuple[type[BaseException], ...] = (
    psycopg.OperationalError,  # AdminShutdown, QueryCanceled, LockNotAvailable, deadlocks …
    psycopg.errors.ReadOnlySqlTransaction,  # connected to a server that is a standby now
    psycopg.errors.IdleInTransactionSessionTimeout,
)

log = logging.getLogger(__name__)


def lost_connection(error: BaseException) -> bool:
    """The connection died under the statement (SQLAlchemy has invalidated it)."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


def database_unavailable(error: BaseException) -> bool:
    """A fault of the database, worth a retry a moment later: answered 503, never 500."""
    if isinstance(error, PoolTimeout) or lost_connection(error):
        return True
    if isinstance(error, OperationalError):
        return True
    return isinstance(error, DBAPIError) and isinstance(error.orig, _UNAVAILABLE_CAUSES)


def recover(error: BaseException) -> None:
    """After a database fault: the session's work rolled back, and its connection dropped
    (not returned to the pool) unless it is known to be healthy, so the next request gets
    a fresh one. On a failover every pooled connection points at the old primary: the pool
    is replaced."""
    if getattr(error, "_otagai_recovered", False):  # the view's wrapper already did
        return
    error._otagai_recovered = True  # type: ignore[attr-defined]
    orig = getattr(error, "orig", None)
    healthy = isinstance(orig, psycopg.errors.QueryCanceled | psycopg.errors.LockNotAvailable)
    try:
        if healthy or isinstance(error, PoolTimeout):
            session.rollback()
        else:
            # Detached first, so what was loaded (the caller, for the access log) stays
            # readable instead of expiring with the rollback onto a dead connection.
            session.expunge_all()
            session().invalidate()
    except Exception:  # the connection may be past rolling back; it is dropped either way
        log.debug("recovering from a database fault", exc_info=True)
        session.registry.clear()
    if isinstance(orig, psycopg.errors.ReadOnlySqlTransaction):
        state: DatabaseState = current_app.extensions[EXTENSION_KEY]
        state.dispose(close=False)


def retrying_safe_read(call: Callable[[], Any]) -> Any:
    """``call()`` (a request's hooks and view); for a GET or HEAD whose connection died
    before it got its answer, once more on a fresh connection. The pool's pre-ping
    already replaces connections that died while idle; this covers a backend that dies
    mid-query. Only safe methods: a write whose connection died may have committed, so it
    answers 503 and the client retries it with its Idempotency-Key. Timeouts and
    failovers are not retried here (the same statement would wait again)."""
    try:
        return call()
    except DBAPIError as error:
        if not (has_request_context() and request.method in {"GET", "HEAD"}):
            raise
        if not lost_connection(error):
            raise
        cause = str(error.orig or error).strip().splitlines()
        log.warning("connection lost during a read; retrying it once: %s",
                    cause[0] if cause else type(error.orig).__name__)  # fmt: skip
        recover(error)
        session.remove()
    return call()


def _undo(error: BaseException) -> None:
    """Roll the request's work back; after a database fault, also drop the connection."""
    if database_unavailable(error):
        recover(error)
    else:
        session.rollback()


def transactional(view: F) -> F:
    """The one commit point of a request: commit when the view returns, roll back when
    it raises. Services only ``flush()``. A refusal raised with ``keep_record`` commits
    the record of itself the service wrote (and is answered as the refusal it is)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = view(*args, **kwargs)
        except DomainError as refusal:
            if not refusal.keep_record:
                _undo(refusal)
                raise
            try:
                session.commit()
            except BaseException as error:
                _undo(error)
                raise
            raise
        except BaseException as error:
            _undo(error)
            raise
        try:
            session.commit()
        except BaseException as error:
            # The commit's outcome is unknown when the connection died during it: the
            # client gets 503 and retries with its Idempotency-Key.
            _undo(error)
            raise
        return result

    return cast(F, wrapper)
