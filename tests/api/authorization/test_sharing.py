"""Authorization matrix: share requests, candidates, the feed and offers. See matrix.py
for the roles.

The open request (tomorrow, pickup of the requester's child) is seen by the requester's
household and its audience: the candidate and the offerer (whose offer is pending). The
matched request (started an hour ago) by the household and the matched supporter; the
declined offerer lost their view with the match. Anybody else may not learn the requests
exist: 404. Who can see a request but may not do something gets 403."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.authorization.matrix import Req, cells, row

HOUSEHOLD = ("requester", "same_household")
AUDIENCE = ("candidate", "offerer")
IN_COMMUNITY = ("requester", "other_household", "candidate", "offerer", "blocked")
IN_COMMUNITY += ("declined_offerer",)
IN_COMMUNITY += ("supporter", "coordinator_here")


def _lending(w):
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    return Req(
        "/v1/share-requests",
        json={
            "kind": "lending",
            "community_id": w.community,
            "title": "ベビーカーを1週間お借りしたいです",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(days=7)).isoformat(),
            "location": {"lat": 35.8587, "lng": 139.6571},
            "item": {"category": "stroller", "description": "A型ベビーカー"},
        },
    )


def _pickup(w):
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).replace(second=0, microsecond=0)
    return Req(
        "/v1/share-requests",
        json={
            "kind": "pickup",
            "community_id": w.community,
            "title": "保育園のお迎えをお願いしたいです",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + dt.timedelta(minutes=90)).isoformat(),
            "location": {"lat": 35.8587, "lng": 139.6571},
            "dropoff": {"lat": 35.8601, "lng": 139.6555},
            "child_ids": [w.child],
        },
    )


ROWS = [
    # Any member of the community may post there (a lending needs no children).
    row(
        "POST",
        "/v1/share-requests",
        _lending,
        signed_in=403,
        **dict.fromkeys(IN_COMMUNITY, 201),
    ),
    # The requester's child: only their household may ask for help with it.
    row(
        "POST",
        "/v1/share-requests",
        _pickup,
        variant="pickup of the requester's child",
        signed_in=403,
        requester=201,
        **dict.fromkeys(IN_COMMUNITY[1:], 422),
    ),
    row(
        "GET",
        "/v1/share-requests/{request_id}",
        lambda w: Req(f"/v1/share-requests/{w.open_request}"),
        variant="open",
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD + AUDIENCE, 200),
    ),
    row(
        "GET",
        "/v1/share-requests/{request_id}",
        lambda w: Req(f"/v1/share-requests/{w.matched_request}"),
        variant="matched",
        signed_in=404,
        supporter=200,
        **dict.fromkeys(HOUSEHOLD, 200),
    ),
    # The supporter of a cancelled match keeps a limited view (no child details: the leak
    # check of every 200 says so), nobody else outside the household any.
    row(
        "GET",
        "/v1/share-requests/{request_id}",
        lambda w: Req(f"/v1/share-requests/{w.cancelled_request}"),
        variant="cancelled",
        signed_in=404,
        past_supporter=200,
        **dict.fromkeys(HOUSEHOLD, 200),
    ),
    # The requester only; who sees the request knows it exists (403).
    row(
        "POST",
        "/v1/share-requests/{request_id}/cancel",
        lambda w: Req(
            f"/v1/share-requests/{w.open_request}/cancel", json={"reason": "予定が変わりました"}
        ),
        signed_in=404,
        requester=200,
        **dict.fromkeys(("same_household", *AUDIENCE), 403),
    ),
    row(
        "POST",
        "/v1/share-requests/{request_id}/cancel",
        lambda w: Req(
            f"/v1/share-requests/{w.matched_request}/cancel", json={"reason": "予定が変わりました"}
        ),
        variant="matched",
        signed_in=404,
        requester=200,
        **dict.fromkeys(("same_household", "supporter"), 403),
    ),
    row("GET", "/v1/me/share-requests", lambda w: Req("/v1/me/share-requests"), signed_in=200),
    row(
        "GET",
        "/v1/share-requests/{request_id}/candidates",
        lambda w: Req(f"/v1/share-requests/{w.open_request}/candidates"),
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD, 200),
        **dict.fromkeys(AUDIENCE, 404),
    ),
    row("GET", "/v1/share-requests/feed", lambda w: Req("/v1/share-requests/feed"), signed_in=200),
    row(
        "GET",
        "/v1/share-requests/{request_id}/offers",
        lambda w: Req(f"/v1/share-requests/{w.open_request}/offers"),
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD, 200),
        **dict.fromkeys(AUDIENCE, 403),
    ),
    # Only a candidate offers; the offerer already has a live offer (409); the household
    # sees the request but is never a candidate for it (403); nobody else may learn the
    # request exists (404).
    row(
        "POST",
        "/v1/share-requests/{request_id}/offers",
        lambda w: Req(
            f"/v1/share-requests/{w.open_request}/offers", json={"note": "17時なら行けます"}
        ),
        signed_in=404,
        candidate=201,
        offerer=409,
        **dict.fromkeys(HOUSEHOLD, 403),
    ),
    # The matched request: its supporter's offer is still live (409); the candidate is in
    # its audience by the rules, so may hear it is no longer open (409); the household
    # sees it and is no candidate (403); anybody else, the declined offerer too, 404.
    row(
        "POST",
        "/v1/share-requests/{request_id}/offers",
        lambda w: Req(f"/v1/share-requests/{w.matched_request}/offers", json={}),
        variant="matched",
        signed_in=404,
        supporter=409,
        candidate=409,
        offerer=409,
        **dict.fromkeys(HOUSEHOLD, 403),
    ),
    row(
        "GET",
        "/v1/share-requests/{request_id}/offers",
        lambda w: Req(f"/v1/share-requests/{w.matched_request}/offers"),
        variant="matched",
        signed_in=404,
        supporter=403,
        **dict.fromkeys(HOUSEHOLD, 200),
    ),
    # The offerer's pending offer on the open request.
    row(
        "POST",
        "/v1/offers/{offer_id}/accept",
        lambda w: Req(f"/v1/offers/{w.pending_offer}/accept"),
        signed_in=404,
        requester=201,
        **dict.fromkeys(("same_household", "offerer"), 403),
    ),
    row(
        "POST",
        "/v1/offers/{offer_id}/withdraw",
        lambda w: Req(f"/v1/offers/{w.pending_offer}/withdraw"),
        signed_in=404,
        offerer=200,
        **dict.fromkeys(HOUSEHOLD, 403),
    ),
    row(
        "POST",
        "/v1/offers/{offer_id}/decline",
        lambda w: Req(f"/v1/offers/{w.pending_offer}/decline"),
        signed_in=404,
        requester=200,
        **dict.fromkeys(("same_household", "offerer"), 403),
    ),
    # The declined offer (on the matched request): its supporter may see it but it is no
    # longer pending (409); the household may see it but only the requester decides (403).
    row(
        "POST",
        "/v1/offers/{offer_id}/withdraw",
        lambda w: Req(f"/v1/offers/{w.declined_offer}/withdraw"),
        variant="declined",
        signed_in=404,
        declined_offerer=409,
        **dict.fromkeys(HOUSEHOLD, 403),
    ),
]
CELLS = cells(ROWS)


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(cell, run_cell):
    run_cell(cell)
