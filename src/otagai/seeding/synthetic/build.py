"""``build_synthetic``: plan a town and load it, once per seed.

Order (each step plans in Python, then hands its tables to the loader, which writes them
while the next step is planned): the municipality (if the database lacks it) → households
(their periods in the town dated back to when each signed up) → adults and children →
communities, members, certifications, events → connections → requests, offers, matches,
thank-yous (and synthetic acquaintances for people already in the town) → ANALYZE → a
record of the load in the audit log.

A load is recognised by its seed: the first adult's uid ``synthetic-<seed>-1`` and the
``synthetic.load`` audit record written last. Loading a seed again answers "already
loaded" and changes nothing; a seed whose users are there without the record (an
interrupted load: jobs commit one by one) is refused, since it cannot be completed.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from otagai.domain.insurance.tagging import PolicyTerms
from otagai.seeding.synthetic.activity import plan_activity
from otagai.seeding.synthetic.clock import Clock, default_now
from otagai.seeding.synthetic.communities import ExistingCommunity, plan_trust
from otagai.seeding.synthetic.geography import Boundary, Town, synthetic_stations
from otagai.seeding.synthetic.graph import Resident, plan_graph, plan_resident_links
from otagai.seeding.synthetic.loader import (
    OPTIONS,
    Job,
    NoProgress,
    Progress,
    Runner,
    parts,
    statement,
)
from otagai.seeding.synthetic.people import (
    firebase_uid,
    halves,
    plan_households,
    plan_members,
)
from otagai.seeding.synthetic.randomness import stream, uuid4_int
from otagai.seeding.synthetic.stations import KNOWN
from otagai.seeding.synthetic.tables import Tables, municipality_table, operator_uid

MAX_HOUSEHOLDS = 5_000_000
MAX_MONTHS = 36  # what the statistics endpoint shows at once
MARKER = "synthetic.load"
# pg_advisory_lock(LOCK_CLASS, seed): two loads of one seed wait for each other.
LOCK_CLASS = 0x07A6A1
# After the load, ANALYZE what was not analyzed complete on the way (ANALYZE_PEOPLE,
# ANALYZE_TRUST and the activity's tables are), in two halves side by side.
FINAL_ANALYZE = (
    "ANALYZE connections, household_municipality_periods, events, event_attendances, "
    "certification_changes, audit_log",
    "ANALYZE household_places, share_request_children, thank_yous, municipal_monthly_counts, "
    "household_monthly_activity, municipal_monthly_activity",
)


class SyntheticLoadError(Exception):
    """The load cannot be made (unknown town, an interrupted load of this seed...)."""


@dataclass(frozen=True)
class Summary:
    seed: int
    municipality: str
    households: int
    months: int
    now: datetime
    already_loaded: bool = False
    rows: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def libpq_url(database_url: str) -> str:
    """The app's SQLAlchemy URL (``postgresql+psycopg://``) as psycopg takes it."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def _check(households: int, months: int, seed: int) -> None:
    if not 1 <= households <= MAX_HOUSEHOLDS:
        raise SyntheticLoadError(f"households must be between 1 and {MAX_HOUSEHOLDS:,}")
    if not 1 <= months <= MAX_MONTHS:
        raise SyntheticLoadError(f"months must be between 1 and {MAX_MONTHS}")
    if seed < 0:
        raise SyntheticLoadError("seed must not be negative")


def _loaded(conn: psycopg.Connection[Any], seed: int) -> Summary | None:
    record = conn.execute(
        "SELECT details FROM audit_log WHERE action = %s AND details->>'seed' = %s "
        "ORDER BY created_at LIMIT 1",
        (MARKER, str(seed)),
    ).fetchone()
    if record is not None:
        d = record[0]
        return Summary(
            seed=seed,
            municipality=d["municipality"],
            households=d["households"],
            months=d["months"],
            now=datetime.fromisoformat(d["now"]),
            already_loaded=True,
            rows=d.get("rows", {}),
        )
    started = conn.execute(
        "SELECT 1 FROM users WHERE firebase_uid = %s", (firebase_uid(seed, 0),)
    ).fetchone()
    if started is not None:
        raise SyntheticLoadError(
            f"an incomplete synthetic load of seed {seed} is in this database (its users are "
            f"there, the record of its end is not: it was interrupted). Recreate the database, "
            f"or load another --seed."
        )
    return None


def _town(conn: psycopg.Connection[Any], code: str, seed: int) -> Town:
    known = KNOWN.get(code)
    row = conn.execute(
        "SELECT name_ja, name_en, ST_AsGeoJSON(boundary) FROM municipalities WHERE code = %s",
        (code,),
    ).fetchone()
    if row is not None:
        name_ja, name_en, boundary_json = row
        boundary = Boundary.from_geojson(json.loads(boundary_json))
        if known is not None:
            stations = tuple(s for s in known.stations if boundary.contains(s.lng, s.lat))
        else:
            stations = ()
        if not stations:
            stations = synthetic_stations(boundary, stream(seed, f"stations:{code}"))
        return Town(code, name_ja, name_en, boundary, stations, in_database=True)
    if known is None:
        names = ", ".join(f"{m.code} {m.name_ja}" for m in KNOWN.values())
        raise SyntheticLoadError(
            f"unknown municipality {code}: it is not in the database (create it first: "
            f"POST /v1/municipalities) and the generator has no geography for it "
            f"(it knows {names})"
        )
    boundary = Boundary.from_geojson(known.boundary_geojson())
    return Town(code, known.name_ja, known.name_en, boundary, known.stations, in_database=False)


def _communities(conn: psycopg.Connection[Any], code: str) -> list[ExistingCommunity]:
    rows = conn.execute(
        "SELECT id, name, ST_AsGeoJSON(area) FROM communities WHERE municipality_code = %s "
        "ORDER BY created_at, id",
        (code,),
    ).fetchall()
    return [
        ExistingCommunity(id=i.int, name=name, area=Boundary.from_geojson(json.loads(area)))
        for i, name, area in rows
    ]


def _residents(conn: psycopg.Connection[Any], code: str) -> list[Resident]:
    """Active people with a home in the town who are not of a synthetic load."""
    rows = conn.execute(
        "SELECT u.id, ST_X(u.home::geometry), ST_Y(u.home::geometry), "
        "extract(epoch FROM u.created_at)::bigint FROM users u "
        "JOIN households h ON h.id = u.household_id WHERE h.municipality_code = %s "
        "AND u.status = 'active' AND u.home IS NOT NULL "
        "AND u.firebase_uid NOT LIKE 'synthetic-%%' ORDER BY u.id",
        (code,),
    ).fetchall()
    return [Resident(i.int, lng, lat, joined) for i, lng, lat, joined in rows]


def _policies(conn: psycopg.Connection[Any]) -> list[PolicyTerms]:
    """The latest version of every policy, as ``insurance.coverage.policies_in_force``
    reads them (``policy_in_force`` then picks the one valid on the day)."""
    rows = conn.execute(
        "SELECT DISTINCT ON (id) id, version, name, policy_number, valid_from, valid_to, kinds, "
        "min_child_age, max_child_age, limits FROM insurance_policies ORDER BY id, version DESC"
    ).fetchall()
    return [
        PolicyTerms(
            policy_id=str(i),
            version=v,
            name=name,
            policy_number=number,
            valid_from=start,
            valid_to=end,
            kinds=tuple(kinds),
            min_child_age=low,
            max_child_age=high,
            limits=dict(limits or {}),
        )
        for i, v, name, number, start, end, kinds, low, high, limits in rows
    ]


# A new municipality takes the households already living inside it, as
# communities.attribution.attribute_households_in does when an operator creates one.
ATTRIBUTE = """
WITH homes AS (
    SELECT DISTINCT ON (household_id) household_id, home FROM users
    WHERE status = 'active' AND home IS NOT NULL
    ORDER BY household_id, updated_at DESC, id DESC
), attributed AS (
    UPDATE households h SET municipality_code = %(code)s FROM homes
    WHERE h.id = homes.household_id AND h.municipality_code IS NULL
      AND ST_Covers((SELECT boundary FROM municipalities WHERE code = %(code)s),
                    homes.home::geometry)
    RETURNING 1
)
INSERT INTO audit_log (id, actor_uid, actor_role, action, target_type, target_id,
                       municipality_code, details)
SELECT %(id)s, %(actor)s, 'operator', 'municipality.create', 'municipality', %(code)s,
       %(code)s, jsonb_build_object('name_ja', %(name_ja)s::text, 'name_en', %(name_en)s::text,
                                    'households_attributed', (SELECT count(*) FROM attributed))
"""

# The households' periods in the town start when each household signed up: the trigger
# that opens them can only say "now", and a household's history is what the statistics
# (households registered, month by month) read. The periods of this load are those its
# households jobs opened (at their transactions' now()); the counters follow through the
# periods' own trigger. A transaction of its own: updating rows inserted in the same
# transaction would check their foreign keys again.
BACKDATE = """
UPDATE household_municipality_periods p SET valid_from = h.created_at
FROM households h
WHERE p.household_id = h.id AND p.valid_from = ANY(%(loaded_at)s) AND p.valid_to IS NULL
  AND p.valid_from <> h.created_at
"""
# Fresh statistics for the tables the next steps' triggers and foreign keys read: a
# plan made while they looked empty is slow on a million rows.
ANALYZE_PEOPLE = "ANALYZE households, users, household_places, children"
ANALYZE_TRUST = "ANALYZE communities, community_members, certifications"


def build_synthetic(
    database_url: str,
    *,
    households: int = 3000,
    municipality: str = "111007",
    months: int = 12,
    seed: int = 1,
    now: datetime | None = None,
    progress: Progress | None = None,
    workers: int = 2,
) -> Summary:
    """Load a synthetic town into the database at ``database_url`` (the app's URL or a
    libpq one), or answer that this seed is loaded already. See the package docstring."""
    _check(households, months, seed)
    started = time.perf_counter()
    now = (now or default_now()).astimezone(UTC)
    clock = Clock.of(now, months)
    progress = progress or NoProgress()
    url = libpq_url(database_url)
    with psycopg.connect(url, autocommit=True, options=OPTIONS) as control:
        control.execute("SELECT pg_advisory_lock(%s, %s)", (LOCK_CLASS, seed % 2**31))
        loaded = _loaded(control, seed)
        if loaded is not None:
            return loaded
        town = _town(control, municipality, seed)
        found = Found(
            town=town,
            communities=_communities(control, municipality),
            residents=_residents(control, municipality),
            policies=_policies(control),
        )
        rows = _load(url, seed, found, households, clock, progress, workers)
        _finish(control, seed, town, households, clock, rows)
    return Summary(
        seed, municipality, households, months, now, False, rows, time.perf_counter() - started
    )


@dataclass(frozen=True)
class Found:
    """What the database already holds that the town is built around."""

    town: Town
    communities: list[ExistingCommunity]  # reused where they cover a station
    residents: list[Resident]  # given synthetic acquaintances
    policies: list[PolicyTerms]  # the insurance tags are computed against them


def _load(
    url: str,
    seed: int,
    found: Found,
    households: int,
    clock: Clock,
    progress: Progress,
    workers: int,
) -> dict[str, int]:
    town = found.town
    runner = Runner(url, workers, progress)
    loaded: dict[str, Any] = {}

    def households_loaded(conn: psycopg.Connection[Any]) -> None:
        (at,) = conn.execute("SELECT now()").fetchone() or (None,)
        loaded.setdefault("at", []).append(at)

    def backdate(conn: psycopg.Connection[Any]) -> None:
        conn.execute(BACKDATE, {"loaded_at": loaded["at"]})

    try:
        first: set[str] = set()
        if not town.in_database:
            params = {
                "code": town.code,
                "name_ja": town.name_ja,
                "name_en": town.name_en,
                "id": uuid.UUID(int=uuid4_int(stream(seed, "municipality"))),
                "actor": operator_uid(seed),
            }
            job = Job(
                "municipality", [municipality_table(town)], after=[statement(ATTRIBUTE, params)]
            )
            runner.submit(job)
            first = {"municipality"}
        people = plan_households(seed, town, households, clock)
        tables = Tables(seed, town, people)
        both = halves(people.households)
        homes = {f"households-{n}" for n in range(len(both))}
        for n, part in enumerate(both):
            tables_ = [tables.households(part)]
            runner.submit(Job(f"households-{n}", tables_, first, after=[households_loaded]))
        runner.submit(Job("periods", [], homes, before=[backdate]))
        adults, children = set(), set()
        for n, part in enumerate(both):
            plan_members(seed, people, clock, part)
            tables.planned_users()
            runner.submit(Job(f"users-{n}", [tables.users(part)], homes))
            runner.submit(Job(f"children-{n}", [tables.children(part)], homes))
            adults.add(f"users-{n}")
            children.add(f"children-{n}")
        trust = plan_trust(seed, town, people, found.communities, clock)
        trust_tables = [
            tables.communities(trust),
            tables.certifications(trust),
            tables.certification_changes(trust),
            tables.events(trust),
            tables.attendances(trust),
            tables.audit(trust),
        ]
        runner.submit(Job("trust", trust_tables, adults))
        # Members apart: nothing written next needs them but the activity's statistics.
        runner.submit(Job("members", [tables.members(trust)], adults | {"trust"}))
        graph = plan_graph(seed, people, trust, clock)
        # In parts, so that the activity (one job, planned meanwhile) starts as soon as it is
        # ready rather than after every connection.
        for n, part in enumerate(parts(people.users, 8)):
            job = Job(
                f"connections-{n}", [tables.connections(graph, trust, part)], adults | {"trust"}
            )
            runner.submit(job)
        links = plan_resident_links(seed, town, people, found.residents, clock)
        if links:
            runner.submit(Job("residents", [tables.resident_connections(links)], adults))
        activity = plan_activity(seed, town, people, trust, graph, clock, found.policies)
        activity_tables = [
            tables.requests(activity, trust),
            tables.request_children(activity),
            tables.offers(activity),
            tables.matches(activity),
            tables.thank_yous(activity),
        ]
        analyze = [statement(ANALYZE_PEOPLE), statement(ANALYZE_TRUST)]
        needs = adults | children | {"trust", "members"}
        runner.submit(Job("activity", activity_tables, needs, before=analyze, urgent=True))
        everything = runner.submitted()
        for n, query in enumerate(FINAL_ANALYZE):
            runner.submit(Job(f"analyze-{n}", [], everything, before=[statement(query)]))
        return runner.wait()
    except BaseException as exc:
        runner.abort(exc)
        raise


def _finish(
    conn: psycopg.Connection[Any],
    seed: int,
    town: Town,
    households: int,
    clock: Clock,
    rows: dict[str, int],
) -> None:
    details = {
        "seed": seed,
        "municipality": town.code,
        "households": households,
        "months": clock.months,
        "now": datetime.fromtimestamp(clock.now, UTC).isoformat(),
        "rows": rows,
    }
    conn.execute(
        "INSERT INTO audit_log (id, actor_uid, actor_role, action, target_type, target_id, "
        "municipality_code, details) VALUES (%s, %s, 'operator', %s, 'municipality', %s, %s, %s)",
        (
            uuid.UUID(int=uuid4_int(stream(seed, "marker"))),
            operator_uid(seed),
            MARKER,
            town.code,
            town.code,
            json.dumps(details, ensure_ascii=False),
        ),
    )
