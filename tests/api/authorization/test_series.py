"""Authorization matrix: share series and the calendar-feed token. See matrix.py for the
roles.

The requester's weekly pickup (three dates, each an open request in the open request's
place) is seen by the requester's household and by the offerer, whose offer on the whole
series is pending; anybody else may not learn it exists: 404. Only the requester changes
it; who sees it and is not the requester gets 403. Offering on it is for a candidate of
its next request (the candidate); its household sees it and is no candidate: 403."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.authorization.matrix import Req, cells, row

HOUSEHOLD = ("requester", "same_household")
IN_COMMUNITY = ("other_household", "candidate", "offerer", "blocked", "declined_offerer")
IN_COMMUNITY += ("supporter", "coordinator_here")
SEES = {"same_household": 403, "offerer": 403}


def _series(w):
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    return Req(
        "/v1/share-series",
        json={
            "kind": "pickup",
            "community_id": w.community,
            "title": "毎週のお迎え",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(hours=1)).isoformat(),
            "location": {"lat": 35.8587, "lng": 139.6571},
            "dropoff": {"lat": 35.8601, "lng": 139.6555},
            "child_ids": [w.child],
            "rrule": "FREQ=WEEKLY;COUNT=2",
            "include_holidays": True,
        },
    )


ROWS = [
    # Everybody's own list (the requester's household's holds the series; privacy tests).
    row("GET", "/v1/share-series", lambda w: Req("/v1/share-series"), signed_in=200),
    # Only the child's household may; other members of the community: the child is not
    # theirs (422); outside the community: 403.
    row(
        "POST",
        "/v1/share-series",
        _series,
        signed_in=403,
        requester=201,
        **dict.fromkeys(IN_COMMUNITY, 422),
    ),
    row(
        "GET",
        "/v1/share-series/{series_id}",
        lambda w: Req(f"/v1/share-series/{w.series}"),
        signed_in=404,
        requester=200,
        same_household=200,
        offerer=200,
    ),
    row(
        "PATCH",
        "/v1/share-series/{series_id}/occurrences/{on_date}",
        lambda w: Req(
            f"/v1/share-series/{w.series}/occurrences/{w.series_date}", json={"skip": True}
        ),
        signed_in=404,
        requester=200,
        **SEES,
    ),
    row(
        "POST",
        "/v1/share-series/{series_id}/end",
        lambda w: Req(f"/v1/share-series/{w.series}/end"),
        signed_in=404,
        requester=200,
        **SEES,
    ),
    row(
        "POST",
        "/v1/share-series/{series_id}/offers",
        lambda w: Req(f"/v1/share-series/{w.series}/offers", json={}),
        signed_in=404,
        candidate=201,
        offerer=409,
        requester=403,
        same_household=403,
    ),
    row(
        "POST",
        "/v1/share-series/{series_id}/offers/{offer_id}/accept",
        lambda w: Req(f"/v1/share-series/{w.series}/offers/{w.series_offer}/accept"),
        signed_in=404,
        requester=200,
        **SEES,
    ),
    # The offerer's pending offer: they withdraw it, the requester declines it; the other
    # one who sees the series is refused.
    row(
        "POST",
        "/v1/share-series/{series_id}/offers/{offer_id}/withdraw",
        lambda w: Req(f"/v1/share-series/{w.series}/offers/{w.series_offer}/withdraw"),
        signed_in=404,
        offerer=200,
        requester=403,
        same_household=403,
    ),
    row(
        "POST",
        "/v1/share-series/{series_id}/offers/{offer_id}/decline",
        lambda w: Req(f"/v1/share-series/{w.series}/offers/{w.series_offer}/decline"),
        signed_in=404,
        requester=200,
        **SEES,
    ),
    # Nobody supports the series yet: who sees it is refused, anybody else 404.
    row(
        "POST",
        "/v1/share-series/{series_id}/leave",
        lambda w: Req(f"/v1/share-series/{w.series}/leave", json={"reason": "都合により"}),
        signed_in=404,
        requester=403,
        **SEES,
    ),
    row("POST", "/v1/me/calendar-token", lambda w: Req("/v1/me/calendar-token"), signed_in=200),
    row("DELETE", "/v1/me/calendar-token", lambda w: Req("/v1/me/calendar-token"), signed_in=204),
]


@pytest.mark.parametrize("cell", cells(ROWS), ids=lambda c: c.id)
def test_series_authorization(cell, run_cell):
    run_cell(cell)
