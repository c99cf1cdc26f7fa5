"""A known month of activity in two towns, for the statistics tests.

April 2026 (Asia/Tokyo) in さいたま市 (A) and 川口市 (B), every figure chosen so the
expected report can be written down by hand (see test_municipal_statistics.py):

A, requests posted in April: pickup 7 (one at 23:30 JST on 30 April), babysitting 6,
lending 2; matched: pickup 5, babysitting 5; completed: pickup 3; one babysitting match
cancelled in April. Five supporters (certified for pickup and babysitting) each help one
pickup and one babysitting; 9 of the 10 matches insured. Thank-yous: 5 pickup × ¥1,000
cash, 2 babysitting × ¥1,400 (one cash, one card paid), plus a failed and a pending card
one that do not count. Five events with 12 attendances. A pickup posted at 00:30 JST on
1 May belongs to May. 21 households lived in A since January; one (the movers) moved to
B on 10 April, where 5 households lived since January; the movers posted a pickup in A
in March and one in B in April; five other B households posted a babysitting each.
"""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace
from typing import Any

from sqlalchemy import text

from otagai.domain.clock import TOKYO
from otagai.domain.events.models import EventAttendance
from otagai.domain.matches.models import Match
from otagai.domain.people.models import Household, User
from otagai.domain.requests.models import Offer, ShareRequest
from otagai.domain.thanks.models import ThankYou
from tests.factories import (
    CertificationFactory,
    CommunityFactory,
    EventFactory,
    HouseholdFactory,
    MunicipalityFactory,
    ShareRequestFactory,
    UserFactory,
)

KAWAGUCHI_BOX = (
    "SRID=4326;MULTIPOLYGON(((139.6 35.7,139.8 35.7,139.8 35.79,139.6 35.79,139.6 35.7)))"
)
JANUARY = dt.datetime(2026, 1, 1, tzinfo=TOKYO)


def jst(month: int, day: int, hour: int = 12, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=TOKYO)


def household_in(db: Any, code: str, since: dt.datetime = JANUARY) -> Household:
    """A household living in ``code`` since ``since`` (its period moved back in time)."""
    household = HouseholdFactory(municipality_code=code)
    db.flush()
    db.execute(
        text(
            "UPDATE household_municipality_periods SET valid_from = :since WHERE household_id = :h"
        ),
        {"since": since, "h": household.id},
    )
    return household


def person_in(db: Any, code: str, since: dt.datetime = JANUARY) -> User:
    return UserFactory(household=household_in(db, code, since))


def post(user: User, community: Any, kind: str, at: dt.datetime, **values: Any) -> ShareRequest:
    return ShareRequestFactory(
        requester=user,
        community=community,
        kind=kind,
        created_at=at,
        starts_at=at + dt.timedelta(days=2),
        ends_at=at + dt.timedelta(days=2, hours=1),
        **values,
    )


def match(
    db: Any,
    request: ShareRequest,
    supporter: User,
    at: dt.datetime,
    *,
    insured: bool = True,
    status: str = "confirmed",
) -> Match:
    """The supporter's offer (made an hour before ``at``) accepted at ``at``."""
    offer = Offer(
        id=uuid.uuid4(),
        request_id=request.id,
        supporter_id=supporter.id,
        status="accepted",
        municipality_code=supporter.household.municipality_code,
        created_at=at - dt.timedelta(hours=1),
    )
    db.add(offer)
    db.flush()
    tag = {"covered": insured, "reasons": [] if insured else ["kind_not_covered"]}
    made = Match.of_offer(request, offer, insurance=tag, status=status)
    made.created_at = at
    request.matched_at = at
    request.status = {"completed": "completed", "cancelled": "cancelled"}.get(status, "matched")
    if status == "cancelled":
        made.cancelled_at = at + dt.timedelta(days=1)
    if status == "completed":
        made.completed_at = at + dt.timedelta(days=2)
    db.add(made)
    db.flush()
    return made


def thank(
    db: Any,
    made: Match,
    amount: int,
    at: dt.datetime,
    method: str = "cash",
    status: str = "recorded",
) -> ThankYou:
    given = ThankYou(
        id=uuid.uuid4(),
        match_id=made.id,
        amount_jpy=amount,
        method=method,
        status=status,
        created_by_id=made.requester_id,
        municipality_code=made.municipality_code,
        kind=made.kind,
        created_at=at,
    )
    db.add(given)
    db.flush()
    return given


def april(db: Any) -> SimpleNamespace:
    a = MunicipalityFactory()
    b = MunicipalityFactory(
        code="112038", name_ja="川口市", name_en="Kawaguchi", boundary=KAWAGUCHI_BOX
    )
    home_a = CommunityFactory(municipality=a)
    home_b = CommunityFactory(municipality=b)

    supporters = [person_in(db, a.code) for _ in range(5)]
    for supporter in supporters:
        CertificationFactory(
            community=home_a,
            user=supporter,
            kinds=["pickup", "babysitting"],
            trained_on=dt.date(2026, 1, 5),
            granted_at=jst(1, 10),
            expires_on=dt.date(2027, 3, 31),
        )
    # Certified until mid-April: counted at the end of March only.
    CertificationFactory(
        community=home_a,
        user=person_in(db, a.code),
        kinds=["pickup"],
        trained_on=dt.date(2026, 1, 5),
        granted_at=jst(1, 10),
        expires_on=dt.date(2026, 4, 15),
    )

    first_requester = person_in(db, a.code)
    pickups = [post(first_requester, home_a, "pickup", jst(4, 3))]
    pickups += [post(person_in(db, a.code), home_a, "pickup", jst(4, 4 + i)) for i in range(5)]
    pickups.append(post(person_in(db, a.code), home_a, "pickup", jst(4, 30, 23, 30)))
    sittings = [post(person_in(db, a.code), home_a, "babysitting", jst(4, 5 + i)) for i in range(6)]
    for i in range(2):
        post(person_in(db, a.code), home_a, "lending", jst(4, 8 + i))
    may_first = post(first_requester, home_a, "pickup", jst(5, 1, 0, 30))

    pickup_matches = []
    for i, supporter in enumerate(supporters):
        status = "completed" if i < 3 else "confirmed"
        pickup_matches.append(match(db, pickups[i], supporter, jst(4, 20), status=status))
    sitting_matches = []
    for i, supporter in enumerate(supporters):
        status = "cancelled" if i == 4 else "confirmed"
        sitting_matches.append(
            match(db, sittings[i], supporter, jst(4, 21), insured=i != 0, status=status)
        )

    for made in pickup_matches:
        thank(db, made, 1000, jst(4, 25))
    thank(db, sitting_matches[1], 1400, jst(4, 26))
    thank(db, sitting_matches[2], 1400, jst(4, 26), method="card", status="paid")
    thank(db, sitting_matches[3], 1400, jst(4, 26), method="card", status="failed")
    thank(db, sitting_matches[3], 1400, jst(4, 27), method="card", status="pending_payment")

    attendees = [UserFactory() for _ in range(4)]
    for i in range(5):
        event = EventFactory(community=home_a, starts_at=jst(4, 2 + i, 10))
        for attendee in attendees[: 3 if i < 4 else 0]:
            db.add(
                EventAttendance(event_id=event.id, user_id=attendee.id, recorded_by_id=attendee.id)
            )
    EventFactory(community=home_a, starts_at=jst(5, 2, 10))

    # The movers: in A since January, posted there in March, in B from 10 April.
    movers = person_in(db, a.code)
    march = post(movers, home_a, "pickup", jst(3, 15))
    db.execute(
        text("UPDATE households SET municipality_code = :b WHERE id = :h"),
        {"b": b.code, "h": movers.household_id},
    )
    db.execute(
        text(
            "UPDATE household_municipality_periods SET valid_to = :at "
            "WHERE household_id = :h AND municipality_code = :a"
        ),
        {"at": jst(4, 10), "h": movers.household_id, "a": a.code},
    )
    db.execute(
        text(
            "UPDATE household_municipality_periods SET valid_from = :at "
            "WHERE household_id = :h AND municipality_code = :b"
        ),
        {"at": jst(4, 10), "h": movers.household_id, "b": b.code},
    )
    db.expire(movers.household)
    moved = post(movers, home_b, "pickup", jst(4, 12))
    for i in range(5):
        post(person_in(db, b.code), home_b, "babysitting", jst(4, 14 + i))
    db.flush()
    return SimpleNamespace(
        a=a, b=b, home_a=home_a, home_b=home_b, supporters=supporters, movers=movers,
        march=march, moved=moved, may_first=may_first, pickups=pickups,
    )  # fmt: skip
