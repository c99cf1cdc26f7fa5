"""``make bench`` (second part): a year of municipal statistics for a town with a million
requests.

Builds, once, a database ``otagai_bench_stats`` on the server ``DATABASE_URL`` points at:
one municipality (さいたま市) with one community; 100,000 households in it (a user each,
household periods from the trigger, 2,000 of them moved away during the year);
1,000,000 requests posted over the 12 months before the current one, all kinds; 700,000
of them matched (with their accepted offers, 85 % insured, 5 % cancelled, 60 % completed),
another 300,000 offers that were declined; 400,000 thank-yous; 2,000 certifications and
600 events with 6,000 attendances.

Then it times ``municipal_statistics`` for those 12 months (the whole report, totals,
kinds, suppression) on one connection, after a warm-up, and prints p50/p95/max and each
part's p50. The target (issue 7): well under a second.

    make bench
    DATABASE_URL=... .venv/bin/python tests/benchmarks/bench_statistics.py --requests 100000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from otagai import create_app
from otagai.config import Settings, normalize_database_url
from otagai.domain.statistics import metrics
from otagai.domain.statistics.months import Month
from otagai.domain.statistics.service import municipal_statistics
from otagai.extensions.db import EXTENSION_KEY, session
from tests.benchmarks.bench_matching import (
    ROOT,
    _head,
    _json,
    _migrate,
    _step,
    _time,
    log,
    prepared,
)

DATABASE = "otagai_bench_stats"
DATA_VERSION = 1
CODE = "111007"
BOUNDARY = "MULTIPOLYGON(((139.54 35.8,139.77 35.8,139.77 35.99,139.54 35.99,139.54 35.8)))"


def _migration(slug: str) -> Any:
    """A migration module, for the set-based fills it runs for rows that were there
    before its triggers (here: rows bulk-loaded with triggers off)."""
    import importlib.util

    [path] = (ROOT / "migrations" / "versions").glob(f"*_{slug}.py")
    spec = importlib.util.spec_from_file_location(slug, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _rollups() -> list[tuple[str, str]]:
    """What the triggers would have written for the bulk-loaded rows."""
    activity = _migration("household_activity_rollup")
    counters = _migration("statistics_counters")
    fills = [
        (f"household activity from {table}", activity.record(source.format(src=table)))
        for table, source in activity.SOURCES.items()
    ]
    fills += [
        (f"monthly counters from {table}", counters.apply([rows.format(src=table, sign="(1)")]))
        for table, rows in counters.COUNTED.items()
        if table != "household_municipality_periods"  # its rows were made with triggers on
    ]
    return fills


def _wanted(requests: int) -> dict[str, Any]:
    return {"version": DATA_VERSION, "requests": requests, "head": _head()}


def _year() -> tuple[Month, Month]:
    """The 12 months before the current one (Tokyo)."""
    current = Month.of(datetime.now(UTC))
    return current.plus(-12), current.plus(-1)


def build(admin: Engine, url: str, requests: int) -> dict[str, Any]:
    name = make_url(url).database
    log(f"building {name}: {requests:,} requests (once; reused while its shape matches)")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    _migrate(url)
    first, last = _year()
    households = max(1_000, requests // 10)
    engine = create_engine(url)
    with engine.connect() as conn:
        ids = {
            "code": CODE,
            "lo": first.starts_at(),
            "span": (last.next().starts_at() - first.starts_at()).total_seconds(),
        }
        _step(conn, "municipality",
              "INSERT INTO municipalities (code, name_ja, name_en, boundary) "
              "VALUES (:code, 'さいたま市', 'Saitama', ST_GeomFromText(:b, 4326))",
              b=BOUNDARY, **ids)  # fmt: skip
        _step(conn, "community",
              "INSERT INTO communities (id, municipality_code, name, area) VALUES "
              "(gen_random_uuid(), :code, '浦和', ST_GeomFromText("
              "'POLYGON((139.64 35.84,139.67 35.84,139.67 35.87,139.64 35.87,139.64 35.84))',"
              " 4326))", **ids)  # fmt: skip
        _step(conn, "households (periods by trigger)",
              "INSERT INTO households (id, municipality_code) "
              "SELECT gen_random_uuid(), :code FROM generate_series(1, :n)",
              n=households, **ids)  # fmt: skip
        _step(conn, "  ... living there since before the year",
              "UPDATE household_municipality_periods SET valid_from = :lo - interval '400 days'",
              **ids)  # fmt: skip
        _step(conn, "users",
              "INSERT INTO users (id, firebase_uid, display_name, household_id) "
              "SELECT gen_random_uuid(), 'bench-' || h.id, '利用者', h.id "
              "FROM households h")  # fmt: skip
        _step(conn, "  ... 2,000 households moved away",
              "UPDATE households SET municipality_code = NULL WHERE id IN "
              "(SELECT id FROM households ORDER BY random() LIMIT 2000)")  # fmt: skip
        # Bulk load without row triggers (the rollups are filled set-based below, as the
        # triggers would have; these past requests need no public point of their own, so
        # they get the town centre's); household periods were made by theirs above.
        conn.execute(text("SET session_replication_role = replica"))
        _step(conn, "requests",
              """
              WITH u AS (SELECT array_agg(id) AS ids, array_agg(household_id) AS hs,
                                count(*)::int AS n FROM users),
              c AS (SELECT id FROM communities LIMIT 1)
              INSERT INTO share_requests (id, requester_id, household_id, community_id, kind,
                  title, starts_at, ends_at, location, public_location, audience, radius_m,
                  status, created_at, municipality_code)
              SELECT gen_random_uuid(), u.ids[i], u.hs[i], c.id, k, 'お願い',
                     at + interval '2 days',
                     at + interval '2 days 90 minutes', 'SRID=4326;POINT(139.6571 35.8587)',
                     'SRID=4326;POINT(139.6571 35.8587)',
                     'community', 2000, 'expired', at, :code
              FROM u, c, generate_series(1, :n) g,
                   LATERAL (SELECT 1 + floor(random() * u.n)::int AS i,
                                   (ARRAY['pickup','pickup','babysitting','lending'])
                                     [1 + floor(random() * 4)::int] AS k,
                                   :lo + random() * :span * interval '1 second' AS at
                                   WHERE g > 0) x
              """, n=requests, **ids)  # fmt: skip
        _step(conn, "offers (accepted 70 %, declined 30 %)",
              """
              WITH u AS (SELECT array_agg(id) AS ids, count(*)::int AS n FROM users)
              INSERT INTO offers (id, request_id, supporter_id, status, created_at,
                                  municipality_code)
              SELECT gen_random_uuid(), r.id, u.ids[1 + floor(random() * u.n)::int],
                     CASE WHEN random() < 0.7 THEN 'accepted' ELSE 'declined' END,
                     r.created_at + interval '3 hours', :code
              FROM share_requests r, u
              """, **ids)  # fmt: skip
        _step(conn, "matches (insured 85 %, cancelled 5 %, completed 60 %)",
              """
              INSERT INTO matches (id, request_id, offer_id, requester_id,
                  requester_household_id, supporter_id, starts_at, ends_at, status, insurance,
                  completed_at, cancelled_at, municipality_code, kind, insured,
                  supporter_municipality_code, created_at)
              SELECT gen_random_uuid(), r.id, o.id, r.requester_id, r.household_id,
                     o.supporter_id, r.starts_at, r.ends_at, s.status, '{}'::jsonb,
                     CASE WHEN s.status = 'completed' THEN r.ends_at END,
                     CASE WHEN s.status = 'cancelled' THEN r.created_at + interval '1 day' END,
                     :code, r.kind, random() < 0.85, :code, r.created_at + interval '5 hours'
              FROM offers o JOIN share_requests r ON r.id = o.request_id
              CROSS JOIN LATERAL (SELECT CASE WHEN random() < 0.05 THEN 'cancelled'
                                              WHEN random() < 0.63 THEN 'completed'
                                              ELSE 'confirmed' END AS status
                                  WHERE o.id IS NOT NULL) s
              WHERE o.status = 'accepted'
              """, **ids)  # fmt: skip
        _step(conn, "  ... their requests matched",
              "UPDATE share_requests r SET matched_at = m.created_at, status = "
              "CASE m.status WHEN 'completed' THEN 'completed' WHEN 'cancelled' "
              "THEN 'cancelled' ELSE 'matched' END "
              "FROM matches m WHERE m.request_id = r.id")  # fmt: skip
        _step(conn, "thank-yous",
              """
              INSERT INTO thank_yous (id, match_id, amount_jpy, method, status, created_by_id,
                                      municipality_code, kind, created_at)
              SELECT gen_random_uuid(), m.id, 1000, 'cash', 'recorded', m.requester_id,
                     m.municipality_code, m.kind, m.created_at + interval '1 day'
              FROM matches m WHERE m.status <> 'cancelled' AND random() < 0.6
              """)  # fmt: skip
        conn.execute(text("SET session_replication_role = DEFAULT"))
        for label, fill in _rollups():
            _step(conn, label, fill)
        _step(conn, "certifications",
              """
              INSERT INTO certifications (id, community_id, user_id, kinds, trained_on,
                  expires_on, granted_by_id, granted_at)
              SELECT gen_random_uuid(), c.id, u.id, ARRAY['pickup','babysitting'],
                     (:lo)::date - 30, (:lo)::date + 500, u.id, :lo - interval '20 days'
              FROM (SELECT id FROM users ORDER BY random() LIMIT 2000) u,
                   (SELECT id FROM communities LIMIT 1) c
              """, **ids)  # fmt: skip
        _step(conn, "events and attendances",
              """
              WITH e AS (
                INSERT INTO events (id, community_id, title, starts_at, place, created_by_id)
                SELECT gen_random_uuid(), c.id, '交流会',
                       :lo + random() * :span * interval '1 second',
                       'SRID=4326;POINT(139.6571 35.8587)', (SELECT id FROM users LIMIT 1)
                FROM generate_series(1, 600), (SELECT id FROM communities LIMIT 1) c
                RETURNING id, created_by_id
              )
              INSERT INTO event_attendances (event_id, user_id, recorded_by_id)
              SELECT e.id, u.id, e.created_by_id FROM e
              CROSS JOIN LATERAL (SELECT id FROM users WHERE e.id IS NOT NULL
                                  OFFSET floor(random() * 1000)::int LIMIT 10) u
              """, **ids)  # fmt: skip
        started = time.perf_counter()
        meta = {**_wanted(requests), "first": str(first), "last": str(last)}
        conn.execute(text("CREATE TABLE bench_meta (meta jsonb)"))
        conn.execute(text("INSERT INTO bench_meta VALUES (CAST(:m AS jsonb))"), _json(meta))
        conn.commit()
        log(f"  {'bench_meta':<44} {'':>14}  {time.perf_counter() - started:6.1f} s")
    engine.dispose()
    vacuum = create_engine(url, isolation_level="AUTOCOMMIT")
    with vacuum.connect() as conn:
        started = time.perf_counter()
        conn.execute(text("VACUUM ANALYZE"))
        log(f"  {'VACUUM ANALYZE':<44} {'':>14}  {time.perf_counter() - started:6.1f} s")
    vacuum.dispose()
    return meta


def measure(url: str, meta: dict[str, Any], runs: int, warmup: int) -> None:
    first, last = Month.parse(meta["first"]), Month.parse(meta["last"])
    app = create_app(Settings.from_env(database_url=normalize_database_url(url), env="test"))
    with app.app_context():
        counts = session.execute(
            text("SELECT count(*) FROM share_requests WHERE municipality_code = :c"), {"c": CODE}
        ).scalar_one()
        log(f"\nmunicipal_statistics({CODE}, {first}..{last}): {counts:,} requests in the town")

        def year() -> int:
            report = municipal_statistics(CODE, first, last)
            session.rollback()
            return len(report["months"])

        times, _ = _time(year, runs, warmup)
        times.sort()
        p50, p95 = times[len(times) // 2], times[int(len(times) * 0.95) - 1]
        worst = times[-1]
        log(f"  whole report, 12 months: p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  max {worst:7.1f} ms")
        for fn in metrics.ALL:
            one, _ = _time(lambda fn=fn: len(fn(CODE, first, last)), max(5, runs // 4), 2)
            one.sort()
            log(f"    {fn.__name__:<24} p50 {one[len(one) // 2]:7.1f} ms")
        app.extensions[EXTENSION_KEY].engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    url, meta, reused = prepared(
        DATABASE,
        _wanted(args.requests),
        args.rebuild,
        lambda admin, url: build(admin, url, args.requests),
    )
    if reused:
        log(f"reusing {DATABASE} ({meta['requests']:,} requests; --rebuild to build afresh)")
    measure(url, meta, args.runs, args.warmup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
