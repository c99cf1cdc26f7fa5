"""Helpers shared by the tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import text

from otagai.extensions.auth import mint_emulator_token

Span = tuple[float, float]  # a call's (start, end) on the monotonic clock


class ApiClient:
    """A Flask test client that signs every request in as one Firebase user."""

    def __init__(self, client: Any, uid: str, project_id: str, **claims: Any) -> None:
        self.client = client
        self.uid = uid
        self.project_id = project_id
        self.claims = claims

    @property
    def token(self) -> str:
        # Minted afresh for every call, so a test that moves the clock (the ``clock``
        # fixture) hours ahead still signs in with a token issued "now".
        return mint_emulator_token(self.uid, self.project_id, **self.claims)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return getattr(self.client, method)(path, headers=headers, **kwargs)

    def get(self, path: str, **kw: Any) -> Any:
        return self._call("get", path, **kw)

    def head(self, path: str, **kw: Any) -> Any:
        return self._call("head", path, **kw)

    def post(self, path: str, **kw: Any) -> Any:
        return self._call("post", path, **kw)

    def put(self, path: str, **kw: Any) -> Any:
        return self._call("put", path, **kw)

    def patch(self, path: str, **kw: Any) -> Any:
        return self._call("patch", path, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self._call("delete", path, **kw)


def assert_problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """The answer is problem+json with this status (and code)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body: dict[str, Any] = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"] and body["detail"] and body["type"].startswith("urn:otagai:problem:")
    if code is not None:
        assert body["code"] == code, body
    return body


def code_of(client_as: Any, user: Any) -> str:
    """A fresh connection code of ``user`` (what their QR shows)."""
    code: str = client_as(user).post("/v1/me/connection-codes", json={}).get_json()["code"]
    return code


def together(
    *calls: Callable[[], Any], stagger: float = 0.0, spans: list[Span] | None = None
) -> list[Any]:
    """Run every call in its own thread, released at the same moment by a barrier (the
    last one ``stagger`` seconds later); their results, in order. ``spans``, when given, is
    filled with each call's (start, end) on the monotonic clock, for ``overlapped``."""
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)
    times: list[Span] = [(0.0, 0.0)] * len(calls)
    errors: list[BaseException] = []

    def run(i: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            if i == len(calls) - 1 and stagger:
                time.sleep(stagger)
            start = time.monotonic()
            answers[i] = call()
            times[i] = (start, time.monotonic())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors
    if spans is not None:
        spans[:] = times
    return answers


def overlapped(spans: list[Span]) -> bool:
    """Were all the calls in flight at one moment (each started before any had ended)?
    A race test that asserts this shows that it raced, not that the calls took turns."""
    assert len(spans) >= 2 and all(end >= start > 0 for start, end in spans), spans
    return max(start for start, _ in spans) < min(end for _, end in spans)


# Tables a refusal writes to on purpose: failed attempts are counted so that guessing
# is limited (the counter survives the refused request's rollback).
ATTEMPT_TABLES = frozenset({"rate_limit_hits"})


def _tables() -> list[str]:
    import otagai.models  # noqa: F401  (every model registered on the metadata)
    from otagai.extensions.db import Base

    return [t.name for t in Base.metadata.sorted_tables if t.name not in ATTEMPT_TABLES]


def table_state(db: Any, tables: list[str]) -> dict[str, tuple[int, str]]:
    """Each table's row count and a digest of all its rows (every column, as text)."""
    db.flush()
    rows = "md5(coalesce(string_agg(t::text, ' | ' ORDER BY t::text), ''))"
    sql = " UNION ALL ".join(
        f"SELECT '{name}', count(*), {rows} FROM \"{name}\" AS t" for name in tables
    )
    return {name: (count, digest) for name, count, digest in db.execute(text(sql))}


@contextmanager
def unchanged(db: Any, *tables: Any) -> Iterator[None]:
    """The block (a refused request) changes no row of ``tables`` (names or models;
    default: every table but ATTEMPT_TABLES): no row added, removed or altered."""
    names = [t if isinstance(t, str) else t.__tablename__ for t in tables] or _tables()
    before = table_state(db, names)
    yield
    after = table_state(db, names)
    changed = {n: f"{before[n][0]} -> {after[n][0]} rows" for n in names if before[n] != after[n]}
    assert not changed, f"the refusal changed {changed}"
