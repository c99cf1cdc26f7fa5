"""``make soak DURATION=300``: the API under gunicorn (gunicorn.conf.py, several workers)
and the notification worker, on a fresh synthetic town; locust, headless, drives the mixed
workload of tests/soak/locustfile.py from a second process on loopback for DURATION
seconds; then the invariants of tests/soak/invariants.py are checked in SQL.

It prints the requests served, the answers by status, p50/p95/p99 (locust's, over every
call), the checks the workload made (retries replayed, concurrent accepts with one
winner) and each invariant, writes it all to ``soak-results/<time>-<commit>.json``, and
exits 1 when an invariant is broken, a 5xx or a transport error was seen, or the workload
found a retry that did not replay.

    make soak DURATION=300 SOAK_ARGS="--users 32 --workers 4"
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from otagai.config import normalize_database_url
from otagai.extensions.auth import mint_emulator_token
from tests.benchmarks import bench_http, bench_matching
from tests.benchmarks.bench import PROJECT, SERVICE_ENV
from tests.soak.invariants import violations

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RESULTS = ROOT / "soak-results"
DATABASE = "otagai_soak"
MUNICIPALITY = "111007"  # the synthetic town's (さいたま市)


def log(message: str) -> None:
    print(message, flush=True)


def build_world(url: str, households: int, people: int) -> dict[str, Any]:
    """A fresh database with a synthetic town (two months of history), a municipality key,
    and the people the workload plays: members of a community with a home (and, for
    requesters, a child), each with an emulator token good for the run."""
    from otagai import create_app
    from otagai.config import Settings
    from otagai.domain.partners import keys
    from otagai.extensions.db import EXTENSION_KEY, session
    from otagai.seeding.synthetic import build_synthetic

    admin = create_engine(url.replace(f"/{DATABASE}", "/postgres"), isolation_level="AUTOCOMMIT")
    bench_matching.fresh_database(admin, DATABASE, url)
    admin.dispose()
    summary = build_synthetic(url, households=households, months=2, seed=13)
    log(f"  synthetic town in {summary.seconds:.0f} s: {summary.rows}")
    app = create_app(Settings.from_env({}, env="test", database_url=url))
    with app.app_context():
        _, api_key = keys.create_key(MUNICIPALITY, "soak run")
        session.commit()
    app.extensions[EXTENSION_KEY].dispose()
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("""
                SELECT u.firebase_uid, ST_Y(u.home::geometry), ST_X(u.home::geometry),
                       array_agg(DISTINCT m.community_id::text),
                       coalesce((SELECT array_agg(c.id::text) FROM children c
                                 WHERE c.household_id = u.household_id
                                   AND c.deleted_at IS NULL), '{}')
                FROM users u JOIN community_members m ON m.user_id = u.id
                WHERE u.home IS NOT NULL AND u.firebase_uid IS NOT NULL
                GROUP BY u.id ORDER BY u.id LIMIT :n
            """),
            {"n": people},
        ).all()
    engine.dispose()
    return {
        "municipality": MUNICIPALITY,
        "api_key": api_key,
        "partner_ip": "192.0.2.10",
        "people": [
            {
                "uid": uid,
                "home": [lat, lng],
                "communities": list(communities),
                "children": list(children),
                "token": mint_emulator_token(uid, PROJECT, expires_in=3 * 3600),
                # Each family calls from an address of its own (through the proxy the
                # server trusts), so the per-address budgets apply as they would.
                "ip": f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}",
            }
            for i, (uid, lat, lng, communities, children) in enumerate(rows, start=1)
        ],
    }


def _latency(stats_csv: Path) -> dict[str, Any]:
    with stats_csv.open(encoding="utf-8") as source:
        for row in csv.DictReader(source):
            if row["Name"] == "Aggregated":
                return {
                    "requests": int(row["Request Count"]),
                    "requests_per_s": float(row["Requests/s"]),
                    "p50_ms": float(row["50%"]),
                    "p95_ms": float(row["95%"]),
                    "p99_ms": float(row["99%"]),
                    "max_ms": float(row["Max Response Time"]),
                }
    raise RuntimeError(f"no aggregated row in {stats_csv}")


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=300, help="seconds of load")
    parser.add_argument("--users", type=int, default=24, help="concurrent simulated families")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--households", type=int, default=2000)
    parser.add_argument("--people", type=int, default=1500, help="people the workload plays")
    args = parser.parse_args()

    base = make_url(normalize_database_url(os.environ["DATABASE_URL"]))
    url = base.set(database=DATABASE).render_as_string(hide_password=False)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"{stamp}-{_commit()}"
    out.mkdir(parents=True, exist_ok=True)
    log(f"soak: building {DATABASE} ({args.households:,} synthetic households)")
    world = build_world(url, args.households, args.people)
    world_path = out / "world.json"
    world_path.write_text(json.dumps(world), encoding="utf-8")
    since = datetime.now(UTC)

    env = {
        **SERVICE_ENV,
        "LOG_LEVEL": "WARNING",
        "GUNICORN_WORKERS": str(args.workers),
        # The production rate limits, counted in Redis as in production (REDIS_URL, or the
        # local one), behind one trusted proxy that names each family's address.
        "RATELIMIT_ENABLED": "1",
        "RATELIMIT_KEY_PREFIX": f"otagai-soak-{stamp}",
        "REDIS_URL": os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0",
        "PROXY_HOPS": "1",
    }
    worker_env = {**os.environ, **env, "DATABASE_URL": url}
    with (out / "worker.log").open("ab") as sink:
        worker = subprocess.Popen(
            [str(BIN / "flask"), "--app", "otagai.wsgi", "notifications", "work"],
            cwd=ROOT,
            env=worker_env,
            stdout=sink,
            stderr=sink,
        )
    try:
        with bench_http.serve("otagai.wsgi:app", url, out / "gunicorn.log", **env) as server:
            log(
                f"soak: {args.users} families for {args.duration} s against {server.url} "
                f"({args.workers} gunicorn workers), results in {out}"
            )
            results_path = out / "workload.json"
            started = time.perf_counter()
            subprocess.run(
                [
                    str(BIN / "locust"),
                    "-f",
                    str(Path(__file__).with_name("locustfile.py")),
                    "--headless",
                    "--users",
                    str(args.users),
                    "--spawn-rate",
                    str(max(1, args.users // 5)),
                    "--run-time",
                    f"{args.duration}s",
                    "--host",
                    server.url,
                    "--csv",
                    str(out / "locust"),
                    "--only-summary",
                    "--stop-timeout",
                    "10",
                    "--loglevel",
                    "WARNING",
                ],
                cwd=ROOT,
                check=False,
                env={
                    **os.environ,
                    "SOAK_WORLD": str(world_path),
                    "SOAK_RESULTS": str(results_path),
                },
            )
            elapsed = time.perf_counter() - started
    finally:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()

    workload = json.loads(results_path.read_text(encoding="utf-8"))
    latency = _latency(out / "locust_stats.csv")
    engine = create_engine(url)
    with engine.connect() as conn:
        broken = violations(conn, since)
        written = dict(
            conn.execute(
                text("""
                    SELECT 'share_requests', count(*) FROM share_requests WHERE created_at >= :s
                    UNION ALL SELECT 'offers', count(*) FROM offers WHERE created_at >= :s
                    UNION ALL SELECT 'matches', count(*) FROM matches WHERE created_at >= :s
                    UNION ALL SELECT 'matches completed', count(*) FROM matches
                              WHERE created_at >= :s AND status = 'completed'
                    UNION ALL SELECT 'matches cancelled', count(*) FROM matches
                              WHERE created_at >= :s AND status = 'cancelled'
                    UNION ALL SELECT 'thank_yous', count(*) FROM thank_yous WHERE created_at >= :s
                    UNION ALL SELECT 'outbox_events', count(*) FROM outbox_events
                              WHERE created_at >= :s
                    UNION ALL SELECT 'outbox processed', count(*) FROM outbox_events
                              WHERE created_at >= :s AND processed_at IS NOT NULL
                """),
                {"s": since},
            ).all()
        )
    engine.dispose()

    statuses = dict(sorted(workload["statuses"].items()))
    server_errors = {s: n for s, n in statuses.items() if s[:1] not in {"2", "3", "4"}}
    summary = {
        "duration_s": round(elapsed, 1),
        "users": args.users,
        "gunicorn_workers": args.workers,
        **latency,
        "statuses": statuses,
        "by_call": workload["by_call"],
        "checks": workload["checks"],
        "rows_written": written,
        "invariants": {name: len(ids) for name, ids in broken.items()},
        "violating_ids": {name: ids for name, ids in broken.items() if ids},
        "workload_problems": workload["problems"],
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    log("")
    log(
        f"requests served: {latency['requests']:,} in {elapsed:.0f} s "
        f"({latency['requests_per_s']:.1f}/s), {args.users} families, "
        f"{args.workers} gunicorn workers"
    )
    log(
        f"latency: p50 {latency['p50_ms']:.0f} ms, p95 {latency['p95_ms']:.0f} ms, "
        f"p99 {latency['p99_ms']:.0f} ms, max {latency['max_ms']:.0f} ms"
    )
    log("answers by status: " + ", ".join(f"{s}: {n:,}" for s, n in statuses.items()))
    for call, counts in sorted(workload["by_call"].items()):
        log(f"  {call:<48} " + ", ".join(f"{s}: {n}" for s, n in sorted(counts.items())))
    log("workload checks: " + ", ".join(f"{k}: {v}" for k, v in sorted(workload["checks"].items())))
    log("rows written: " + ", ".join(f"{k}: {v}" for k, v in written.items()))
    log("invariants:")
    for name, ids in broken.items():
        log(f"  {'ok ' if not ids else 'BROKEN'} {name}" + (f": {ids[:5]}" if ids else ""))
    failed = bool(server_errors) or any(broken.values()) or bool(workload["problems"])
    if server_errors:
        log(f"FAILED: server errors or transport errors: {server_errors} (see {out})")
    for problem in workload["problems"][:10]:
        log(f"FAILED: {problem}")
    log(f"soak {'FAILED' if failed else 'passed'}; {out / 'summary.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
