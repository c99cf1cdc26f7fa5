"""Concurrency of card payments, for real: a database of this module's own, real commits,
the local Stripe stand-in, and requests fired together from threads. Each race runs ten
times on fresh people.

What must hold whoever wins:
- one user's two first onboarding calls at once: one payout account, one Stripe account;
- Stripe delivering the same event twice at once: applied once (one notification);
- two card thank-yous for one match at once: one record, one PaymentIntent, one 409.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from otagai.domain.outbox import OutboxEvent
from otagai.domain.payments.models import PayoutAccount
from otagai.domain.thanks.models import ThankYou
from tests import stripe_local
from tests.helpers import ApiClient
from tests.races.world import Tally, arrange, codes, committed_app
from tests.stripe_local import LocalStripe

ATTEMPTS = range(10)


@pytest.fixture(scope="module")
def stripe_api() -> Iterator[LocalStripe]:
    stand_in, server = stripe_local.serve()
    yield stand_in
    server.shutdown()


@pytest.fixture(scope="module")
def app(stripe_api: LocalStripe) -> Iterator[Any]:
    with committed_app(
        "otagai_payment_races",
        stripe_secret_key=stripe_local.SECRET_KEY,
        stripe_webhook_secret=stripe_local.WEBHOOK_SECRET,
        stripe_connect_webhook_secret=stripe_local.CONNECT_WEBHOOK_SECRET,
        stripe_api_base=stripe_api.url,
    ) as app:
        yield app


def _client(app: Any, user: Any) -> ApiClient:
    return ApiClient(app.test_client(), user.firebase_uid, app.config["OTAGAI"].firebase_project_id)


def _deliver(app: Any, event: dict[str, Any]) -> Any:
    payload = json.dumps(event)
    return app.test_client().post(
        "/v1/webhooks/stripe",
        data=payload,
        content_type="application/json",
        headers={"Stripe-Signature": LocalStripe.sign(payload)},
    )


def _match_with_ready_supporter(app: Any, engine: Any, community_id: Any, stripe_api: Any):
    """A confirmed match (accepted through the API) whose supporter finished onboarding."""
    w = arrange(engine, community_id, supporters=1)
    parent, supporter = w.parents[0], w.supporters[0]
    [offer_id] = w.offers.values()
    accepted = _client(app, parent).post(f"/v1/offers/{offer_id}/accept")
    assert accepted.status_code == 201, accepted.get_json()
    assert _client(app, supporter).post("/v1/me/payout-account").status_code == 200
    account = stripe_api.complete_onboarding(list(stripe_api.accounts)[-1])
    assert _deliver(app, stripe_api.event("account.updated", account)).status_code == 200
    return parent, accepted.get_json()["id"]


def test_two_first_onboardings_at_once_make_one_account(app, engine, community_id, stripe_api):
    tally = Tally()
    for _ in ATTEMPTS:
        w = arrange(engine, community_id, parents=1, supporters=0, offers=False)
        user = w.parents[0]
        clients = [_client(app, user) for _ in range(2)]
        answers = tally.race(*(lambda c=c: c.post("/v1/me/payout-account") for c in clients))
        assert [a.status_code for a in answers] == [200, 200]
        with Session(engine) as s:
            accounts = s.scalars(
                select(PayoutAccount).where(PayoutAccount.user_id == user.id)
            ).all()
        assert len(accounts) == 1
        key = f"otagai-payout-account-{user.id}"
        made = [r for r in stripe_api.calls("POST", "/v1/accounts") if r.idempotency_key == key]
        assert len(made) == 1  # the second waited on the user's lock, then found the account
        owners = [a["metadata"]["otagai_user_id"] for a in stripe_api.accounts.values()]
        assert owners.count(str(user.id)) == 1
    tally.check()


def test_same_event_delivered_twice_at_once_is_applied_once(app, engine, community_id, stripe_api):
    tally = Tally()
    for _ in ATTEMPTS:
        parent, match_id = _match_with_ready_supporter(app, engine, community_id, stripe_api)
        recorded = _client(app, parent).post(
            f"/v1/matches/{match_id}/thank-yous", json={"amount_jpy": 1400, "method": "card"}
        )
        assert recorded.status_code == 201, recorded.get_json()
        payment_intent = recorded.get_json()["payment"]["payment_intent_id"]
        event = stripe_api.event(
            "payment_intent.succeeded", stripe_api.settle(payment_intent, "succeeded")
        )
        answers = tally.race(*(lambda e=event: _deliver(app, e) for _ in range(2)))
        assert sorted(a.get_json()["outcome"] for a in answers) == ["duplicate", "processed"]
        with Session(engine) as s:
            paid = s.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(
                    OutboxEvent.kind == "thank_you.paid",
                    OutboxEvent.payload["match_id"].astext == match_id,
                )
            )
        assert paid == 1
    tally.check()


CARD = {"amount_jpy": 1400, "method": "card"}


def test_two_card_thank_yous_at_once_make_one_payment_intent(app, engine, community_id, stripe_api):
    tally = Tally()
    for _ in ATTEMPTS:
        parent, match_id = _match_with_ready_supporter(app, engine, community_id, stripe_api)
        clients = [_client(app, parent) for _ in range(2)]
        before = len(stripe_api.calls("POST", "/v1/payment_intents"))
        url = f"/v1/matches/{match_id}/thank-yous"
        answers = tally.race(*(lambda c=c, u=url: c.post(u, json=CARD) for c in clients))
        assert sorted(codes(answers)) == [(201, None), (409, "thank_you_exists")]
        assert len(stripe_api.calls("POST", "/v1/payment_intents")) == before + 1
        with Session(engine) as s:
            count = s.scalar(
                select(func.count()).select_from(ThankYou).where(ThankYou.match_id == match_id)
            )
        assert count == 1
    tally.check()
