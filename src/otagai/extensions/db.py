"""SQLAlchemy glue: one engine per app, one session per app context, one commit per request."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Flask, current_app
from flask.globals import app_ctx
from sqlalchemy import DateTime, MetaData, create_engine, func, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, scoped_session

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


class DatabaseState:
    """What an app needs to open sessions; tests swap ``session_options`` to bind a
    connection with an outer transaction (savepoint-joined sessions)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.session_options: dict[str, Any] = {"bind": engine, "expire_on_commit": False}


def make_engine(url: str, pool_size: int = 10, max_overflow: int = 10) -> Engine:
    # JIT off: PostGIS functions declare high costs and JIT compilation added ~300 ms to
    # spatial queries that otherwise take a millisecond. Custom plans always: psycopg
    # prepares a statement after 5 runs, and a generic plan of the lending candidate query
    # took 5.4 s instead of 20 ms (make bench --plan-cache-mode force_generic_plan).
    # Parameters hidden: a database error's message would otherwise carry homes and
    # children's details into the logs.
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args={"options": "-c jit=off -c timezone=UTC -c plan_cache_mode=force_custom_plan"},
    )


def _new_session() -> Session:
    state: DatabaseState = current_app.extensions[EXTENSION_KEY]
    return Session(**state.session_options)


def _scope() -> int:
    return id(app_ctx._get_current_object())  # type: ignore[attr-defined]


# A session per app context (request, CLI command, test); removed when it ends.
session: scoped_session[Session] = scoped_session(
    _new_session,  # type: ignore[arg-type]
    scopefunc=_scope,
)


def init_app(app: Flask, url: str, pool_size: int, max_overflow: int = 10) -> DatabaseState:
    state = DatabaseState(make_engine(url, pool_size, max_overflow))
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


F = TypeVar("F", bound=Callable[..., Any])


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
