"""Sending notifications: claim, push through FCM, record what FCM said.

1. ``claim`` (its own short transaction, committed by the caller): due pending rows,
   ``FOR UPDATE SKIP LOCKED``, each given a lease (``claimed_until``) and an attempt.
   Another worker skips them while the lease runs; if this worker dies between claim and
   send, the lease lapses and the row is claimed and sent again — at least once, never
   lost. The app drops a repeat by the message id.
2. ``send`` reads each user's devices and locale afresh, renders the text, and calls
   ``send_each`` once for the batch.
3. The outcome per row: sent to any device → ``sent``; tokens FCM calls unregistered or
   invalid are deleted; nothing left to send to → ``no_device``; transient errors → tried
   again after an exponential backoff (capped), until ``MAX_ATTEMPTS`` → ``failed``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select

from otagai.domain.events.models import Event
from otagai.domain.matches.models import Match
from otagai.domain.notifications.models import (
    FAILED,
    NO_DEVICE,
    PENDING,
    SENT,
    Notification,
)
from otagai.domain.notifications.render import render
from otagai.domain.people.models import Device, User
from otagai.domain.requests.models import ShareRequest
from otagai.domain.trust.models import Certification
from otagai.extensions.db import session
from otagai.integrations import fcm

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 8
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=1)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … doubling per attempt made, never more than an hour."""
    return min(LONGEST_RETRY, FIRST_RETRY * 2 ** max(0, attempts - 1))


@dataclass
class Delivery:
    claimed: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    tokens_removed: int = 0


def claim(now: datetime, *, limit: int = 100) -> list[uuid.UUID]:
    """Take up to ``limit`` due rows for this worker; the caller commits at once."""
    rows = session.scalars(
        select(Notification)
        .where(
            Notification.status == PENDING,
            Notification.next_attempt_at <= now,
            or_(Notification.claimed_until.is_(None), Notification.claimed_until <= now),
        )
        .order_by(Notification.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for row in rows:
        row.claimed_until = now + LEASE
        row.attempts += 1
    session.flush()
    return [row.id for row in rows]


def _facts(notifications: Sequence[Notification]) -> dict[uuid.UUID, dict[str, Any]]:
    """What the texts may mention (kind, start time, expiry day), read afresh: a request
    deleted or changed since is shown as it is now (an event's start too). Four queries for
    the whole batch."""

    def ids(key: str) -> set[uuid.UUID]:
        return {uuid.UUID(n.data[key]) for n in notifications if key in n.data}

    match_requests: dict[uuid.UUID, uuid.UUID] = {
        match_id: request_id
        for match_id, request_id in session.execute(
            select(Match.id, Match.request_id).where(Match.id.in_(ids("match_id")))
        )
    }
    request_ids = ids("request_id") | set(match_requests.values())
    requests = {
        r.id: {"kind": r.kind, "starts_at": r.starts_at}
        for r in session.execute(
            select(ShareRequest.id, ShareRequest.kind, ShareRequest.starts_at).where(
                ShareRequest.id.in_(request_ids)
            )
        )
    }
    expiries = {
        cert_id: expires_on
        for cert_id, expires_on in session.execute(
            select(Certification.id, Certification.expires_on).where(
                Certification.id.in_(ids("certification_id"))
            )
        )
    }
    events = {
        event_id: starts_at
        for event_id, starts_at in session.execute(
            select(Event.id, Event.starts_at).where(Event.id.in_(ids("event_id")))
        )
    }
    facts: dict[uuid.UUID, dict[str, Any]] = {}
    for n in notifications:
        fact: dict[str, Any] = {}
        request_id = n.data.get("request_id")
        if "match_id" in n.data:
            request_id = match_requests.get(uuid.UUID(n.data["match_id"]))
        if request_id is not None:
            fact.update(requests.get(uuid.UUID(str(request_id)), {}))
        if "checkin" in n.data:
            fact["checkin"] = n.data["checkin"]
        if "missing" in n.data:
            fact["missing"] = n.data["missing"]
        if "no_show" in n.data:
            fact["no_show"] = n.data["no_show"]
        if "certification_id" in n.data:
            expires_on = expiries.get(uuid.UUID(n.data["certification_id"]))
            if expires_on is not None:
                fact["expires_on"] = expires_on
        if "event_id" in n.data:
            event_at = events.get(uuid.UUID(n.data["event_id"]))
            if event_at is not None:
                fact["event_at"] = event_at
        facts[n.id] = fact
    return facts


def _pushes(notifications: Sequence[Notification]) -> list[fcm.Push]:
    user_ids = {n.user_id for n in notifications}
    tokens: dict[uuid.UUID, list[str]] = defaultdict(list)
    for user_id, token in session.execute(
        select(Device.user_id, Device.token).where(Device.user_id.in_(user_ids))
    ):
        tokens[user_id].append(token)
    locales = {
        user_id: locale
        for user_id, locale in session.execute(
            select(User.id, User.locale).where(User.id.in_(user_ids))
        )
    }
    facts = _facts(notifications)
    pushes = []
    for n in notifications:
        title, body = render(n.type, locales.get(n.user_id, "ja"), facts[n.id])
        pushes += [
            fcm.Push(
                token=token,
                message_id=str(n.id),
                type=n.type,
                title=title,
                body=body,
                data=dict(n.data),
                urgent=n.urgent,
            )
            for token in tokens[n.user_id]
        ]
    return pushes


def _settle(row: Notification, results: list[fcm.PushResult], now: datetime) -> str:
    outcomes = {r.outcome for r in results}
    row.claimed_until = None
    if fcm.SENT in outcomes:
        row.status, row.sent_at = SENT, now
    elif not results or outcomes == {fcm.TOKEN_GONE}:
        row.status = NO_DEVICE
    elif fcm.RETRY in outcomes and row.attempts < MAX_ATTEMPTS:
        row.next_attempt_at = now + backoff(row.attempts)
    else:
        row.status = FAILED
    errors = sorted({r.error for r in results if r.error})
    row.last_error = ",".join(errors)[:200] or None
    return row.status


def send(ids: Sequence[uuid.UUID], now: datetime) -> Delivery:
    """Push the claimed rows and record the outcome; the caller commits."""
    report = Delivery(claimed=len(ids))
    if not ids:
        return report
    notifications = session.scalars(select(Notification).where(Notification.id.in_(ids))).all()
    pushes = _pushes(notifications)
    # Nothing is written yet: end the read's transaction, so that no connection sits idle
    # in a transaction (and under idle_in_transaction_session_timeout) while FCM answers.
    session.rollback()
    results = fcm.fcm_gateway().send_each(pushes)
    by_message: dict[str, list[fcm.PushResult]] = defaultdict(list)
    for result in results:
        by_message[result.push.message_id].append(result)
    gone = {r.push.token for r in results if r.outcome == fcm.TOKEN_GONE}
    if gone:
        report.tokens_removed = len(gone)
        session.execute(delete(Device).where(Device.token.in_(gone)))
    # Re-read under lock: only rows still pending are ours to settle (a lapsed lease may
    # have let another worker send and settle one meanwhile).
    locked = session.scalars(
        select(Notification)
        .where(Notification.id.in_(ids), Notification.status == PENDING)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    for row in locked:
        report.outcomes[_settle(row, by_message[str(row.id)], now)] += 1
    session.flush()
    return report
