"""The synthetic town's people, places and ties: counts, children, homes, communities,
certified supporters and the acquaintance graph."""

from __future__ import annotations

import math
import statistics
from collections import Counter
from datetime import date

from otagai.domain.people.ages import age_on
from otagai.seeding.synthetic.geography import Boundary
from otagai.seeding.synthetic.stations import KNOWN
from tests.synthetic.conftest import CODE, HOUSEHOLDS, MONTHS, SEED

SYNTHETIC_USERS = "firebase_uid LIKE 'synthetic-' || :seed || '-%'"


def _today(town) -> date:
    return town.value("SELECT (now() AT TIME ZONE 'Asia/Tokyo')::date")


def test_build_synthetic_writes_the_rows_its_summary_reports(synthetic_town):
    rows = synthetic_town.summary.rows
    assert rows["households"] == HOUSEHOLDS
    for table, count in rows.items():
        if table == "audit_log":
            # Besides: the municipality's creation and the record of the load.
            count += 2
        assert synthetic_town.value(f"SELECT count(*) FROM {table}") == count, table
    assert 1.25 * HOUSEHOLDS <= rows["users"] <= 1.45 * HOUSEHOLDS
    assert 1.8 * HOUSEHOLDS <= rows["children"] <= 2.2 * HOUSEHOLDS


def test_households_have_one_or_two_adults_about_a_third_two(synthetic_town):
    sizes = Counter(
        n for (n,) in synthetic_town.rows("SELECT count(*) FROM users GROUP BY household_id")
    )
    assert set(sizes) == {1, 2}
    assert 0.28 <= sizes[2] / HOUSEHOLDS <= 0.40
    uids = synthetic_town.value(f"SELECT count(*) FROM users WHERE {SYNTHETIC_USERS}", seed=SEED)
    assert uids == synthetic_town.summary.rows["users"]


def test_households_have_one_to_three_children_of_plausible_ages(synthetic_town):
    today = _today(synthetic_town)
    per_household = synthetic_town.rows(
        "SELECT h.id, array_agg(c.birth_date) FROM households h "
        "JOIN children c ON c.household_id = h.id GROUP BY h.id"
    )
    assert len(per_household) == HOUSEHOLDS
    ages = []
    for _household, births in per_household:
        assert 1 <= len(births) <= 3
        ages += [age_on(b, today) for b in births]
    assert min(ages) >= 0 and max(ages) <= 17
    preschool = sum(a <= 5 for a in ages) / len(ages)
    assert 0.35 <= preschool <= 0.65, preschool
    assert sum(a <= 12 for a in ages) / len(ages) >= 0.9
    # Some notes, most children without.
    notes = synthetic_town.value("SELECT avg((notes IS NOT NULL)::int) FROM children")
    assert 0.1 <= notes <= 0.4


def test_homes_lie_inside_the_boundary_and_households_are_attributed(synthetic_town):
    outside = synthetic_town.value(
        "SELECT count(*) FROM users u JOIN households h ON h.id = u.household_id "
        "JOIN municipalities m ON m.code = :code "
        "WHERE NOT ST_Covers(m.boundary, u.home::geometry) OR h.municipality_code <> :code",
        code=CODE,
    )
    assert outside == 0
    # Every home got its public point from the database, 150-300 m away.
    offsets = synthetic_town.rows(
        "SELECT min(ST_Distance(home, public_home)), max(ST_Distance(home, public_home)), "
        "count(*) FILTER (WHERE public_home IS NULL) FROM users"
    )[0]
    assert offsets[0] >= 149 and offsets[1] <= 301 and offsets[2] == 0


def test_homes_cluster_around_stations_dense_and_sparse(synthetic_town):
    """Per 1 km square cell of the town: the densest holds many times the median."""
    boundary = Boundary.from_geojson(KNOWN[CODE].boundary_geojson())
    plane = boundary.plane()
    cells: Counter[tuple[int, int]] = Counter()
    for lng, lat in synthetic_town.rows(
        "SELECT DISTINCT ST_X(home::geometry), ST_Y(home::geometry) FROM users"
    ):
        x, y = plane.xy(lng, lat)
        cells[(math.floor(x / 1000), math.floor(y / 1000))] += 1
    (x0, y0), (x1, y1) = (
        plane.xy(boundary.min_lng, boundary.min_lat),
        plane.xy(boundary.max_lng, boundary.max_lat),
    )
    inside = [
        (cx, cy)
        for cx in range(math.floor(x0 / 1000), math.ceil(x1 / 1000))
        for cy in range(math.floor(y0 / 1000), math.ceil(y1 / 1000))
        if boundary.contains(*plane.lnglat((cx + 0.5) * 1000, (cy + 0.5) * 1000))
    ]
    counts = sorted(cells.get(cell, 0) for cell in inside)
    median, densest = statistics.median(counts), counts[-1]
    assert densest >= 8 * max(median, 1), (densest, median)
    assert sum(c == 0 for c in counts) / len(counts) >= 0.15  # sparse parts


def test_households_registered_grows_from_their_sign_up_months(synthetic_town):
    """The periods the trigger opened were dated back to each household's sign-up."""
    mismatched = synthetic_town.value(
        "SELECT count(*) FROM household_municipality_periods p "
        "JOIN households h ON h.id = p.household_id WHERE p.valid_from <> h.created_at"
    )
    assert mismatched == 0
    months = synthetic_town.rows(
        "SELECT month, value FROM municipal_monthly_counts WHERE municipality_code = :code "
        "AND metric = 'households_registered' ORDER BY month",
        code=CODE,
    )
    assert sum(v for _, v in months) == HOUSEHOLDS
    assert len(months) >= 12  # signed up over two years and more


def test_communities_lie_inside_the_town_with_30_to_60_percent_members(synthetic_town):
    communities = synthetic_town.rows(
        "SELECT c.id, ST_CoveredBy(c.area, m.boundary), "
        "count(cm.user_id) FILTER (WHERE cm.role = 'coordinator'), "
        "count(DISTINCT u.household_id) "
        "FROM communities c JOIN municipalities m ON m.code = c.municipality_code "
        "LEFT JOIN community_members cm ON cm.community_id = c.id "
        "LEFT JOIN users u ON u.id = cm.user_id GROUP BY c.id, m.boundary"
    )
    assert len(communities) >= 10
    assert all(inside for _, inside, _, _ in communities)
    assert all(1 <= coordinators <= 2 for _, _, coordinators, members in communities if members)
    member_households = sum(members for *_, members in communities)
    assert 0.3 <= member_households / HOUSEHOLDS <= 0.6


def test_about_half_a_percent_of_adults_are_certified_today_with_history(synthetic_town):
    users = synthetic_town.summary.rows["users"]
    valid = synthetic_town.value(
        "SELECT count(DISTINCT user_id) FROM certifications WHERE "
        "(granted_at AT TIME ZONE 'Asia/Tokyo')::date <= (now() AT TIME ZONE 'Asia/Tokyo')::date "
        "AND expires_on >= (now() AT TIME ZONE 'Asia/Tokyo')::date AND revoked_at IS NULL"
    )
    assert 0.002 <= valid / users <= 0.009, valid
    history = synthetic_town.rows(
        "SELECT c.revoked_at IS NOT NULL, "
        "count(*) FILTER (WHERE ch.action = 'granted'), "
        "count(*) FILTER (WHERE ch.action = 'revoked') "
        "FROM certifications c JOIN certification_changes ch ON ch.certification_id = c.id "
        "GROUP BY c.id"
    )
    assert all(granted == 1 and revoked == int(was) for was, granted, revoked in history)
    # Granted by a coordinator of the community, not by themselves.
    wrong = synthetic_town.value(
        "SELECT count(*) FROM certifications c LEFT JOIN community_members cm "
        "ON cm.community_id = c.community_id AND cm.user_id = c.granted_by_id "
        "AND cm.role = 'coordinator' WHERE cm.user_id IS NULL OR c.granted_by_id = c.user_id"
    )
    assert wrong == 0


def test_connections_form_a_small_world_of_mostly_local_links(synthetic_town):
    degrees = sorted(
        d
        for (d,) in synthetic_town.rows(
            "SELECT count(c.user_low_id) FROM users u LEFT JOIN connections c "
            "ON u.id IN (c.user_low_id, c.user_high_id) GROUP BY u.id"
        )
    )
    mean = sum(degrees) / len(degrees)
    assert degrees[0] >= 1
    assert 5 <= statistics.median(degrees) <= 14
    assert 20 <= degrees[-1] <= 80
    assert 7 <= mean <= 12
    lengths = sorted(
        d
        for (d,) in synthetic_town.rows(
            "SELECT ST_Distance(a.home, b.home) FROM connections c "
            "JOIN users a ON a.id = c.user_low_id JOIN users b ON b.id = c.user_high_id"
        )
    )
    assert statistics.median(lengths) < 1500
    assert 0.03 <= sum(d > 3000 for d in lengths) / len(lengths) <= 0.3  # the long links
    same_household = synthetic_town.value(
        "SELECT count(*) FROM connections c JOIN users a ON a.id = c.user_low_id "
        "JOIN users b ON b.id = c.user_high_id WHERE a.household_id = b.household_id"
    )
    assert same_household == 0


def test_connections_made_at_events_join_two_of_their_attendees_after_it(synthetic_town):
    made = synthetic_town.rows(
        "SELECT c.created_at >= e.starts_at, "
        "EXISTS (SELECT 1 FROM event_attendances a WHERE a.event_id = e.id "
        "AND a.user_id = c.user_low_id), "
        "EXISTS (SELECT 1 FROM event_attendances a WHERE a.event_id = e.id "
        "AND a.user_id = c.user_high_id) "
        "FROM connections c JOIN events e ON e.id = c.event_id"
    )
    assert made and all(all(row) for row in made)


def test_events_are_held_most_months_with_members_attending(synthetic_town):
    per_month = synthetic_town.rows(
        "SELECT date_trunc('month', e.starts_at AT TIME ZONE 'Asia/Tokyo'), count(DISTINCT e.id), "
        "count(a.user_id) FROM events e LEFT JOIN event_attendances a ON a.event_id = e.id "
        "WHERE e.starts_at < now() GROUP BY 1"
    )
    assert len(per_month) >= MONTHS - 1  # the current month may not have had one yet
    outsiders = synthetic_town.value(
        "SELECT count(*) FROM event_attendances a JOIN events e ON e.id = a.event_id "
        "LEFT JOIN community_members cm ON cm.community_id = e.community_id "
        "AND cm.user_id = a.user_id WHERE cm.user_id IS NULL OR cm.joined_at > e.starts_at"
    )
    assert outsiders == 0
    upcoming = synthetic_town.value("SELECT count(*) FROM events WHERE starts_at > now()")
    assert upcoming > 0


def test_coordinator_actions_are_in_the_audit_log(synthetic_town):
    actions = dict(synthetic_town.rows("SELECT action, count(*) FROM audit_log GROUP BY action"))
    rows = synthetic_town.summary.rows
    assert actions["event.create"] == rows["events"]
    assert actions["event.attendance"] == rows["event_attendances"]
    assert actions["certification.grant"] == rows["certifications"]
    assert actions["synthetic.load"] == 1
