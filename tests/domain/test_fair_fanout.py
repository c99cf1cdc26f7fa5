"""Fair fan-out (docs/fair-fan-out.md) over a simulated month: new-request pushes spread
over a community's equal supporters, nobody gets more than the daily cap, and the
better tier still comes first."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import Counter

import pytest
from sqlalchemy import select, text

from otagai.domain import outbox
from otagai.domain.clock import TOKYO
from otagai.domain.notifications import fairness
from otagai.domain.notifications.fanout import fan_out
from otagai.domain.notifications.models import Notification, NotificationSettings
from tests.factories import (
    CertificationFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ConnectionFactory,
    ShareRequestFactory,
    UserFactory,
)

pytestmark = pytest.mark.usefixtures("app_context")

SUPPORTERS = 20


def tokyo(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), TOKYO).astimezone(dt.UTC)


def community_with_supporters(n: int = SUPPORTERS):
    community = CommunityFactory()
    parents = [UserFactory() for _ in range(3)]
    for parent in parents:
        CommunityMemberFactory(community=community, user=parent)
    supporters = [UserFactory() for _ in range(n)]
    for supporter in supporters:
        CertificationFactory(community=community, user=supporter)
    return community, parents, supporters


def post(db, community, parent, at: dt.datetime) -> uuid.UUID:
    """A new open request, and its event, as posting one writes them."""
    request = ShareRequestFactory(
        requester=parent,
        community=community,
        children=[],
        kind="babysitting",
        starts_at=at + dt.timedelta(days=1),
        ends_at=at + dt.timedelta(days=1, hours=1),
    )
    outbox.enqueue(outbox.SHARE_REQUEST_CREATED, {"request_id": request.id}, [])
    return request.id


def pushes(db) -> list[Notification]:
    return list(db.scalars(select(Notification).where(Notification.type == "new_request")))


def test_a_month_of_requests_spreads_over_twenty_equal_supporters(db, clock):
    community, parents, supporters = community_with_supporters()
    rules = fairness.Rules(per_request=10, per_day=5)
    first_day = dt.datetime.now(TOKYO).date() + dt.timedelta(days=1)
    for d in range(30):
        day = first_day + dt.timedelta(days=d)
        # Eight requests a day: 80 pushes wanted, 100 allowed (20 supporters x 5).
        for i in range(8):
            at = clock.set(tokyo(day, 8 + i, 15))
            post(db, community, parents[i % len(parents)], at)
            done = fan_out(at, rules=rules)
            assert done.notifications == rules.per_request
    month = Counter(n.user_id for n in pushes(db))
    assert set(month) == {s.id for s in supporters}, "everybody is told of some"
    assert sum(month.values()) == 30 * 8 * 10
    assert max(month.values()) / min(month.values()) <= 1.1, month
    # Per day, read from the counters the choice itself reads.
    counts = db.execute(text("SELECT user_id, day, count FROM new_request_pushes")).all()
    assert max(c.count for c in counts) <= rules.per_day
    assert sum(c.count for c in counts) == 30 * 8 * 10


def test_the_daily_cap_holds_when_there_are_more_requests_than_pushes_allowed(db, clock):
    community, parents, _ = community_with_supporters(6)
    rules = fairness.Rules(per_request=4, per_day=3)
    day = dt.datetime.now(TOKYO).date() + dt.timedelta(days=1)
    told = []
    for i in range(8):  # 32 wanted, 18 allowed
        at = clock.set(tokyo(day, 9, 5 * i))
        post(db, community, parents[0], at)
        told.append(fan_out(at, rules=rules).notifications)
    assert sum(told) == 6 * 3
    assert told[-1] == 0, "once everybody had their three, the day's last request waits"
    assert set(Counter(n.user_id for n in pushes(db)).values()) == {3}
    # The next Tokyo day everybody may be told again.
    at = clock.set(tokyo(day + dt.timedelta(days=1), 9))
    post(db, community, parents[0], at)
    assert fan_out(at, rules=rules).notifications == 4


def test_a_better_tier_comes_before_the_least_told(db, clock):
    community, parents, supporters = community_with_supporters(5)
    rules = fairness.Rules(per_request=2, per_day=50)
    connection = supporters[0]
    ConnectionFactory(a=parents[0], b=connection)  # "connection_certified": the first tier
    day = dt.datetime.now(TOKYO).date() + dt.timedelta(days=1)
    for i in range(6):
        at = clock.set(tokyo(day, 10, i))
        post(db, community, parents[0], at)
        fan_out(at, rules=rules)
    month = Counter(n.user_id for n in pushes(db))
    assert month[connection.id] == 6, "told of every request, however often told already"
    others = [month[s.id] for s in supporters[1:]]
    assert sorted(others) == [1, 1, 2, 2], "the second place takes turns among equals"


def test_who_switched_new_requests_off_is_neither_told_nor_counted(db, clock):
    community, parents, supporters = community_with_supporters(3)
    db.add(NotificationSettings(user_id=supporters[0].id, disabled_types=["new_request"]))
    db.flush()
    at = clock.set(tokyo(dt.datetime.now(TOKYO).date() + dt.timedelta(days=1), 12))
    post(db, community, parents[0], at)
    assert fan_out(at, rules=fairness.Rules(per_request=10, per_day=5)).notifications == 2
    loads = fairness.loads([s.id for s in supporters], at, 7)
    assert supporters[0].id not in loads
    assert {loads[s.id].today for s in supporters[1:]} == {1}


def test_the_choice_reads_the_counters_through_their_primary_key(db):
    """A town's worth of counters: the loads are an index range per candidate, not a scan."""
    db.execute(
        text(
            """
            WITH h AS (
                INSERT INTO households (id) SELECT gen_random_uuid() FROM generate_series(1, 5000)
                RETURNING id
            ), u AS (
                INSERT INTO users (id, firebase_uid, display_name, household_id)
                SELECT gen_random_uuid(), 'fair-' || h.id, 'fair', h.id FROM h RETURNING id
            )
            INSERT INTO new_request_pushes (user_id, day, count)
            SELECT u.id, current_date - d, 1 FROM u, generate_series(0, 9) d
            """
        )
    )
    db.execute(text("ANALYZE new_request_pushes"))
    ids = list(db.scalars(text("SELECT user_id FROM new_request_pushes LIMIT 50")))
    statement = (
        select(fairness.NewRequestPushes.user_id)
        .where(
            fairness.NewRequestPushes.user_id.in_(ids),
            fairness.NewRequestPushes.day > dt.date.today() - dt.timedelta(days=7),
        )
        .compile(db.get_bind(), compile_kwargs={"literal_binds": True})
    )
    outline = "\n".join(db.scalars(text(f"EXPLAIN {statement}")))
    assert "pk_new_request_pushes" in outline and "Seq Scan" not in outline, outline
