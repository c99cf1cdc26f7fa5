"""The uniform city of ``make bench``: a million homes in a 20 km box, built once.

A plain script, not a pytest module (pytest collects ``test_*.py`` only). It builds, once,
a database ``otagai_bench`` on the server ``DATABASE_URL`` points at:

- 1,000,000 users, each in a household of their own, homes uniformly random in a
  20 km x 20 km box around Urawa (each given its public point by the database's trigger
  as it is inserted, as in production); 30 % of them members of one community covering
  the box;
- a requester at the centre with ~200 connections (within 4 km of home);
- ~300 certified supporters of the community (pickup/babysitting, some lending; 50 of
  them are also the requester's connections);
- 3,000 open requests (all kinds, mostly audience ``community``) at random requesters'
  homes, 500 of them matched (confirmed matches of certified supporters), and 20,000
  past ones (completed, expired, cancelled).

``bench_meta`` records the parameters and the ids the bench uses (``pickup_id``,
``lending_id``...). The database is reused while its parameters match; when only the
migration head moved, it is migrated in place; the open requests' dates are shifted to
keep them in the future. ``--rebuild`` forces a fresh build (about 2 minutes on 2 cores);
``--users`` makes a smaller one. tests/benchmarks/bench.py times it.

    DATABASE_URL=... .venv/bin/python tests/benchmarks/bench_matching.py --users 100000
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Connection, Engine, make_url

from otagai.config import normalize_database_url
from otagai.extensions.db import session

ROOT = Path(__file__).resolve().parents[2]
DATABASE = "otagai_bench"
DATA_VERSION = 3  # bump when the data set below changes
CENTRE_LAT, CENTRE_LNG = 35.8587, 139.6571
BOX_DEG_LAT, BOX_DEG_LNG = 0.18, 0.222  # 20 km x 20 km at 35.86° N
CHUNK = 100_000


def log(message: str) -> None:
    print(message, flush=True)


# --- building the data set --------------------------------------------------------------


def _migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(ROOT / "alembic.ini"))
    engine = create_engine(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
    engine.dispose()


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    return str(ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_current_head())


def _wanted(users: int) -> dict[str, Any]:
    return {"version": DATA_VERSION, "users": users, "head": _head()}


def _meta(url: str) -> dict[str, Any] | None:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT meta FROM bench_meta")).scalar_one_or_none()
    except Exception:  # no database, or not built to the end
        return None
    finally:
        engine.dispose()
    return row


# Matches of ``limit`` requests picked by ``requests``, each with an accepted offer of a
# supporter drawn from ``pool``; the requests then take status ``then``. The draw is per
# row (``pool`` joined, not a scalar subquery, which PostgreSQL runs once: every match of
# a step then had the same supporter, and the planner's statistics of a town whose
# matches are three people's made the busy check scan every match).
_MATCHES = """
WITH pool AS (SELECT array_agg(id) AS a, count(*) AS n FROM ({pool}) p),
picked AS (
    SELECT r.id, r.requester_id, r.household_id, r.starts_at, r.ends_at, r.kind,
           pool.a[1 + floor(random() * pool.n)::int] AS supporter
    FROM share_requests r CROSS JOIN pool WHERE {requests} ORDER BY random() LIMIT {limit}
), o AS (
    INSERT INTO offers (id, request_id, supporter_id, status)
    SELECT gen_random_uuid(), id, supporter, 'accepted' FROM picked
    WHERE supporter <> requester_id
    RETURNING id, request_id, supporter_id
), m AS (
    INSERT INTO matches (id, request_id, offer_id, requester_id, requester_household_id,
        supporter_id, starts_at, ends_at, status, insurance, completed_at, kind, insured)
    SELECT gen_random_uuid(), p.id, o.id, p.requester_id, p.household_id, o.supporter_id,
           p.starts_at, p.ends_at, '{status}', '{{}}'::jsonb,
           CASE WHEN '{status}' = 'completed' THEN p.ends_at END, p.kind, false
    FROM picked p JOIN o ON o.request_id = p.id
    RETURNING request_id
)
UPDATE share_requests SET status = '{then}' WHERE id IN (SELECT request_id FROM m)
"""


def _json(meta: dict[str, Any]) -> dict[str, str]:
    return {"m": json.dumps(meta)}


def _done(label: str, started: float) -> None:
    log(f"  {label:<44} {'':>14}  {time.perf_counter() - started:6.1f} s")


def _step(conn: Connection, label: str, sql: str, **params: Any) -> Any:
    started = time.perf_counter()
    result = conn.execute(text(sql), params)
    conn.commit()
    rows = result.rowcount
    log(f"  {label:<44} {rows:>9,} rows  {time.perf_counter() - started:6.1f} s")
    return result


def fresh_database(admin: Engine, name: str, url: str) -> None:
    """Drop and create database ``name`` (at ``url``) and migrate it to the head."""
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _migrate(url)


def record_meta(engine: Engine, meta: dict[str, Any]) -> None:
    """Write ``bench_meta``, last: a database without it was not built to the end."""
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bench_meta (meta jsonb NOT NULL)"))
        conn.execute(text("INSERT INTO bench_meta VALUES (CAST(:m AS jsonb))"), _json(meta))


def build(admin: Engine, url: str, users: int) -> dict[str, Any]:
    started = time.perf_counter()
    log(f"building {DATABASE}: {users:,} users (once; reused while parameters match)")
    fresh_database(admin, DATABASE, url)
    _done("migrated", started)
    engine = create_engine(url)
    box = dict(lat=CENTRE_LAT, lng=CENTRE_LNG, dlat=BOX_DEG_LAT, dlng=BOX_DEG_LNG)
    community_id, requester_id = uuid.uuid4(), uuid.uuid4()
    ids = {"c": community_id, "r": requester_id}
    with engine.connect() as conn:
        conn.execute(text("SET synchronous_commit = off"))
        conn.execute(text("SET maintenance_work_mem = '256MB'"))
        conn.execute(text("SELECT setseed(0.2026)"))
        polygon = (
            f"({CENTRE_LNG - 0.12} {CENTRE_LAT - 0.1},{CENTRE_LNG + 0.12} {CENTRE_LAT - 0.1},"
            f"{CENTRE_LNG + 0.12} {CENTRE_LAT + 0.1},{CENTRE_LNG - 0.12} {CENTRE_LAT + 0.1},"
            f"{CENTRE_LNG - 0.12} {CENTRE_LAT - 0.1})"
        )
        _step(
            conn, "municipality and community",
            "WITH m AS (INSERT INTO municipalities (code, name_ja, name_en, boundary) "
            f"VALUES ('111007', 'さいたま市', 'Saitama', 'SRID=4326;MULTIPOLYGON(({polygon}))') "
            "RETURNING code) "
            "INSERT INTO communities (id, municipality_code, name, area) "
            f"SELECT :c, code, 'ベンチ子育てシェア', 'SRID=4326;POLYGON({polygon})' FROM m",
            **ids,
        )  # fmt: skip
        for start in range(1, users + 1, CHUNK):
            end = min(start + CHUNK - 1, users)
            _step(
                conn, f"users and households {start:,}–{end:,}",
                """
                WITH h AS (
                    INSERT INTO households (id)
                    SELECT gen_random_uuid() FROM generate_series(:a, :b) RETURNING id
                ), n AS (SELECT id, :a - 1 + row_number() OVER () AS n FROM h)
                INSERT INTO users (id, firebase_uid, display_name, household_id, home)
                SELECT gen_random_uuid(), 'bench-' || n, 'ベンチ' || n, id,
                       ST_SetSRID(ST_MakePoint(:lng + (random() - 0.5) * :dlng,
                                               :lat + (random() - 0.5) * :dlat),
                                  4326)::geography
                FROM n
                """,
                a=start, b=end, **box,
            )  # fmt: skip
        _step(
            conn, "the requester, at the centre",
            "WITH h AS (INSERT INTO households (id) VALUES (gen_random_uuid()) RETURNING id) "
            "INSERT INTO users (id, firebase_uid, display_name, household_id, home) "
            "SELECT :r, 'bench-requester', '依頼者', id, "
            "ST_SetSRID(ST_MakePoint(:lng, :lat), 4326)::geography FROM h",
            **ids, **box,
        )  # fmt: skip
        _step(
            conn, "community members (30 %)",
            "INSERT INTO community_members (community_id, user_id) "
            "SELECT :c, id FROM users WHERE random() < 0.3 OR id = :r",
            **ids,
        )  # fmt: skip
        _step(
            conn, "the requester's connections (within 4 km)",
            "INSERT INTO connections (user_low_id, user_high_id) "
            "SELECT least(:r, id), greatest(:r, id) FROM ("
            "  SELECT id FROM users WHERE id <> :r AND ST_DWithin(home, "
            "  ST_SetSRID(ST_MakePoint(:lng, :lat), 4326)::geography, 4000) "
            "  ORDER BY random() LIMIT 200) s",
            **ids, **box,
        )  # fmt: skip
        _step(
            conn, "certified supporters",
            """
            WITH chosen AS (
                (SELECT user_id AS id FROM community_members
                 WHERE community_id = :c AND user_id <> :r ORDER BY random() LIMIT 250)
                UNION
                (SELECT CASE WHEN user_low_id = :r THEN user_high_id ELSE user_low_id END
                 FROM connections ORDER BY random() LIMIT 50)
            ), members AS (
                INSERT INTO community_members (community_id, user_id)
                SELECT :c, id FROM chosen ON CONFLICT DO NOTHING
            )
            INSERT INTO certifications (id, community_id, user_id, kinds, trained_on,
                                        expires_on, granted_by_id, granted_at)
            SELECT gen_random_uuid(), :c, id,
                   CASE WHEN r < 0.6 THEN ARRAY['pickup', 'babysitting']
                        WHEN r < 0.8 THEN ARRAY['pickup', 'babysitting', 'lending']
                        ELSE ARRAY['lending'] END,
                   current_date - 60, current_date + 300, :r, now() - interval '30 days'
            FROM (SELECT id, random() AS r FROM chosen) s
            """,
            **ids,
        )  # fmt: skip
        _step(
            conn, "open requests",
            """
            INSERT INTO share_requests (id, requester_id, household_id, community_id, kind,
                title, starts_at, ends_at, location, audience, radius_m, status,
                intended_thank_you_jpy)
            SELECT gen_random_uuid(), u.id, u.household_id, :c, k.kind, 'お願い', s.at,
                   s.at + CASE k.kind WHEN 'lending' THEN interval '3 days'
                                      ELSE interval '90 minutes' END,
                   u.home, CASE WHEN random() < 0.85 THEN 'community' ELSE 'connections' END,
                   CASE k.kind WHEN 'lending' THEN 5000 ELSE 2000 END, 'open', 1000
            FROM (SELECT id, household_id, home, random() AS x FROM users
                  WHERE id <> :r ORDER BY random() LIMIT 3000) u
            CROSS JOIN LATERAL (SELECT CASE WHEN u.x < 0.45 THEN 'pickup'
                                            WHEN u.x < 0.8 THEN 'babysitting'
                                            ELSE 'lending' END AS kind) k
            CROSS JOIN LATERAL (SELECT date_trunc('minute', now())
                                       + (1 + floor(random() * 14)) * interval '1 day'
                                       + floor(random() * 10) * interval '1 hour' AS at) s
            """,
            **ids,
        )  # fmt: skip
        _step(
            conn, "past requests",
            """
            INSERT INTO share_requests (id, requester_id, household_id, community_id, kind,
                title, starts_at, ends_at, location, audience, radius_m, status)
            SELECT gen_random_uuid(), u.id, u.household_id, :c, 'pickup', 'お願い', s.at,
                   s.at + interval '90 minutes', u.home, 'community', 2000,
                   (ARRAY['completed', 'expired', 'cancelled'])[1 + floor(random() * 3)::int]
            FROM (SELECT id, household_id, home FROM users
                  WHERE id <> :r ORDER BY random() LIMIT 20000) u
            CROSS JOIN LATERAL (SELECT now() - (1 + floor(random() * 365)) * interval '1 day'
                                AS at) s
            """,
            **ids,
        )  # fmt: skip
        _step(
            conn, "the requester's past requests",
            """
            INSERT INTO share_requests (id, requester_id, household_id, community_id, kind,
                title, starts_at, ends_at, location, audience, radius_m, status)
            SELECT gen_random_uuid(), u.id, u.household_id, :c, 'pickup', 'お願い',
                   now() - n * interval '3 days', now() - n * interval '3 days'
                   + interval '90 minutes', u.home, 'community', 2000, 'completed'
            FROM users u, generate_series(1, 40) n WHERE u.id = :r
            """,
            **ids,
        )  # fmt: skip
        _step(
            conn, "completed matches (the requester's)",
            _MATCHES.format(
                pool="SELECT user_id AS id FROM certifications UNION ALL SELECT CASE WHEN "
                "user_low_id = :r THEN user_high_id ELSE user_low_id END FROM connections",
                requests="requester_id = :r AND status = 'completed'", limit=40,
                status="completed", then="completed",
            ),
            **ids,
        )  # fmt: skip
        _step(
            conn, "completed matches (everybody else's)",
            _MATCHES.format(
                pool="SELECT user_id AS id FROM certifications",
                requests="requester_id <> :r AND status = 'completed'", limit=100_000,
                status="completed", then="completed",
            ),
            **ids,
        )  # fmt: skip
        _step(
            conn, "confirmed matches (open → matched)",
            _MATCHES.format(
                pool="SELECT user_id AS id FROM certifications",
                requests="status = 'open' AND requester_id <> :r", limit=500,
                status="confirmed", then="matched",
            ),
            **ids,
        )  # fmt: skip
        _step(
            conn, "connections among everybody else",
            """
            INSERT INTO connections (user_low_id, user_high_id)
            SELECT least(a.id, b.id), greatest(a.id, b.id)
            FROM (SELECT id, row_number() OVER () AS n FROM
                  (SELECT id FROM users WHERE id <> :r ORDER BY random() LIMIT :k) s) a
            JOIN (SELECT id, row_number() OVER () AS n FROM
                  (SELECT id FROM users WHERE id <> :r ORDER BY random() LIMIT :k) s) b
              USING (n)
            WHERE a.id <> b.id
            ON CONFLICT DO NOTHING
            """,
            k=max(users // 3, 1), **ids,
        )  # fmt: skip
        _step(
            conn, "blocks",
            "INSERT INTO blocks (blocker_id, blocked_id) "
            "SELECT a, b FROM (SELECT id AS a, lead(id) OVER () AS b FROM "
            "(SELECT id FROM users WHERE id <> :r ORDER BY random() LIMIT 20000) s) p "
            "WHERE b IS NOT NULL ON CONFLICT DO NOTHING",
            **ids,
        )  # fmt: skip
        pickup_id, lending_id = uuid.uuid4(), uuid.uuid4()
        _step(
            conn, "the requester's two requests",
            """
            INSERT INTO share_requests (id, requester_id, household_id, community_id, kind,
                title, starts_at, ends_at, location, dropoff, item_category,
                item_description, audience, radius_m, status)
            SELECT v.id, u.id, u.household_id, :c, v.kind, 'ベンチのお願い',
                   date_trunc('minute', now()) + interval '1 day',
                   date_trunc('minute', now()) + interval '1 day' + v.span,
                   u.home, CASE WHEN v.dropoff THEN u.home END, v.category, v.description,
                   'community', v.radius, 'open'
            FROM users u, (VALUES
                (CAST(:p AS uuid), 'pickup', interval '90 minutes', true, NULL, NULL, 2000),
                (CAST(:l AS uuid), 'lending', interval '3 days', false, 'stroller',
                 'A型ベビーカー', 5000)
            ) AS v(id, kind, span, dropoff, category, description, radius)
            WHERE u.id = :r
            """,
            p=pickup_id, l=lending_id, **ids,
        )  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        t = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        _done("vacuum analyze", t)
    meta = {
        **_wanted(users),
        "built_on": time.strftime("%Y-%m-%d"),
        "community_id": str(community_id),
        "requester_id": str(requester_id),
        "pickup_id": str(pickup_id),
        "lending_id": str(lending_id),
    }
    record_meta(engine, meta)
    engine.dispose()
    log(f"built in {time.perf_counter() - started:.0f} s")
    return meta


def refresh_dates(url: str, meta: dict[str, Any]) -> dict[str, Any]:
    """Keep a reused data set in the future: shift every date by the days since the build."""
    engine = create_engine(url)
    with engine.begin() as conn:
        days = conn.execute(
            text("SELECT current_date - CAST(:d AS date)"), {"d": meta["built_on"]}
        ).scalar_one()
        if days <= 0:
            engine.dispose()
            return meta
        shift = {"s": f"{days} days"}
        for table in ("share_requests", "matches"):
            conn.execute(
                text(
                    f"UPDATE {table} SET starts_at = starts_at + CAST(:s AS interval), "
                    "ends_at = ends_at + CAST(:s AS interval)"
                ),
                shift,
            )
        conn.execute(
            text(
                "UPDATE certifications SET granted_at = granted_at + CAST(:s AS interval), "
                "trained_on = trained_on + :n, expires_on = expires_on + :n"
            ),
            {**shift, "n": days},
        )
        meta = {**meta, "built_on": time.strftime("%Y-%m-%d")}
        conn.execute(text("UPDATE bench_meta SET meta = CAST(:m AS jsonb)"), _json(meta))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE share_requests, matches, certifications"))
    engine.dispose()
    log(f"shifted the data set's dates by {days} days")
    return meta


# --- timing ----------------------------------------------------------------------------


def _time(fn: Callable[[], int], runs: int, warmup: int) -> tuple[list[float], float]:
    """Milliseconds per call (the call ends its transaction, as a request does)."""
    for _ in range(warmup):
        fn()
        session.commit()
    samples, rows = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        rows += fn()
        session.commit()
        samples.append((time.perf_counter() - started) * 1000)
    return samples, rows / runs


def prepared(
    database: str,
    wanted: dict[str, Any],
    rebuild: bool,
    build: Callable[[Engine, str], dict[str, Any]],
) -> tuple[str, dict[str, Any], bool]:
    """The bench database on the ``DATABASE_URL`` server: reused while its recorded
    parameters are ``wanted``, else built with ``build(admin_engine, url)``. Returns its
    URL, its parameters, and whether it was reused."""
    if not os.environ.get("DATABASE_URL"):
        log("DATABASE_URL is not set: run `make bench`")
        raise SystemExit(2)
    server = make_url(normalize_database_url(os.environ["DATABASE_URL"]))
    url = server.set(database=database).render_as_string(hide_password=False)
    meta = None if rebuild else _meta(url)
    if meta is not None and all(meta.get(k) == v for k, v in wanted.items()):
        return url, meta, True
    same_data = {k: v for k, v in wanted.items() if k != "head"}
    if meta is not None and all(meta.get(k) == v for k, v in same_data.items()):
        # Only the schema moved on: migrate the data in place, as production would be,
        # so that runs before and after a migration measure the same rows.
        log(f"migrating {database} from {meta.get('head')} to {wanted['head']}")
        _migrate(url)
        meta = {**meta, "head": wanted["head"]}
        engine = create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("UPDATE bench_meta SET meta = CAST(:m AS jsonb)"), _json(meta))
            conn.execute(text("VACUUM ANALYZE"))
        engine.dispose()
        return url, meta, True
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        return url, build(admin, url), False
    finally:
        admin.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url, meta, reused = prepared(
        DATABASE,
        _wanted(args.users),
        args.rebuild,
        lambda admin, url: build(admin, url, args.users),
    )
    if reused:
        log(f"reusing {DATABASE} ({meta['users']:,} users; --rebuild to build afresh)")
        refresh_dates(url, meta)
    log(f"{DATABASE} ready: {url} (make bench times it: tests/benchmarks/bench.py)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
