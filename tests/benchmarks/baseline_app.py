"""The reference of `make bench`: what Flask and SQLAlchemy themselves can serve here.

A plain Flask app with one endpoint that reads three rows of the same ``users`` table by
primary key through the ORM, in a session per request, as a typical Flask +
SQLAlchemy app would, and answers their names as JSON. Served by gunicorn with the very
configuration the service uses (gunicorn.conf.py), on the same database, in the same run,
so every other figure is a ratio to it. Not the service: nothing here is Otagai's code.

    DATABASE_URL=... gunicorn -c gunicorn.conf.py 'tests.benchmarks.baseline_app:app'
"""

from __future__ import annotations

import os
import random
import uuid

from flask import Flask, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import String, Uuid, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, scoped_session, sessionmaker


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    display_name: Mapped[str | None] = mapped_column(String(50))


def _url() -> str:
    url = os.environ["DATABASE_URL"]
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


engine = create_engine(
    _url(),
    pool_size=int(os.environ.get("DB_POOL_SIZE", "5")),
    max_overflow=int(os.environ.get("DB_MAX_OVERFLOW", "5")),
    pool_pre_ping=True,
    connect_args={"options": "-c jit=off"},
)
Session = scoped_session(sessionmaker(engine))

with Session() as s:
    IDS = list(s.scalars(select(User.id).limit(10_000)))
Session.remove()
engine.dispose()

app = Flask(__name__)


@app.get("/baseline")
def three_reads() -> ResponseReturnValue:
    names = [Session.get(User, random.choice(IDS)).display_name for _ in range(3)]  # type: ignore[union-attr]
    return jsonify(names=names)


@app.get("/healthz")
def healthz() -> ResponseReturnValue:
    return jsonify(status="ok")


@app.teardown_appcontext
def _remove(_exc: BaseException | None) -> None:
    Session.remove()
