"""A family with a weekly Monday pickup from 2027-01-04 17:30 (Asia/Tokyo), six dates,
2027-01-11 being 成人の日; the clock stopped on Monday 2026-12-28, 09:00 in Tokyo. The
child turns one on 2027-01-12: under the policy's minimum age on the first Monday, covered
from the next."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from otagai.domain.clock import TOKYO
from tests.factories import (
    CertificationFactory,
    ChildFactory,
    CommunityFactory,
    CommunityMemberFactory,
    InsurancePolicyFactory,
    UserFactory,
)

NOW = dt.datetime(2026, 12, 28, 9, 0, tzinfo=TOKYO)
FIRST_START = dt.datetime(2027, 1, 4, 17, 30, tzinfo=TOKYO)
RULE = "FREQ=WEEKLY;BYDAY=MO;COUNT=6"


def series_world(clock: Any) -> SimpleNamespace:
    clock.set(NOW)
    community = CommunityFactory()
    parent = UserFactory()
    CommunityMemberFactory(community=community, user=parent)
    partner = UserFactory(household=parent.household)
    child = ChildFactory(household=parent.household, birth_date=dt.date(2026, 1, 12))
    supporter, other_supporter = UserFactory(), UserFactory()
    for helper in (supporter, other_supporter):
        CertificationFactory(community=community, user=helper)
    InsurancePolicyFactory()
    return SimpleNamespace(
        community=community,
        parent=parent,
        partner=partner,
        child=child,
        supporter=supporter,
        other_supporter=other_supporter,
    )


def series_body(world: SimpleNamespace, **overrides: object) -> dict[str, object]:
    body: dict[str, object] = {
        "kind": "pickup",
        "community_id": str(world.community.id),
        "title": "毎週月曜の保育園のお迎え",
        "starts_at": FIRST_START.isoformat(),
        "ends_at": (FIRST_START + dt.timedelta(hours=1)).isoformat(),
        "location": {"lat": 35.8587, "lng": 139.6571},
        "dropoff": {"lat": 35.8601, "lng": 139.6555},
        "child_ids": [str(world.child.id)],
        "rrule": RULE,
    }
    body.update(overrides)
    return body


def post_series(client: Any, world: SimpleNamespace, key: str = "series-1", **overrides: object):
    return client.post(
        "/v1/share-series",
        json=series_body(world, **overrides),
        headers={"Idempotency-Key": key},
    )


def by_date(series: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {o["date"]: o for o in series["occurrences"]}
