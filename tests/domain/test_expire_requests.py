"""Expiry written down: ``flask expire-requests`` marks open requests whose start has
passed as expired and declines their pending offers, leaving everything else alone."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, update

from otagai.domain.requests.models import Offer, ShareRequest
from otagai.domain.requests.services import expire_requests
from otagai.domain.requests.status import effective_status, effectively_open_clause
from otagai.extensions.db import session
from tests.factories import (
    CommunityFactory,
    ShareRequestFactory,
    UserFactory,
    add_match,
    add_offer,
)


def _started(db, *requests, ago=dt.timedelta(hours=1)) -> None:
    """Move the requests' start into the past (SQL; the clock is never patched)."""
    now = dt.datetime.now(dt.UTC)
    db.execute(
        update(ShareRequest)
        .where(ShareRequest.id.in_([r.id for r in requests]))
        .values(starts_at=now - ago, ends_at=now - ago + dt.timedelta(minutes=90))
    )
    db.expire_all()


def _status(db, model, ident) -> str:
    db.expire_all()
    return db.get(model, ident).status


@pytest.fixture
def community(db):
    return CommunityFactory()


@pytest.fixture
def past(db, community):
    request = ShareRequestFactory(community=community)
    _started(db, request)
    return request


def test_effective_status_of_open_request_past_its_start_is_expired(db, past):
    assert past.status == "open"
    assert effective_status(past) == "expired"


def test_effective_status_of_open_request_yet_to_start_is_open(db, community):
    assert effective_status(ShareRequestFactory(community=community)) == "open"


def test_effective_status_keeps_a_matched_request_past_its_start(db, past):
    past.status = "matched"
    assert effective_status(past) == "matched"


def test_effectively_open_clause_leaves_out_started_requests(app_context, db, past, community):
    future = ShareRequestFactory(community=community)
    ids = session.scalars(select(ShareRequest.id).where(effectively_open_clause())).all()
    assert future.id in ids and past.id not in ids


def test_expire_requests_marks_started_open_requests_expired(app_context, db, past):
    result = expire_requests()
    assert result.requests == 1
    assert _status(db, ShareRequest, past.id) == "expired"


def test_expire_requests_declines_their_pending_offers(app_context, db, past):
    pending, withdrawn = (
        add_offer(past, UserFactory()),
        add_offer(past, UserFactory(), status="withdrawn"),
    )
    result = expire_requests()
    assert result.offers_declined == 1
    assert (_status(db, Offer, pending.id), _status(db, Offer, withdrawn.id)) == (
        "declined",
        "withdrawn",
    )


def test_expire_requests_leaves_future_and_matched_requests_alone(app_context, db, community):
    future, matched = (ShareRequestFactory(community=community) for _ in range(2))
    add_match(matched, UserFactory())
    _started(db, matched)
    offer = add_offer(future, UserFactory())
    assert expire_requests().requests == 0
    assert (_status(db, ShareRequest, future.id), _status(db, ShareRequest, matched.id)) == (
        "open", "matched",
    )  # fmt: skip
    assert _status(db, Offer, offer.id) == "pending"


def test_expire_requests_twice_expires_nothing_the_second_time(app_context, db, past):
    expire_requests()
    assert expire_requests().requests == 0


def test_expire_requests_command_prints_the_count_and_commits(app, connection, db, past):
    add_offer(past, UserFactory())
    result = app.test_cli_runner().invoke(args=["expire-requests"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "expired 1 requests (declined 1 pending offers)"
    assert _status(db, ShareRequest, past.id) == "expired"
