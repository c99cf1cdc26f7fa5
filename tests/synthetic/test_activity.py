"""The synthetic town's months of activity: the pickup peak, the lifecycle rules, the
thank-yous and insurance tags, and what the app's own statistics and candidate search make
of it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from otagai.domain.matching.candidates import find_candidates
from otagai.domain.requests.models import ShareRequest
from otagai.domain.statistics.months import Month
from otagai.domain.statistics.service import municipal_statistics
from otagai.extensions.db import session
from tests.synthetic.conftest import CODE, MONTHS

TOKYO_MINUTES = (
    "(extract(hour FROM r.starts_at AT TIME ZONE 'Asia/Tokyo') * 60 "
    "+ extract(minute FROM r.starts_at AT TIME ZONE 'Asia/Tokyo'))::int"
)
# Pickups whose children are all of nursery age (0-5) on the day.
NURSERY_PICKUPS = (
    "SELECT r.id FROM share_requests r WHERE r.kind = 'pickup' AND NOT EXISTS ("
    "SELECT 1 FROM share_request_children sc JOIN children c ON c.id = sc.child_id "
    "WHERE sc.request_id = r.id AND date_part('year', age((r.starts_at AT TIME ZONE "
    "'Asia/Tokyo')::date, c.birth_date)) > 5)"
)


def test_nursery_pickups_peak_between_1730_and_1800_tokyo_time(synthetic_town):
    minutes = [
        m
        for (m,) in synthetic_town.rows(
            f"SELECT {TOKYO_MINUTES} FROM share_requests r WHERE r.id IN ({NURSERY_PICKUPS})"
        )
    ]
    assert len(minutes) >= 15  # the share is imposed exactly: within 1/(2n)
    peak = sum(17 * 60 + 30 <= m < 18 * 60 for m in minutes) / len(minutes)
    assert abs(peak - 0.317) <= 0.03, (peak, len(minutes))
    # The rest spread over the day (the morning drop-off, the afternoon, the evening).
    assert len({m // 60 for m in minutes}) >= 4


def test_pickups_fall_mostly_on_weekdays_and_lending_spans_days(synthetic_town):
    weekday = synthetic_town.value(
        "SELECT avg((extract(isodow FROM starts_at AT TIME ZONE 'Asia/Tokyo') < 6)::int) "
        "FROM share_requests WHERE kind = 'pickup'"
    )
    assert weekday >= 0.85
    spans = synthetic_town.rows(
        "SELECT kind, min(ends_at - starts_at), max(ends_at - starts_at) FROM share_requests "
        "GROUP BY kind"
    )
    by_kind = {kind: (low, high) for kind, low, high in spans}
    assert by_kind["lending"][0].days >= 1 and by_kind["lending"][1].days <= 30
    assert by_kind["pickup"][1].total_seconds() <= 12 * 3600
    assert by_kind["babysitting"][1].total_seconds() <= 12 * 3600


def test_matched_requests_have_one_match_of_their_accepted_offer(synthetic_town):
    bad = synthetic_town.rows(
        "SELECT r.id, r.status FROM share_requests r LEFT JOIN matches m ON m.request_id = r.id "
        "LEFT JOIN offers o ON o.id = m.offer_id "
        "WHERE (r.status IN ('matched', 'completed') AND (m.id IS NULL OR o.status <> 'accepted' "
        "       OR o.request_id <> r.id)) "
        "   OR ((m.id IS NULL) <> (r.matched_at IS NULL)) "
        "   OR (m.id IS NOT NULL AND (r.matched_at <> m.created_at OR o.decided_at <> m.created_at "
        "       OR m.kind <> r.kind OR m.starts_at <> r.starts_at OR m.ends_at <> r.ends_at "
        "       OR m.requester_id <> r.requester_id OR m.supporter_id <> o.supporter_id "
        "       OR m.insured <> (m.insurance->>'covered')::boolean)) "
        "   OR (r.status IN ('open', 'expired') AND m.id IS NOT NULL) "
        "   OR (r.status = 'completed') <> (m.status IS NOT DISTINCT FROM 'completed')"
    )
    assert bad == []
    # Accepted offers are exactly the matched ones; the others were decided with the match.
    accepted = synthetic_town.value(
        "SELECT count(*) FROM offers o LEFT JOIN matches m ON m.offer_id = o.id "
        "WHERE (o.status = 'accepted') <> (m.id IS NOT NULL)"
    )
    assert accepted == 0
    undecided = synthetic_town.value(
        "SELECT count(*) FROM offers o JOIN share_requests r ON r.id = o.request_id "
        "WHERE o.status = 'pending' AND (r.status <> 'open' OR r.starts_at <= now())"
    )
    assert undecided == 0


def test_cancelled_requests_carry_their_reason_and_no_live_match(synthetic_town):
    bad = synthetic_town.rows(
        "SELECT r.id FROM share_requests r LEFT JOIN matches m ON m.request_id = r.id "
        "WHERE r.status = 'cancelled' AND (r.cancelled_at IS NULL OR r.cancel_reason IS NULL "
        "OR (m.id IS NOT NULL AND (m.status <> 'cancelled' OR m.cancelled_at <> r.cancelled_at "
        "OR m.cancelled_by_id NOT IN (m.requester_id, m.supporter_id))))"
    )
    assert bad == []
    # A request cancelled before anybody was chosen has no accepted offer.
    accepted = synthetic_town.value(
        "SELECT count(*) FROM share_requests r JOIN offers o ON o.request_id = r.id "
        "WHERE r.status = 'cancelled' AND r.matched_at IS NULL AND o.status = 'accepted'"
    )
    assert accepted == 0
    counts = dict(synthetic_town.rows("SELECT status, count(*) FROM matches GROUP BY status"))
    assert 0.01 <= counts["cancelled"] / sum(counts.values()) <= 0.12


def test_everything_happens_in_order_and_in_the_past(synthetic_town):
    bad = synthetic_town.rows(
        "SELECT r.id FROM share_requests r LEFT JOIN offers o ON o.request_id = r.id "
        "LEFT JOIN matches m ON m.request_id = r.id LEFT JOIN thank_yous t ON t.match_id = m.id "
        "WHERE r.created_at >= r.starts_at OR r.created_at > now() "
        "OR o.created_at <= r.created_at OR o.created_at >= r.starts_at "
        "OR o.decided_at < o.created_at "
        "OR m.created_at > r.starts_at OR m.completed_at < r.ends_at OR m.completed_at > now() "
        "OR t.created_at < m.completed_at OR t.created_at > now() OR t.acknowledged_at > now()"
    )
    assert bad == []
    early = synthetic_town.value(
        "SELECT count(*) FROM share_requests r JOIN users u ON u.id = r.requester_id "
        "JOIN community_members cm ON cm.user_id = u.id AND cm.community_id = r.community_id "
        "WHERE r.created_at < cm.joined_at"
    )
    assert early == 0


def test_no_supporter_was_chosen_while_busy_with_another_match(synthetic_town):
    """Rule 5: when a match was made, its supporter had no live match (either side)
    overlapping it. (A busy parent may still ask for help: the later match of two that
    overlap is one where that person is the requester.)"""
    overlaps = synthetic_town.value(
        "WITH live AS (SELECT id, created_at, supporter_id AS person, 'supporter' AS side, "
        "starts_at, ends_at FROM matches WHERE status <> 'cancelled' UNION ALL "
        "SELECT id, created_at, requester_id, 'requester', starts_at, ends_at FROM matches "
        "WHERE status <> 'cancelled') "
        "SELECT count(*) FROM live a JOIN live b ON a.person = b.person AND a.id <> b.id "
        "AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at "
        "AND b.created_at > a.created_at AND b.side = 'supporter'"
    )
    assert overlaps == 0
    own = synthetic_town.value(
        "SELECT count(*) FROM offers o JOIN share_requests r ON r.id = o.request_id "
        "JOIN users u ON u.id = o.supporter_id WHERE u.household_id = r.household_id"
    )
    assert own == 0


def test_most_pickups_and_babysittings_of_the_past_are_matched(synthetic_town):
    rate = synthetic_town.value(
        "SELECT avg((matched_at IS NOT NULL)::int) FROM share_requests "
        "WHERE kind IN ('pickup', 'babysitting') AND starts_at < now()"
    )
    assert 0.7 <= rate <= 0.93, rate
    expired = synthetic_town.value(
        "SELECT count(*) FROM share_requests WHERE status = 'expired' AND starts_at > now()"
    )
    assert expired == 0


def test_thank_yous_follow_completed_matches_at_the_recommended_rates(synthetic_town):
    rows = synthetic_town.rows(
        "SELECT m.status, t.kind, t.method, t.status, t.amount_jpy, "
        "ceil(extract(epoch FROM m.ends_at - m.starts_at) / 3600)::int, "
        "t.municipality_code, t.kind = m.kind "
        "FROM thank_yous t JOIN matches m ON m.id = t.match_id"
    )
    completed = synthetic_town.value("SELECT count(*) FROM matches WHERE status = 'completed'")
    assert 0.5 * completed <= len(rows) <= completed
    hourly = []
    for match_status, kind, method, status, amount, hours, town, same_kind in rows:
        assert match_status == "completed" and method == "cash" and town == CODE and same_kind
        assert status in ("recorded", "acknowledged")
        if kind == "lending":
            assert 0 <= amount <= 100_000
        else:
            assert 500 * hours <= amount <= 1000 * hours
            hourly.append(500 * hours <= amount <= 700 * hours)
    assert sum(hourly) / len(hourly) >= 0.85


def test_matches_carry_the_insurance_tag_as_the_app_writes_it(synthetic_town):
    tags = [t for (t,) in synthetic_town.rows("SELECT insurance FROM matches")]
    keys = {"covered", "policy_id", "policy_version", "policy_name", "policy_number", "kinds",
            "limits", "computed_at", "children", "reasons"}  # fmt: skip
    assert tags and all(set(t) == keys for t in tags)
    # No policy in this database: nothing is covered, for that reason.
    assert all(t["reasons"] == ["no_active_policy"] and not t["covered"] for t in tags)
    with_children = synthetic_town.value(
        "SELECT count(*) FROM matches m WHERE jsonb_array_length(m.insurance->'children') = "
        "(SELECT count(*) FROM share_request_children sc WHERE sc.request_id = m.request_id)"
    )
    assert with_children == len(tags)


def test_statistics_service_reports_the_towns_months(synthetic_town, synthetic_app):
    last = Month.of(synthetic_town.summary.now)
    first = last.plus(-(MONTHS - 1))
    with synthetic_app.app_context():
        report = municipal_statistics(CODE, first, last)
    months = report["months"]
    assert len(months) == MONTHS
    for month in months:
        total = month["total"]
        assert total["requests_posted"], month["month"]
        assert total["households_registered"], month["month"]
        assert total["households_active"], month["month"]
        assert total["events_held"], month["month"]
    full = [m["total"] for m in months[:-1]]
    assert all(t["resolution_rate"] is not None for t in full)
    posted = sum(t["requests_posted"] for t in full)
    matched = sum(t["requests_matched"] for t in full)
    assert 0.65 <= matched / posted <= 0.95
    registered = [m["total"]["households_registered"] for m in months]
    assert registered == sorted(registered) and registered[0] < registered[-1]
    assert any(t["thank_you_total_jpy"] for t in full)


def test_candidate_search_finds_the_offerers_of_open_pickups(synthetic_town, synthetic_app):
    now = datetime.now(UTC)
    with synthetic_app.app_context():
        requests = session.scalars(
            select(ShareRequest)
            .where(ShareRequest.status == "open", ShareRequest.starts_at > now)
            .order_by(ShareRequest.starts_at)
        ).all()
        pickups = [r for r in requests if r.kind == "pickup"]
        assert pickups
        found_some = False
        for request in pickups:
            offerers = {
                o
                for (o,) in synthetic_town.rows(
                    "SELECT supporter_id FROM offers WHERE request_id = :r AND status = 'pending'",
                    r=request.id,
                )
            }
            found = {c.user_id for c in find_candidates(request)}
            # Whoever offered is a candidate by the app's own query (public points and
            # all), so the requester could accept them through the API.
            assert offerers <= found, request.id
            found_some = found_some or bool(found)
        assert found_some
        session.remove()
