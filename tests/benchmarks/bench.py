"""``make bench``: how fast matching is, as users feel it, as ratios to references measured
in the same run (this machine's speed drifts threefold between days).

For each data set (``uniform``: tests/benchmarks/bench_matching.py's million homes in a
20 km box; ``city``: the synthetic city of ``flask seed synthetic``, when built), it
measures:

- the SQL alone, on one connection, p50/p95/p99 over ``--runs``: candidate search for a
  pickup and for a lending, ``candidate()`` for one person, the feed, and the reference
  **bare KNN** (the 20 nearest public homes to a random point);
- the whole HTTP calls under gunicorn (gunicorn.conf.py, its defaults: 2 workers a core)
  with wrk from a second process on loopback: p50/p95/p99 at one connection, and
  requests per second at 32 — candidates (pickup, lending), the feed, a request read by a
  candidate, ``GET /v1/me``, a year of statistics, each right after a run of the
  reference **baseline** (a plain Flask + SQLAlchemy app reading three users by primary
  key: tests/benchmarks/baseline_app.py, same gunicorn settings, same database), whose run
  its ratios are to;
- gunicorn's load time and each worker's resident memory.

It prints one table per data set with each figure's ratio to its reference and the
issue's targets, and writes everything to ``bench-results/<time>-<commit>.json``;
``--compare OLD.json`` prints the two side by side.

    make bench
    make bench BENCH_ARGS="--datasets uniform --seconds 5 --compare bench-results/x.json"
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from otagai import create_app
from otagai.config import Settings, normalize_database_url
from otagai.domain.clock import TOKYO
from otagai.domain.matching.candidates import candidates_query
from otagai.domain.matching.feed import feed_query
from otagai.domain.people.models import User
from otagai.domain.requests.models import ShareRequest
from otagai.domain.statistics.months import Month
from otagai.domain.trust.models import Certification
from otagai.extensions.auth import mint_emulator_token
from otagai.extensions.db import EXTENSION_KEY, session
from otagai.extensions.geo import latlng_of
from tests.benchmarks import bench_http, bench_matching

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench-results"
BASELINE = "baseline: 3 ORM reads"
PROJECT = "demo-otagai"
# The service under gunicorn accepts emulator tokens (no real project can be reached).
SERVICE_ENV = {
    "OTAGAI_ENV": "test",
    "FIREBASE_AUTH_EMULATOR_HOST": "127.0.0.1:9099",
    "FIREBASE_PROJECT_ID": PROJECT,
    "LOG_LEVEL": "INFO",
}


def log(message: str) -> None:
    print(message, flush=True)


@dataclass
class Row:
    """One call: SQL rows have percentiles only; HTTP rows add req/s at 32 connections."""

    name: str
    kind: str  # "sql" | "http"
    p50_ms: float
    p95_ms: float
    p99_ms: float
    rps: float | None = None
    errors: int = 0
    ratio: float | None = None
    ratio_of: str = ""
    # HTTP rows: the baseline measured right before this call (the machine drifts).
    base_rps: float | None = None
    base_p50_ms: float | None = None
    base_p95_ms: float | None = None


@dataclass
class Target:
    call: str
    measure: str
    wanted: str
    value: float
    met: bool


@dataclass
class Result:
    dataset: str
    rows: list[Row] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    load_s: float = 0.0
    worker_rss_mb: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, name: str) -> Row:
        [found] = [r for r in self.rows if r.name == name]
        return found


# --- the data sets ----------------------------------------------------------------------------


@dataclass
class Picks:
    """What the calls are made with, taken from the data set."""

    url: str
    requester_uid: str  # of the pickup (and GET /v1/me)
    pickup_id: uuid.UUID
    lending_id: uuid.UUID
    supporter_uids: list[str]
    candidate_uid: str
    municipality: str
    lending_requester_uid: str = ""  # when another household posted the lending


def _app(url: str) -> Any:
    os.environ.setdefault("FIREBASE_AUTH_EMULATOR_HOST", "127.0.0.1:9099")
    return create_app(
        Settings.from_env(
            environ={}, database_url=normalize_database_url(url), env="test",
            firebase_auth_emulator_host="127.0.0.1:9099", log_level="WARNING",
        )
    )  # fmt: skip


def uniform(rebuild: bool) -> Picks:
    url, meta, reused = bench_matching.prepared(
        bench_matching.DATABASE, bench_matching._wanted(1_000_000), rebuild,
        lambda admin, url: bench_matching.build(admin, url, 1_000_000),
    )  # fmt: skip
    if reused:
        meta = bench_matching.refresh_dates(url, meta)
    app = _app(url)
    with app.app_context():
        pickup = session.get_one(ShareRequest, uuid.UUID(meta["pickup_id"]))
        requester = session.get_one(User, uuid.UUID(meta["requester_id"]))
        supporters = session.scalars(
            select(User.firebase_uid).where(User.id.in_(select(Certification.user_id)))
            .order_by(User.id).limit(50)
        ).all()  # fmt: skip
        candidate_uid = _a_candidate(pickup.id)
        picks = Picks(
            url=url, requester_uid=requester.firebase_uid or "", pickup_id=pickup.id,
            lending_id=uuid.UUID(meta["lending_id"]),
            supporter_uids=[u for u in supporters if u], candidate_uid=candidate_uid or "",
            municipality="111007",
        )  # fmt: skip
    app.extensions[EXTENSION_KEY].dispose()
    return picks


def _a_candidate(request_id: uuid.UUID) -> str:
    """A certified supporter within 1 km of the request's point, neither blocked nor busy:
    a candidate whatever the schema version (within 1 km even after displacement)."""
    return str(
        session.execute(
            text(
                "SELECT u.firebase_uid FROM share_requests r JOIN certifications c "
                "ON c.community_id = r.community_id AND 'pickup' = ANY(c.kinds) "
                "JOIN users u ON u.id = c.user_id "
                "WHERE r.id = :r AND ST_DWithin(u.home, r.location, 1000) "
                "AND u.household_id <> r.household_id AND NOT EXISTS (SELECT 1 FROM blocks b "
                "WHERE (b.blocker_id = u.id AND b.blocked_id = r.requester_id) "
                "OR (b.blocked_id = u.id AND b.blocker_id = r.requester_id)) "
                "AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.status = 'confirmed' "
                "AND (m.supporter_id = u.id OR m.requester_id = u.id) "
                "AND m.starts_at < r.ends_at AND m.ends_at > r.starts_at) "
                "ORDER BY u.id LIMIT 1"
            ),
            {"r": request_id},
        ).scalar_one()
    )


def existing(database: str) -> Picks:
    """The picks of an already built uniform database, whatever its schema version (to
    measure an older commit with --serve-from on the database it built)."""
    server = make_url(normalize_database_url(os.environ["DATABASE_URL"]))
    url = server.set(database=database).render_as_string(hide_password=False)
    engine = create_engine(url)
    with engine.connect() as conn:
        meta = conn.execute(text("SELECT meta FROM bench_meta")).scalar_one()
    engine.dispose()
    app = _app(url)
    with app.app_context():
        supporters = session.execute(
            text("SELECT firebase_uid FROM users WHERE id IN (SELECT user_id FROM "
                 "certifications) ORDER BY id LIMIT 50")
        ).scalars().all()  # fmt: skip
        picks = Picks(
            url=url, requester_uid="bench-requester", pickup_id=uuid.UUID(meta["pickup_id"]),
            lending_id=uuid.UUID(meta["lending_id"]), supporter_uids=list(supporters),
            candidate_uid=_a_candidate(uuid.UUID(meta["pickup_id"])), municipality="111007",
        )  # fmt: skip
    app.extensions[EXTENSION_KEY].dispose()
    return picks


CITY = "otagai_bench_city"
CITY_VERSION = 1  # bump when what the city is built with changes
CITY_HOUSEHOLDS = 1_000_000


def city(rebuild: bool) -> Picks:
    """A million households of ``flask seed synthetic`` in さいたま市 (seed 1, 12 months):
    homes around stations, a small-world graph, a year of activity. Built once (about five
    minutes). It picks the first open pickup and lending (by id) with five candidates or
    more."""
    from otagai.seeding.synthetic import build_synthetic

    wanted = {"version": CITY_VERSION, "households": CITY_HOUSEHOLDS,
              "head": bench_matching._head()}  # fmt: skip

    def build(admin: Any, url: str) -> dict[str, Any]:
        bench_matching.fresh_database(admin, CITY, url)
        log(f"building {CITY}: {CITY_HOUSEHOLDS:,} synthetic households (once)")
        summary = build_synthetic(url, households=CITY_HOUSEHOLDS, months=12, seed=1)
        log(f"  built in {summary.seconds:.0f} s: {summary.rows}")
        meta = {**wanted, "built_on": time.strftime("%Y-%m-%d")}
        engine = create_engine(url)
        bench_matching.record_meta(engine, meta)
        engine.dispose()
        return meta

    url, meta, reused = bench_matching.prepared(CITY, wanted, rebuild, build)
    if reused:
        bench_matching.refresh_dates(url, meta)
    app = _app(url)
    with app.app_context():
        chosen, ranked = {}, {}
        for kind in ("pickup", "lending"):
            found = session.execute(
                text("SELECT r.id, u.firebase_uid FROM share_requests r JOIN users u "
                     "ON u.id = r.requester_id WHERE r.status = 'open' AND r.kind = :k "
                     "AND r.starts_at > now() + interval '2 hours' "
                     "AND r.audience = 'community' ORDER BY r.id LIMIT 50"),
                {"k": kind},
            ).all()  # fmt: skip
            for request_id, uid in found:
                request = session.get_one(ShareRequest, request_id)
                rows = candidates_query(request).rows()
                if len(rows) >= 5:
                    chosen[kind], ranked[kind] = (request_id, uid), rows
                    break
        # Supporters whose certification is valid today, by the app's own rule.
        supporters = session.scalars(
            select(User.firebase_uid).join(Certification, Certification.user_id == User.id)
            .where(Certification.valid_on(datetime.now(TOKYO).date()), User.home.is_not(None))
            .order_by(User.id).limit(50)
        ).all()  # fmt: skip
        picks = Picks(
            url=url, requester_uid=chosen["pickup"][1], pickup_id=chosen["pickup"][0],
            lending_id=chosen["lending"][0], supporter_uids=list(supporters),
            candidate_uid=session.get_one(User, ranked["pickup"][-1].id).firebase_uid or "",
            municipality="111007", lending_requester_uid=chosen["lending"][1],
        )  # fmt: skip
    app.extensions[EXTENSION_KEY].dispose()
    return picks


DATASETS: dict[str, Callable[[bool], Picks]] = {"uniform": uniform, "city": city}


# --- the SQL ----------------------------------------------------------------------------------


def _percentiles(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return statistics.median(ordered), at(0.95), at(0.99)


def _timed(name: str, run: Callable[[], Any], runs: int, warmup: int = 20) -> Row:
    for _ in range(warmup):
        run()
        session.commit()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        session.commit()
        samples.append((time.perf_counter() - started) * 1000)
    return Row(name, "sql", *_percentiles(samples))


def measure_sql(picks: Picks, runs: int) -> list[Row]:
    app = _app(picks.url)
    rng = random.Random(2026)
    with app.app_context():
        pickup = session.get_one(ShareRequest, picks.pickup_id)
        lending = session.get_one(ShareRequest, picks.lending_id)
        someone = session.scalar(select(User.id).where(User.firebase_uid == picks.candidate_uid))
        feeds = []
        for uid in picks.supporter_uids:
            user = session.scalars(select(User).where(User.firebase_uid == uid)).one()
            home, public = latlng_of(user.home), latlng_of(user.public_home)
            if home and public:
                feeds.append(feed_query(user.id, user.household_id, home, public, limit=21))
        box = session.execute(
            text("SELECT ST_XMin(e), ST_XMax(e), ST_YMin(e), ST_YMax(e) FROM (SELECT "
                 "ST_Extent(public_home::geometry) AS e FROM (SELECT public_home FROM users "
                 "TABLESAMPLE SYSTEM (1)) s) x")
        ).one()  # fmt: skip
        knn = text("SELECT id FROM users ORDER BY public_home <-> ST_GeogFromText(:p) LIMIT 20")

        def nearest() -> Any:
            lng, lat = rng.uniform(box[0], box[1]), rng.uniform(box[2], box[3])
            return session.execute(knn, {"p": f"SRID=4326;POINT({lng} {lat})"}).all()

        pickup_sql, lending_sql = candidates_query(pickup), candidates_query(lending)
        one_sql = candidates_query(pickup, only_user=someone, limit=1)
        rows = [
            _timed("bare KNN (20 nearest homes)", nearest, runs),
            _timed("SQL candidates, pickup", pickup_sql.rows, runs),
            _timed("SQL candidates, lending", lending_sql.rows, runs),
            _timed("SQL candidate(), one person", one_sql.rows, runs),
            _timed("SQL feed", lambda: rng.choice(feeds).rows(), runs),
        ]
    app.extensions[EXTENSION_KEY].dispose()
    knn_p95 = rows[0].p95_ms
    for row in rows[1:]:
        row.ratio, row.ratio_of = row.p95_ms / knn_p95, "p95 / bare KNN p95"
    return rows


# --- HTTP -------------------------------------------------------------------------------------


def _token(uid: str, **claims: Any) -> str:
    return mint_emulator_token(uid, PROJECT, expires_in=6 * 3600, **claims)


def _year() -> tuple[str, str]:
    today = datetime.now(UTC).date()
    last = Month(today.year, today.month).plus(-1)
    return str(last.plus(-11)), str(last)


def http_calls(picks: Picks) -> dict[str, list[tuple[str, str | None]]]:
    requester = _token(picks.requester_uid)
    lender = _token(picks.lending_requester_uid) if picks.lending_requester_uid else requester
    first, last = _year()
    stats = f"/v1/municipalities/{picks.municipality}/stats?from={first}&to={last}"
    return {
        "GET /v1/me": [("/v1/me", requester)],
        "candidates, pickup": [(f"/v1/share-requests/{picks.pickup_id}/candidates", requester)],
        "candidates, lending": [(f"/v1/share-requests/{picks.lending_id}/candidates", lender)],
        "feed": [("/v1/share-requests/feed", _token(uid)) for uid in picks.supporter_uids],
        "request, read by a candidate": [
            (f"/v1/share-requests/{picks.pickup_id}", _token(picks.candidate_uid))
        ],
        "statistics, a year": [(stats, _token("bench-operator", operator=True))],
    }


def _load(wrk: str, server: bench_http.Server, name: str, calls: Any, seconds: float) -> Row:
    one = bench_http.wrk(wrk, server, calls, connections=1, seconds=seconds)
    many = bench_http.wrk(wrk, server, calls, connections=32, seconds=seconds)
    errors = one["non_2xx"] + one["socket_errors"] + many["non_2xx"] + many["socket_errors"]
    return Row(name, "http", one["p50_us"] / 1000, one["p95_us"] / 1000, one["p99_us"] / 1000,
               rps=many["rps"], errors=errors)  # fmt: skip


def measure_http(
    picks: Picks,
    seconds: float,
    wrk: str,
    result: Result,
    logs: Path,
    only: set[str] | None,
    checkout: Path = ROOT,
) -> None:
    """Both servers stay up, loaded one at a time; every call is measured right after a
    run of the baseline, and its ratios are to that run (the machine's speed drifts within
    minutes here). The baseline's row shows the medians of its runs."""
    references: list[Row] = []
    base_app = "tests.benchmarks.baseline_app:app"
    with (
        bench_http.serve(base_app, picks.url, logs) as base,
        bench_http.serve(
            "otagai.wsgi:app", picks.url, logs, checkout=checkout, **SERVICE_ENV
        ) as server,
    ):
        result.load_s = server.load_s
        rows = []
        for name, calls in http_calls(picks).items():
            if only and name not in only:
                continue
            log(f"  {name} ...")
            reference = _load(wrk, base, BASELINE, [("/baseline", None)], seconds)
            row = _load(wrk, server, name, calls, seconds)
            row.base_rps, row.base_p50_ms = reference.rps, reference.p50_ms
            row.base_p95_ms = reference.p95_ms
            row.ratio, row.ratio_of = (row.rps or 0) / (reference.rps or 1), "req/s / baseline"
            references.append(reference)
            rows.append(row)
        result.worker_rss_mb = server.worker_rss_mb()

    def median(field: str) -> float:
        return statistics.median(getattr(r, field) for r in references)

    result.rows.append(
        Row(BASELINE, "http", median("p50_ms"), median("p95_ms"), median("p99_ms"),
            rps=median("rps"), errors=sum(r.errors for r in references))
    )  # fmt: skip
    result.rows += rows


# --- targets and the table -------------------------------------------------------------------


def targets(result: Result) -> list[Target]:
    knn = result.row("bare KNN (20 nearest homes)")
    out = []

    def add(call: str, measure: str, wanted: str, value: float, bound: float, up: bool) -> None:
        out.append(Target(call, measure, wanted, value, value >= bound if up else value <= bound))

    for call, bound in (("candidates, pickup", 0.7), ("candidates, lending", 0.5),
                        ("feed", 0.5), ("GET /v1/me", 0.9)):  # fmt: skip
        row = result.row(call)
        add(call, "req/s vs baseline", f">= {bound}", row.ratio or 0, bound, True)
    pickup = result.row("candidates, pickup")
    add("candidates, pickup", "p95 at c=1 vs baseline's", "<= 1.5",
        pickup.p95_ms / (pickup.base_p95_ms or 1), 1.5, False)  # fmt: skip
    search = max(result.row("SQL candidates, pickup").p95_ms,
                 result.row("SQL candidates, lending").p95_ms)  # fmt: skip
    add("candidate search SQL", "p95 vs bare KNN p95", "<= 3", search / knn.p95_ms, 3, False)
    one = result.row("SQL candidate(), one person")
    add("candidate() SQL", "p95 vs bare KNN p95", "<= 2", one.p95_ms / knn.p95_ms, 2, False)
    year = result.row("statistics, a year")
    add("a year of statistics", "p95 vs baseline p50", "<= 10",
        year.p95_ms / (year.base_p50_ms or 1), 10, False)  # fmt: skip
    return out


def table(result: Result) -> str:
    lines = [
        f"{result.dataset}: gunicorn loaded in {result.load_s:.1f} s; worker RSS "
        + ", ".join(f"{m:.0f}" for m in result.worker_rss_mb)
        + " MiB",
        f"{'call':<32} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s c=32':>11} "
        f"{'ratio':>7}  of",
    ]
    lines.append("-" * len(lines[1]))
    for r in result.rows:
        rps = f"{r.rps:11.0f}" if r.rps is not None else f"{'':>11}"
        ratio = f"{r.ratio:7.2f}" if r.ratio is not None else f"{'1.00':>7}"
        note = r.ratio_of or "reference"
        if r.errors:
            note += f"  ({r.errors} non-2xx or socket errors!)"
        lines.append(f"{r.name:<32} {r.p50_ms:8.2f} {r.p95_ms:8.2f} {r.p99_ms:8.2f} {rps} "
                     f"{ratio}  {note}")  # fmt: skip
    lines.append("")
    lines.append(f"{'target':<54} {'wanted':>8} {'now':>7}")
    for t in result.targets:
        mark = "met" if t.met else "MISSED"
        lines.append(f"{t.call + ': ' + t.measure:<54} {t.wanted:>8} {t.value:7.2f}  {mark}")
    return "\n".join(lines)


def compare(old_path: Path, new: dict[str, Any]) -> str:
    old = json.loads(old_path.read_text())
    lines = [f"compared with {old_path.name} ({old.get('commit')}):"]
    for name, result in new["datasets"].items():
        before = {r["name"]: r for r in old.get("datasets", {}).get(name, {}).get("rows", [])}
        for r in result["rows"]:
            b = before.get(r["name"])
            if b is None:
                continue
            parts = [f"p95 {b['p95_ms']:.2f} → {r['p95_ms']:.2f} ms"]
            if r.get("rps") and b.get("rps"):
                parts.append(f"req/s {b['rps']:.0f} → {r['rps']:.0f}")
            if r.get("ratio") is not None and b.get("ratio") is not None:
                parts.append(f"ratio {b['ratio']:.2f} → {r['ratio']:.2f}")
            lines.append(f"  {name:<8} {r['name']:<32} " + "; ".join(parts))
    return "\n".join(lines)


def _commit() -> str:
    run = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True, check=False)  # fmt: skip
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
    return (run.stdout.strip() or "unknown") + ("+dirty" if dirty else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument("--runs", type=int, default=300, help="SQL runs per query")
    parser.add_argument("--seconds", type=float, default=10, help="wrk seconds per run")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--compare", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--calls", help="only these HTTP calls (names separated by ';')")
    parser.add_argument("--no-sql", action="store_true", help="skip the SQL timings")
    parser.add_argument(
        "--serve-from",
        type=Path,
        default=ROOT,
        help="serve the code of another checkout (an older commit, with its .venv)",
    )
    parser.add_argument(
        "--database", help="measure this already built uniform database as it is (no build)"
    )
    args = parser.parse_args()
    only = set(args.calls.split(";")) if args.calls else None
    wrk = subprocess.run([str(ROOT / "scripts" / "ensure-wrk.sh")], capture_output=True,
                         text=True, check=True).stdout.strip()  # fmt: skip
    RESULTS.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    commit = _commit()
    out = args.out or RESULTS / f"{stamp}-{commit}.json"
    report: dict[str, Any] = {"commit": commit, "date": stamp, "cpus": os.cpu_count(),
                              "datasets": {}}  # fmt: skip
    for name in args.datasets.split(","):
        log(f"\n== {name}")
        picks = existing(args.database) if args.database else DATASETS[name](args.rebuild)
        result = Result(name)
        if not args.no_sql:
            result.rows += measure_sql(picks, args.runs)
        logs = RESULTS / f"{stamp}-{name}-gunicorn.log"
        measure_http(picks, args.seconds, wrk, result, logs, only, args.serve_from)
        if not only and not args.no_sql:
            result.targets = targets(result)
        log("\n" + table(result))
        report["datasets"][name] = asdict(result)
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    log(f"\nwrote {out}")
    if args.compare:
        log(compare(args.compare, report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
