"""The app through PgBouncer in transaction mode (Debian's 1.18): many more concurrent
clients than server connections, with DATABASE_POOLER=pgbouncer; and why that setting
matters — without it the same flow fails, on the startup options PgBouncer refuses, or
(when PgBouncer is told to ignore them) on prepared statements that one server connection
has and the next lacks."""

from __future__ import annotations

import re
import subprocess
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ProgrammingError

from otagai.domain.matches.models import Match
from otagai.domain.people.models import User
from otagai.domain.requests.models import Offer, ShareRequest
from otagai.extensions.db import EXTENSION_KEY
from tests.conftest import ROOT, temporary_database
from tests.helpers import ApiClient, together
from tests.races.world import make_community
from tests.scale.apps import app_on, unhandled
from tests.scale.neighbourhood import Pair, UnexpectedAnswer, attempt
from tests.scale.pgbouncer import Bouncer, running_pgbouncer
from tests.scale.processes import BIN, app_environment

pytestmark = pytest.mark.slow

SERVER_CONNECTIONS = 3
HEAD = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_current_head()
PAIRS = 12  # 24 people, each with a test client of their own, in 12 threads


@pytest.fixture(scope="module")
def direct(database: str) -> Iterator[Engine]:
    """Straight to PostgreSQL, for arranging and checking (not through the pooler)."""
    engine = create_engine(database)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def community_id(direct: Engine) -> Any:
    return make_community(direct)


@pytest.fixture(scope="module")
def bouncer(pgbouncer: str, database: str) -> Iterator[Bouncer]:
    with running_pgbouncer(pgbouncer, database, pool_size=SERVER_CONNECTIONS) as bouncer:
        yield bouncer


def _through(bouncer: Bouncer, database: str) -> str:
    return bouncer.url(str(make_url(database).database))


def _stories(app: Any, community_id: Any) -> tuple[list[Pair], list[UnexpectedAnswer]]:
    """PAIRS stories at once; the pairs (with the calls they made) and what stopped any."""
    pairs = [Pair.new(app) for _ in range(PAIRS)]
    stories = [
        attempt(lambda p=p, i=i: p.share_a_pickup(community_id, slot=i))
        for i, p in enumerate(pairs)
    ]
    outcomes = together(*stories)
    return pairs, [o for o in outcomes if isinstance(o, UnexpectedAnswer)]


def _counts(direct: Engine, user_ids: list[str]) -> dict[str, int]:
    with direct.connect() as conn:

        def count(statement: Any) -> int:
            return int(conn.scalar(statement) or 0)

        return {
            "users": count(select(func.count()).where(User.id.in_(user_ids))),
            "matched requests": count(
                select(func.count()).where(
                    ShareRequest.requester_id.in_(user_ids), ShareRequest.status == "matched"
                )
            ),
            "accepted offers": count(
                select(func.count()).where(
                    Offer.supporter_id.in_(user_ids), Offer.status == "accepted"
                )
            ),
            "matches": count(select(func.count()).where(Match.supporter_id.in_(user_ids))),
        }


def test_through_pgbouncer_many_clients_share_three_server_connections(
    bouncer, database, direct, community_id
):
    with app_on(_through(bouncer, database), database_pooler="pgbouncer") as app:
        pairs, stopped = _stories(app, community_id)
    assert not stopped, stopped
    calls = [status for pair in pairs for _, status in pair.calls]
    assert len(calls) == PAIRS * 14 and max(calls) < 500  # 14 calls in a story
    people = [person.user_id for pair in pairs for person in (pair.parent, pair.supporter)]
    assert _counts(direct, people) == {
        "users": 2 * PAIRS,
        "matched requests": PAIRS,
        "accepted offers": PAIRS,
        "matches": PAIRS,
    }
    # PgBouncer's own account: more client connections than it ever opened to PostgreSQL.
    name = make_url(database).database
    log = bouncer.log_text()
    logins = len(re.findall(rf"login attempt: db={name} ", log))
    server_connections = log.count(f"{name}/postgres@127.0.0.1:5432 new connection to server")
    assert 0 < server_connections <= SERVER_CONNECTIONS < logins


def test_through_pgbouncer_connections_run_with_the_database_defaults(bouncer, database, pgbouncer):
    """No startup options pass PgBouncer: the migration's database defaults are what give
    the app's connections JIT off, UTC and custom plans."""
    serving = app_on(_through(bouncer, database), database_pooler="pgbouncer")
    with serving as app, app.extensions[EXTENSION_KEY].engine.connect() as conn:
        shown = {name: conn.scalar(text(f"SHOW {name}")) for name in SETTINGS}
    assert shown == {"jit": "off", "TimeZone": "UTC", "plan_cache_mode": "force_custom_plan"}
    # A database without those defaults, through the same PgBouncer: the server's own.
    with psycopg.connect(bouncer.url("postgres").replace("+psycopg", ""),
                         prepare_threshold=None) as conn:  # fmt: skip
        assert conn.execute("SHOW jit").fetchone() == ("on",)


SETTINGS = ("jit", "TimeZone", "plan_cache_mode")


def test_through_pgbouncer_without_the_setting_every_call_fails_on_the_startup_options(
    bouncer, database, community_id, caplog
):
    with app_on(_through(bouncer, database), database_pooler="none") as app:
        pairs, stopped = _stories(app, community_id)
    assert len(stopped) == PAIRS
    calls = Counter(status for pair in pairs for _, status in pair.calls)
    # Each story stops at its first call, the parent's PUT /v1/me: the database cannot be
    # reached (503, as when it is down), and the log says why.
    assert calls == {503: PAIRS}
    assert not unhandled(caplog)
    faults = [r.getMessage() for r in caplog.records if r.name == "otagai.errors"]
    assert len(faults) == PAIRS
    assert all("OperationalError" in m and "unsupported startup parameter: options" in m
               for m in faults), faults  # fmt: skip


def test_through_pgbouncer_ignoring_options_prepared_statements_break_the_flow(
    pgbouncer, database, community_id, caplog
):
    """The usual workaround for the error above (``ignore_startup_parameters = options``)
    lets connections in, and psycopg's prepared statements then meet server connections
    that already have one of that name, or have none."""
    ignoring = running_pgbouncer(
        pgbouncer, database, pool_size=SERVER_CONNECTIONS, ignore_startup_parameters="options"
    )
    with ignoring as bouncer, app_on(_through(bouncer, database), database_pooler="none") as app:
        pairs, stopped = _stories(app, community_id)
    statuses = Counter(status for pair in pairs for _, status in pair.calls)
    assert stopped and statuses[500] > 0
    errors = unhandled(caplog)
    assert errors and all(isinstance(e, ProgrammingError) for e in errors)
    causes = {type(e.orig) for e in errors if isinstance(e, ProgrammingError)}
    prepared = {psycopg.errors.DuplicatePreparedStatement, psycopg.errors.InvalidSqlStatementName}
    assert causes and causes <= prepared, causes
    assert all('prepared statement "_pg3_' in str(e.orig) for e in errors)


def test_the_release_step_migrates_through_pgbouncer(bouncer):
    """``alembic upgrade head`` as a deploy runs it, with the app's DATABASE_URL and
    DATABASE_POOLER=pgbouncer: an empty database through PgBouncer ends at head with its
    defaults set. The server connection the migration used was opened before those
    defaults existed and keeps the server's own until PgBouncer reconnects it (README,
    Deploying)."""
    with temporary_database("otagai_scale_release") as url:
        name = str(make_url(url).database)
        env = app_environment(DATABASE_URL=bouncer.url(name), DATABASE_POOLER="pgbouncer")
        done = subprocess.run(
            [str(BIN / "alembic"), "upgrade", "head"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        with psycopg.connect(url.replace("+psycopg", "")) as direct:
            assert direct.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD,)
            assert direct.execute("SHOW jit").fetchone() == ("off",)  # a new session
        assert _jit_through(bouncer, name) == "on"  # the migration's server connection
        bouncer.admin(f"RECONNECT {name}")
        assert _jit_through(bouncer, name) == "off"


def _jit_through(bouncer: Bouncer, database: str) -> str:
    pooled = bouncer.url(database).replace("+psycopg", "")
    with psycopg.connect(pooled, prepare_threshold=None) as conn:
        return str(conn.execute("SHOW jit").fetchone()[0])  # type: ignore[index]


def test_through_pgbouncer_timeouts_hold_for_each_transaction_and_end_with_it(bouncer, database):
    """PgBouncer refuses startup options, and a session SET would stay on the server
    connection for its next client: the app sets its timeouts at the start of every
    transaction (set_config(..., true)), reads included, and they end with it."""
    name = str(make_url(database).database)
    serving = app_on(_through(bouncer, database), database_pooler="pgbouncer",
                     db_statement_timeout_ms=1234)  # fmt: skip
    with serving as app, app.extensions[EXTENSION_KEY].read_engine.connect() as conn:
        inside = [conn.scalar(text(f"SHOW {n}")) for n in TIMEOUTS]
    assert inside == ["1234ms", "30s"]
    pooled = bouncer.url(name).replace("+psycopg", "")
    with psycopg.connect(pooled, prepare_threshold=None, autocommit=True) as other:
        # Every server connection of the pool, as another client gets them.
        seen = {tuple(other.execute(f"SHOW {n}").fetchone() for n in TIMEOUTS)
                for _ in range(3 * SERVER_CONNECTIONS)}  # fmt: skip
    assert seen == {(("0",), ("0",))}


def test_through_pgbouncer_a_read_past_statement_timeout_answers_503(bouncer, database, direct):
    serving = app_on(_through(bouncer, database), database_pooler="pgbouncer",
                     db_statement_timeout_ms=300)  # fmt: skip
    with serving as app:
        member = ApiClient(app.test_client(), f"pgb-{uuid.uuid4().hex[:10]}", "demo-otagai")
        home = {"lat": 35.8587, "lng": 139.6571}
        assert member.put("/v1/me", json={"display_name": "佐藤", "home": home}).status_code == 201
        with direct.connect() as lock:
            lock.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))
            response = member.get("/v1/me")
            lock.rollback()
        assert (response.status_code, response.get_json()["code"]) == (503, "database_unavailable")
        assert member.get("/v1/me").status_code == 200


TIMEOUTS = ("statement_timeout", "idle_in_transaction_session_timeout")
