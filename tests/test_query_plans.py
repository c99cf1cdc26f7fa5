"""The matching queries stay index-driven on a realistic town: 10,000 homes in a 20 km box
around Urawa, a 30 % member community, a few connections and certified supporters, and
5,000 requests of which a fifth are still open. Built with set-based SQL inside the
test's transaction (rolled back after), then ANALYZEd, then EXPLAINed (no ANALYZE of
the plan: the estimates are what the planner chose from).

Run with ``-s`` to see the plans' outlines."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import text

from otagai.domain.matching.candidates import Query, candidates_query
from otagai.domain.matching.feed import feed_query
from otagai.domain.matching.friends_of_friends import friend_of_friend_query
from otagai.extensions.geo import latlng_of
from tests.factories import (
    URAWA,
    CommunityFactory,
    CommunityMemberFactory,
    ShareRequestFactory,
    UserFactory,
)

USERS = 10_000
REQUESTS = 5_000
BOX_DEG_LAT, BOX_DEG_LNG = 0.18, 0.222  # 20 km x 20 km at 35.86° N

TABLES = (
    "households", "users", "community_members", "connections", "certifications",
    "share_requests", "offers", "matches", "blocks", "match_no_shows",
)  # fmt: skip


def _sql(db, statement: str, **params: Any) -> Any:
    return db.execute(text(statement), params)


@pytest.fixture
def town(db) -> SimpleNamespace:
    community = CommunityFactory()
    requester = UserFactory()
    CommunityMemberFactory(community=community, user=requester)
    db.flush()
    _sql(db, "SELECT setseed(0.42)")
    _sql(
        db,
        """
        WITH h AS (
            INSERT INTO households (id) SELECT gen_random_uuid() FROM generate_series(1, :n)
            RETURNING id
        )
        INSERT INTO users (id, firebase_uid, display_name, household_id, home)
        SELECT gen_random_uuid(), 'plan-' || h.id, 'plan', h.id,
               ST_SetSRID(ST_MakePoint(:lng + (random() - 0.5) * :dlng,
                                       :lat + (random() - 0.5) * :dlat), 4326)::geography
        FROM h
        """,
        n=USERS, lat=URAWA.lat, lng=URAWA.lng, dlat=BOX_DEG_LAT, dlng=BOX_DEG_LNG,
    )  # fmt: skip
    params = {"c": community.id, "r": requester.id}
    _sql(
        db,
        "INSERT INTO community_members (community_id, user_id) "
        "SELECT :c, id FROM users WHERE id <> :r AND random() < 0.3",
        **params,
    )
    _sql(
        db,
        "INSERT INTO connections (user_low_id, user_high_id) "
        "SELECT least(:r, id), greatest(:r, id) FROM "
        "(SELECT id FROM users WHERE id <> :r ORDER BY random() LIMIT 50) s",
        **params,
    )
    _sql(
        db,
        "INSERT INTO certifications (id, community_id, user_id, kinds, trained_on, "
        "expires_on, granted_by_id, granted_at) "
        "SELECT gen_random_uuid(), :c, id, ARRAY['pickup', 'babysitting', 'lending'], "
        "current_date - 30, current_date + 300, :r, now() - interval '2 days' FROM "
        "(SELECT user_id AS id FROM community_members WHERE community_id = :c "
        " AND user_id <> :r ORDER BY random() LIMIT 100) s",
        **params,
    )
    # Requests accumulate: most are history; the open fifth starts within two weeks.
    _sql(
        db,
        """
        INSERT INTO share_requests (id, requester_id, household_id, community_id, kind, title,
            starts_at, ends_at, location, audience, radius_m, status)
        SELECT gen_random_uuid(), u.id, u.household_id, :c, k.kind, 'plan', s.at,
               s.at + interval '90 minutes',
               ST_SetSRID(ST_MakePoint(:lng + (random() - 0.5) * 3 * :dlng,
                                       :lat + (random() - 0.5) * 3 * :dlat), 4326)::geography,
               'community', CASE k.kind WHEN 'lending' THEN 5000 ELSE 2000 END, s.status
        FROM (SELECT id, household_id, row_number() OVER () AS n
              FROM users ORDER BY random() LIMIT :m) u
        CROSS JOIN LATERAL (SELECT (ARRAY['pickup', 'babysitting', 'lending'])[1 + u.n % 3]
                            AS kind) k
        CROSS JOIN LATERAL (
            SELECT CASE WHEN u.n % 5 = 0 THEN now() + (u.n % 14 + 1) * interval '1 day'
                        ELSE now() - (u.n % 300 + 1) * interval '1 day' END AS at,
                   CASE WHEN u.n % 5 = 0 THEN 'open'
                        ELSE (ARRAY['completed', 'expired', 'cancelled'])[1 + u.n % 3]
                   END AS status
        ) s
        """,
        m=REQUESTS, lat=URAWA.lat, lng=URAWA.lng, dlat=BOX_DEG_LAT, dlng=BOX_DEG_LNG, **params,
    )  # fmt: skip
    # Two thousand of the past requests were matched (to a random certified supporter) and
    # a no-show recorded on each: ranking counts them per candidate.
    _sql(
        db,
        """
        WITH past AS (
            SELECT r.id, r.requester_id, r.household_id, r.kind, r.starts_at, r.ends_at,
                   (SELECT user_id FROM certifications c
                    WHERE c.community_id = :c AND r.id IS NOT NULL
                    ORDER BY random() LIMIT 1) AS supporter_id
            FROM share_requests r WHERE r.status = 'completed' AND r.requester_id <> :r
            LIMIT 2000
        ), o AS (
            INSERT INTO offers (id, request_id, supporter_id, status)
            SELECT gen_random_uuid(), id, supporter_id, 'accepted' FROM past
            RETURNING id, request_id
        ), m AS (
            INSERT INTO matches (id, request_id, offer_id, requester_id, requester_household_id,
                supporter_id, starts_at, ends_at, status, insurance, kind, insured)
            SELECT gen_random_uuid(), p.id, o.id, p.requester_id, p.household_id,
                   p.supporter_id, p.starts_at, p.ends_at, 'cancelled', '{}', p.kind, false
            FROM past p JOIN o ON o.request_id = p.id
            RETURNING id, requester_id, supporter_id, starts_at
        )
        INSERT INTO match_no_shows (id, match_id, reported_by_id, reported_by_role, absent_id,
            absent_role, reason, at)
        SELECT gen_random_uuid(), id, requester_id, 'requester', supporter_id, 'supporter',
               'plan', starts_at + interval '1 hour'
        FROM m
        """,
        **params,
    )  # fmt: skip
    for table in TABLES:
        _sql(db, f"ANALYZE {table}")
    supporter_id = _sql(
        db,
        "SELECT user_id FROM certifications WHERE community_id = :c ORDER BY user_id LIMIT 1",
        c=community.id,
    ).scalar_one()
    return SimpleNamespace(community=community, requester=requester, supporter_id=supporter_id)


def _explain(db, query: Any) -> dict[str, Any]:
    compiled = query.statement.compile(dialect=db.bind.dialect)
    raw = db.connection().exec_driver_sql(
        "EXPLAIN (FORMAT JSON) " + compiled.string, compiled.construct_params(query.params)
    )
    plan = raw.scalar_one()
    return (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _scans(plan: dict[str, Any], table: str) -> list[tuple[str, str | None]]:
    """(node type, index) of every scan of ``table`` in the plan; a bitmap heap scan is
    listed with the index of each of its bitmap index scans."""
    scans: list[tuple[str, str | None]] = []
    for node in _nodes(plan):
        if node.get("Relation Name") != table:
            continue
        if node["Node Type"] == "Bitmap Heap Scan":
            bitmaps = [n for n in _nodes(node) if n["Node Type"] == "Bitmap Index Scan"]
            scans += [(node["Node Type"], n["Index Name"]) for n in bitmaps]
        else:
            scans.append((node["Node Type"], node.get("Index Name")))
    return scans


def _outline(plan: dict[str, Any], depth: int = 0) -> str:
    line = "  " * depth + plan["Node Type"]
    if "Relation Name" in plan:
        line += f" on {plan['Relation Name']}"
    if "Index Name" in plan:
        line += f" using {plan['Index Name']}"
    return "\n".join([line, *(_outline(p, depth + 1) for p in plan.get("Plans", []))])


def _index_scans(scans: list[tuple[str, str | None]]) -> set[str]:
    return {index for _, index in scans if index is not None}


def _assert_no_shows_probed(plan: dict[str, Any]) -> None:
    """Repeated no-shows (ranking): an index probe of (person, time) per candidate, which
    stops at the N-th row (a Limit), never a scan of every no-show."""
    scans = _scans(plan, "match_no_shows")
    assert scans and {index for _, index in scans} == {"ix_match_no_shows_absent_at"}, scans
    probes = [
        node
        for node in _nodes(plan)
        if node["Node Type"] == "Limit"
        and any(c.get("Relation Name") == "match_no_shows" for c in node.get("Plans", []))
    ]
    assert len(probes) == len(scans), "every probe of match_no_shows stops at a Limit"


def test_candidates_for_a_pickup_read_users_by_index_only(db, town):
    request = ShareRequestFactory(requester=town.requester, community=town.community)
    plan = _explain(db, candidates_query(request))
    print("\npickup/community candidates:\n" + _outline(plan))
    scans = _scans(plan, "users")
    assert scans and not [s for s in scans if s[0] == "Seq Scan"], scans
    # Driven from the small side: the trusted few, then their rows by primary key.
    assert _index_scans(scans) == {"pk_users"}, scans
    _assert_no_shows_probed(plan)


def test_babysitting_candidates_where_checks_are_required_stay_on_indexes(db, town):
    """The background-check rule reads the certification rows already found: the plan
    is the pickup's, no scan of users, certifications only by index."""
    town.community.require_background_check_for_babysitting = True
    request = ShareRequestFactory(
        requester=town.requester, community=town.community, kind="babysitting"
    )
    plan = _explain(db, candidates_query(request))
    print("\nbabysitting candidates, checks required:\n" + _outline(plan))
    scans = _scans(plan, "users")
    assert scans and _index_scans(scans) == {"pk_users"}, scans
    # The setting: the community by primary key, once per query (an InitPlan), not once
    # per certification.
    reads = [n for n in _nodes(plan) if n.get("Relation Name") == "communities"]
    assert reads, _outline(plan)
    assert all(n.get("Index Name") == "pk_communities" for n in reads), reads
    assert all(n.get("Parent Relationship") == "InitPlan" for n in reads), reads


def test_candidates_for_lending_to_members_take_nearest_homes_by_knn(db, town):
    request = ShareRequestFactory(
        requester=town.requester, community=town.community, kind="lending"
    )
    plan = _explain(db, candidates_query(request))
    print("\nlending/any-member candidates:\n" + _outline(plan))
    scans = _scans(plan, "users")
    assert not [s for s in scans if s[0] == "Seq Scan"], scans
    knn = [
        node
        for node in _nodes(plan)
        if node.get("Index Name") == "idx_users_public_home" and "Order By" in node
    ]
    assert knn, "expected a KNN (ORDER BY <->) index scan of idx_users_public_home"
    assert "pk_users" in _index_scans(scans), scans
    _assert_no_shows_probed(plan)


def test_feed_reads_open_requests_through_the_partial_gist_index(db, town):
    home, public_home, household_id = _sql(
        db, "SELECT home, public_home, household_id FROM users WHERE id = :id",
        id=town.supporter_id,
    ).one()  # fmt: skip
    query = feed_query(
        town.supporter_id, household_id, latlng_of(home), latlng_of(public_home), limit=21
    )
    plan = _explain(db, query)
    print("\nfeed:\n" + _outline(plan))
    scans = _scans(plan, "share_requests")
    assert not [s for s in scans if s[0] == "Seq Scan"], scans
    assert "ix_share_requests_open_reach" in _index_scans(scans), scans
    assert not [s for s in _scans(plan, "users") if s[0] == "Seq Scan"]
    # The background-check setting: the request's community by primary key, if at all.
    assert not [s for s in _scans(plan, "communities") if s[0] == "Seq Scan"]


@pytest.mark.usefixtures("app_context")
def test_widening_candidates_on_the_last_rungs_start_from_the_requesters_connections(db, town):
    """Friends of friends (and neighbouring communities' supporters) without a scan of
    users or of connections: the requester's connections by index, then theirs."""
    _sql(
        db,
        "INSERT INTO connections (user_low_id, user_high_id) "
        "SELECT DISTINCT least(f.id, o.id), greatest(f.id, o.id) FROM "
        "(SELECT CASE WHEN user_low_id = :r THEN user_high_id ELSE user_low_id END AS id "
        " FROM connections WHERE :r IN (user_low_id, user_high_id)) f "
        "CROSS JOIN LATERAL (SELECT id FROM users WHERE id <> f.id AND id <> :r "
        " ORDER BY random() LIMIT 4) o ON CONFLICT DO NOTHING",
        r=town.requester.id,
    )
    _sql(db, "ANALYZE connections")
    # At 10,000 users (and a few hundred connections) the planner rightly reads these
    # small tables whole; asked to avoid that, it must find an index path for every
    # table, as it takes on its own at a million households.
    _sql(db, "SET LOCAL enable_seqscan = off")
    fof = _explain(db, Query(friend_of_friend_query(town.requester.id), {}))
    print("\nfriends of friends:\n" + _outline(fof))
    for table in ("users", "connections", "blocks"):
        scans = _scans(fof, table)
        assert scans and not [s for s in scans if s[0] == "Seq Scan"], (table, scans)
    # The search itself takes them as a bound array: it reads the requester's own
    # connections once and never joins connections again.
    request = ShareRequestFactory(
        requester=town.requester, community=town.community, audience="widening", rung=3
    )
    plan = _explain(db, candidates_query(request))
    print("\nwidening candidates, neighbouring rung:\n" + _outline(plan))
    reads = [n for n in _nodes(plan) if n.get("Relation Name") == "connections"]
    assert len(reads) == 1, _outline(plan)
    assert any(node["Node Type"] == "Function Scan" for node in _nodes(plan))
    for table in ("users", "connections", "blocks"):
        scans = _scans(plan, table)
        assert not [s for s in scans if s[0] == "Seq Scan"], (table, _outline(plan))
