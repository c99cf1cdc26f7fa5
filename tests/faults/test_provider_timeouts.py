"""Stripe and FCM that stop answering: the SDKs' calls have timeouts (STRIPE_TIMEOUT_SECONDS,
FCM_TIMEOUT_SECONDS), so a card call answers 503 within its bound instead of holding the
request, and the worker records the push as to be retried instead of hanging."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from otagai import create_app
from otagai.domain.clock import TOKYO
from otagai.domain.notifications.models import Notification
from otagai.domain.payments.models import PayoutAccount
from otagai.domain.people.models import Device
from otagai.domain.thanks.models import ThankYou
from otagai.integrations.stripe_gateway import MAX_NETWORK_RETRIES
from otagai.worker import run_once
from tests.conftest import _clients_of, bound_to
from tests.factories import UserFactory, match_world, offer_world
from tests.helpers import assert_problem

pytestmark = pytest.mark.slow

TIMEOUT = 0.5  # seconds, for both providers
# Every attempt times out, and the SDK waits between them (0.5 s, then 1 s, at most):
# Settings.stripe_worst_wait, plus a second of slack.
STRIPE_BOUND = (1 + MAX_NETWORK_RETRIES) * TIMEOUT + 1.5 + 1.0


@pytest.fixture(scope="module")
def impatient_app(settings: Any) -> Any:
    hurried = replace(settings, stripe_timeout_seconds=TIMEOUT, fcm_timeout_seconds=TIMEOUT)
    return create_app(hurried)


@pytest.fixture
def impatient(impatient_app: Any, connection: Any, settings: Any) -> Iterator[Any]:
    with bound_to(impatient_app, connection):
        yield _clients_of(impatient_app.test_client(), settings)


def _timed(call: Any) -> tuple[Any, float]:
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_onboarding_while_stripe_hangs_answers_503_within_the_timeout_and_writes_nothing(
    impatient, stripe_api, db
):
    user = UserFactory()
    stripe_api.hang()
    response, took = _timed(lambda: impatient(user).post("/v1/me/payout-account"))
    attempts = stripe_api.calls("POST", "/v1/accounts")
    stripe_api.reset()
    assert_problem(response, 503, "payment_provider_unavailable")
    assert took < STRIPE_BOUND, took
    assert len(attempts) == 1 + MAX_NETWORK_RETRIES
    assert len({a.idempotency_key for a in attempts}) == 1  # retries cannot make two
    assert db.scalar(select(func.count()).select_from(PayoutAccount)) == 0


def test_card_thank_you_while_stripe_hangs_answers_503_within_the_timeout_and_writes_nothing(
    impatient, stripe_api, db
):
    world = match_world()
    db.add(PayoutAccount(user_id=world.supporter.id, stripe_account_id="acct_ready",
                         details_submitted=True, charges_enabled=True, payouts_enabled=True,
                         transfers_active=True))  # fmt: skip
    db.flush()
    stripe_api.hang()
    body = {"amount_jpy": 1400, "method": "card"}
    path = f"/v1/matches/{world.match.id}/thank-yous"
    response, took = _timed(lambda: impatient(world.parent).post(path, json=body))
    attempts = stripe_api.calls("POST", "/v1/payment_intents")
    stripe_api.reset()
    assert_problem(response, 503, "payment_provider_unavailable")
    assert response.headers["Retry-After"]
    assert took < STRIPE_BOUND, took
    assert len(attempts) == 1 + MAX_NETWORK_RETRIES
    assert db.scalar(select(func.count()).select_from(ThankYou)) == 0


def test_push_while_fcm_hangs_is_recorded_for_a_retry_within_the_timeout(
    impatient, impatient_app, fcm_api, db
):
    world = offer_world()
    db.add(Device(token="tok-hanging-fcm", user_id=world.parent.id, platform="android"))
    db.flush()
    offered = impatient(world.supporters[0]).post(
        f"/v1/share-requests/{world.request.id}/offers", json={"note": "行けます"}
    )
    assert offered.status_code == 201, offered.get_json()
    fcm_api.hang()
    noon = dt.datetime.combine(dt.datetime.now(TOKYO).date(), dt.time(12), TOKYO)
    with impatient_app.app_context():
        done, took = _timed(lambda: run_once(noon.astimezone(dt.UTC)))
    fcm_api.reset()
    # firebase-admin tries a timed-out read once more, with a short backoff.
    assert took < 2 * TIMEOUT + 2.0, took
    assert done.delivery.claimed == 1
    assert dict(done.delivery.outcomes) == {"pending": 1}  # left for a later attempt
    [row] = db.scalars(select(Notification).where(Notification.user_id == world.parent.id))
    db.refresh(row)
    assert row.status == "pending" and row.attempts == 1
    assert row.last_error and row.next_attempt_at is not None, (row.last_error, row.next_attempt_at)
