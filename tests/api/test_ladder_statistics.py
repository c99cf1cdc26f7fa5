"""The escalation ladder's statistics on a built month: widening requests posted, those
with an offer, the median minutes to the first offer and the rung each was on when it
came, per kind and in total, suppressed like every count."""

from __future__ import annotations

import datetime as dt

from otagai.domain.requests.models import ShareRequestRung
from tests.factories import CommunityFactory, MunicipalityFactory, add_offer
from tests.statistics_world import jst, person_in, post

RUNG_NAMES = ("acquaintances", "certified", "friends_of_friends", "neighbouring", "coordinators")


def widening(db, community, code, kind, at, *, offer_after=None, rungs=()):
    """A widening request posted at ``at``; the rungs reached (index, minutes after
    posting); its first offer ``offer_after`` minutes after posting."""
    request = post(person_in(db, code), community, kind, at, audience="widening",
                   rung=max((r for r, _ in rungs), default=0))  # fmt: skip
    for rung, minutes in rungs:
        db.add(ShareRequestRung(request_id=request.id, rung=rung,
                                reached_at=at + dt.timedelta(minutes=minutes)))  # fmt: skip
    if offer_after is not None:
        helper = person_in(db, code)
        add_offer(request, helper, created_at=at + dt.timedelta(minutes=offer_after))
        # A later offer does not change the first one.
        add_offer(request, person_in(db, code), created_at=at + dt.timedelta(minutes=900))
    db.flush()
    return request


def test_ladder_figures_exact_on_a_built_month(client_as, db):
    town = MunicipalityFactory()
    community = CommunityFactory(municipality=town)
    code = town.code
    may = jst(5, 10)
    # Pickups: six with an offer, on rungs 0, 1, 1, 2, 2 and 3 (a rung counts from when it
    # was reached: rung 3 reached after the offer does not), one without.
    for offer_after, rungs in (
        (10, ()),
        (30, ((1, 20),)),
        (50, ((1, 20),)),
        (70, ((1, 20), (2, 60))),
        (90, ((1, 20), (2, 60), (3, 120))),
        (200, ((1, 20), (2, 60), (3, 120))),
    ):
        widening(db, community, code, "pickup", may, offer_after=offer_after, rungs=rungs)
    widening(db, community, code, "pickup", may, rungs=((1, 20), (2, 60), (3, 120), (4, 300)))
    # Babysitting: five with an offer, all on the first rung.
    for minutes in (5, 6, 7, 8, 9):
        widening(db, community, code, "babysitting", may, offer_after=minutes)
    # Another town's, another month's, and a request of another audience: not counted.
    widening(db, community, code, "pickup", jst(6, 2), offer_after=10)
    post(person_in(db, code), community, "pickup", may)

    operator = client_as("stats-operator", operator=True)
    body = operator.get(f"/v1/municipalities/{code}/stats?from=2026-05&to=2026-05").get_json()
    month = body["months"][0]
    pickup, babysitting, total = (
        month["by_kind"]["pickup"],
        month["by_kind"]["babysitting"],
        month["total"],
    )
    assert (pickup["widening_requests"], pickup["widening_offered"]) == (7, 6)
    # Six waits 10, 30, 50, 70, 90, 200: the median is (50 + 70) / 2.
    assert pickup["first_offer_minutes_median"] == 60
    # On the rungs: 1 (acquaintances), 2 (certified), 2 (friends of friends), 1
    # (neighbouring): each a small count, withheld.
    assert [pickup[f"resolved_on_{r}"] for r in RUNG_NAMES] == [None, None, None, None, 0]
    assert babysitting["widening_offered"] == 5
    assert babysitting["first_offer_minutes_median"] == 7
    # 5 would show, but the total (6) less it would give away pickup's withheld 1.
    assert babysitting["resolved_on_acquaintances"] is None
    assert "2026-05.babysitting.resolved_on_acquaintances" in body["suppressed"]
    assert (total["widening_requests"], total["widening_offered"]) == (12, 11)
    # Eleven waits: 5 6 7 8 9 10 30 50 70 90 200 → the sixth, 10.
    assert total["first_offer_minutes_median"] == 10
    assert total["resolved_on_acquaintances"] == 6
    for name in RUNG_NAMES[1:4]:
        assert f"2026-05.pickup.resolved_on_{name}" in body["suppressed"]
    assert "first_offer_minutes_median" in body["definitions"]


def test_a_median_of_fewer_than_five_requests_is_withheld(client_as, db):
    town = MunicipalityFactory()
    community = CommunityFactory(municipality=town)
    for minutes in (10, 20):
        widening(db, community, town.code, "pickup", jst(5, 3), offer_after=minutes)
    operator = client_as("stats-operator", operator=True)
    body = operator.get(f"/v1/municipalities/{town.code}/stats?from=2026-05&to=2026-05")
    pickup = body.get_json()["months"][0]["by_kind"]["pickup"]
    assert pickup["widening_offered"] is None
    assert pickup["first_offer_minutes_median"] is None
    # And no median where no request had an offer.
    assert body.get_json()["months"][0]["by_kind"]["lending"]["first_offer_minutes_median"] is None
