"""Authorization matrix: matches, their activity reports, thank-yous and their payments,
insurance policies and claims, Stripe's webhook and the health checks. See matrix.py for the roles.

A match is read by its two parties and the requester's household; anybody else may not
learn it exists (404). Who may read it but not do something gets 403: the household's
other parent decides nothing, the supporter neither completes nor pays."""

from __future__ import annotations

import datetime as dt
import json
import time
import uuid

import pytest
import stripe

from tests.api.authorization.matrix import Req, cells, row
from tests.stripe_local import LocalStripe

PARTIES = ("requester", "same_household", "supporter")
POLICY = {
    "insurer": "お互いさま損害保険",
    "policy_number": "OTG-2026-0099",
    "name": "子育てシェア賠償責任保険",
    "valid_from": "2026-04-01",
    "valid_to": "2027-03-31",
    "kinds": ["pickup", "babysitting"],
    "min_child_age": 1,
    "max_child_age": 18,
    "limits": {"bodily_injury_jpy": 100000000},
}


def _signed_event(w):
    """An event Stripe signs that the service ignores: whoever else the caller is, the
    signature alone decides."""
    payload = json.dumps(
        {
            "id": f"evt_{uuid.uuid4().hex[:24]}",
            "object": "event",
            "api_version": stripe.api_version,
            "created": int(time.time()),
            "livemode": False,
            "type": "customer.created",
            "data": {"object": {"id": "cus_matrix", "object": "customer"}},
        }
    )
    return Req(
        "/v1/webhooks/stripe", data=payload, headers={"Stripe-Signature": LocalStripe.sign(payload)}
    )


def _report_body() -> dict[str, object]:
    """A draft of the world's match (started an hour ago, ends in half an hour)."""
    now = dt.datetime.now(dt.UTC)
    return {
        "started_at": (now - dt.timedelta(minutes=50)).isoformat(),
        "ended_at": (now - dt.timedelta(minutes=1)).isoformat(),
        "activities": "保育園へお迎えに行きました。",
        "incident": False,
    }


ROWS = [
    row("GET", "/healthz", lambda w: Req("/healthz"), everyone=200),
    row("GET", "/readyz", lambda w: Req("/readyz"), everyone=200),
    row("POST", "/v1/webhooks/stripe", _signed_event, everyone=200),
    # --- the confirmed match (started an hour ago, no thank-you yet) --------------------
    row(
        "GET",
        "/v1/matches/{match_id}",
        lambda w: Req(f"/v1/matches/{w.match}"),
        signed_in=404,
        **dict.fromkeys(PARTIES, 200),
    ),
    row(
        "GET",
        "/v1/matches/{match_id}/timeline",
        lambda w: Req(f"/v1/matches/{w.match}/timeline"),
        signed_in=404,
        **dict.fromkeys(PARTIES, 200),
    ),
    # The pickup pass: both parties and the household (who tells the nursery the code).
    row(
        "GET",
        "/v1/matches/{match_id}/pass",
        lambda w: Req(f"/v1/matches/{w.match}/pass"),
        signed_in=404,
        **dict.fromkeys(PARTIES, 200),
    ),
    # Check-ins are the supporter's; the handover code is the requester household's.
    row(
        "POST",
        "/v1/matches/{match_id}/checkins",
        lambda w: Req(f"/v1/matches/{w.match}/checkins", json={"type": "picked_up"}),
        signed_in=404,
        supporter=201,
        **dict.fromkeys(("requester", "same_household"), 403),
    ),
    row(
        "GET",
        "/v1/matches/{match_id}/handover-code",
        lambda w: Req(f"/v1/matches/{w.match}/handover-code"),
        signed_in=404,
        supporter=403,
        **dict.fromkeys(("requester", "same_household"), 200),
    ),
    # No-shows: either side records one on a started match; the side reported absent
    # (here the supporter) answers it.
    row(
        "POST",
        "/v1/matches/{match_id}/no-show",
        lambda w: Req(f"/v1/matches/{w.match}/no-show", json={"reason": "来られませんでした"}),
        signed_in=404,
        **dict.fromkeys(PARTIES, 201),
    ),
    row(
        "POST",
        "/v1/matches/{match_id}/no-show/answer",
        lambda w: Req(
            f"/v1/matches/{w.no_show_match}/no-show/answer", json={"text": "急な発熱でした"}
        ),
        signed_in=404,
        supporter=201,
        **dict.fromkeys(("requester", "same_household"), 403),
    ),
    # The activity report: both parties read it (JSON here; the PDF in tests/privacy); the
    # supporter drafts (a redraft of the world's draft: 200); the household decides.
    row(
        "GET",
        "/v1/matches/{match_id}/report",
        lambda w: Req(f"/v1/matches/{w.match}/report"),
        signed_in=404,
        **dict.fromkeys(PARTIES, 200),
    ),
    row(
        "POST",
        "/v1/matches/{match_id}/report",
        lambda w: Req(f"/v1/matches/{w.match}/report", json=_report_body()),
        signed_in=404,
        supporter=200,
        **dict.fromkeys(("requester", "same_household"), 403),
    ),
    row(
        "POST",
        "/v1/matches/{match_id}/report/confirm",
        lambda w: Req(f"/v1/matches/{w.match}/report/confirm", json={"decision": "confirmed"}),
        signed_in=404,
        supporter=403,
        **dict.fromkeys(("requester", "same_household"), 200),
    ),
    row(
        "POST",
        "/v1/matches/{match_id}/complete",
        lambda w: Req(f"/v1/matches/{w.match}/complete"),
        signed_in=404,
        requester=200,
        **dict.fromkeys(("same_household", "supporter"), 403),
    ),
    row(
        "POST",
        "/v1/matches/{match_id}/cancel",
        lambda w: Req(f"/v1/matches/{w.match}/cancel", json={"reason": "子どもが熱を出したため"}),
        signed_in=404,
        requester=200,
        supporter=200,
        same_household=403,
    ),
    row(
        "GET",
        "/v1/matches/{match_id}/thank-yous",
        lambda w: Req(f"/v1/matches/{w.match}/thank-yous"),
        signed_in=404,
        **dict.fromkeys(PARTIES, 200),
    ),
    row(
        "POST",
        "/v1/matches/{match_id}/thank-yous",
        lambda w: Req(
            f"/v1/matches/{w.match}/thank-yous", json={"amount_jpy": 1000, "method": "cash"}
        ),
        signed_in=404,
        requester=201,
        **dict.fromkeys(("same_household", "supporter"), 403),
    ),
    # --- thank-yous of the completed matches ---------------------------------------------
    row(
        "POST",
        "/v1/thank-yous/{thank_you_id}/payment",
        lambda w: Req(f"/v1/thank-yous/{w.card_thank_you}/payment"),
        signed_in=404,
        requester=200,
        **dict.fromkeys(("same_household", "supporter"), 403),
    ),
    row(
        "POST",
        "/v1/thank-yous/{thank_you_id}/acknowledge",
        lambda w: Req(f"/v1/thank-yous/{w.cash_thank_you}/acknowledge"),
        signed_in=404,
        supporter=200,
        **dict.fromkeys(("requester", "same_household"), 403),
    ),
    # --- insurance policies: operators only; that policies exist is no secret (403) ------
    row(
        "GET",
        "/v1/insurance-policies",
        lambda w: Req("/v1/insurance-policies"),
        signed_in=403,
        operator=200,
    ),
    row(
        "POST",
        "/v1/insurance-policies",
        lambda w: Req("/v1/insurance-policies", json=POLICY),
        signed_in=403,
        operator=201,
    ),
    row(
        "GET",
        "/v1/insurance-policies/{policy_id}",
        lambda w: Req(f"/v1/insurance-policies/{w.policy}"),
        signed_in=403,
        operator=200,
    ),
    row(
        "PATCH",
        "/v1/insurance-policies/{policy_id}",
        lambda w: Req(f"/v1/insurance-policies/{w.policy}", json={"valid_to": "2030-03-31"}),
        signed_in=403,
        operator=200,
    ),
    # --- insurance claims: operators only, even the parties of the match (403) ------------
    row(
        "GET",
        "/v1/insurance-claims",
        lambda w: Req("/v1/insurance-claims"),
        signed_in=403,
        operator=200,
    ),
    row(
        "PATCH",
        "/v1/insurance-claims/{claim_id}",
        lambda w: Req(
            f"/v1/insurance-claims/{w.claim}",
            json={"status": "submitted", "insurer_reference": "事故受付番号 2026-000001"},
        ),
        signed_in=403,
        operator=200,
    ),
]
CELLS = cells(ROWS)


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(cell, run_cell):
    run_cell(cell)
