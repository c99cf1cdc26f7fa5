"""Retention: rows kept only as long as they serve their purpose, then deleted.

Run from the worker's scheduled tick (``purge_when_due``, at most once per
``RETENTION_INTERVAL_SECONDS`` unless a backlog remains) and by ``flask retention
purge``. Each pass deletes at most ``RETENTION_BATCH`` rows of each kind, one short
``DELETE … WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP LOCKED)`` each, so a pass never
holds many row locks nor waits for a row somebody is using; a backlog drains over
successive passes. Windows (README, "Retention"):

- stored Idempotency-Key answers (they can hold personal data): ``IDEMPOTENCY_TTL_HOURS``
  after they were made (24 h), when they can no longer be replayed anyway;
- delivered outbox events: ``OUTBOX_RETENTION_DAYS`` after they were processed (7 d), but
  never before the notifications made of them (each refers to its event), and an event
  with a ``dedupe_key`` not before the scheduled job that wrote it could write it again
  (``DEDUPE_HORIZON``: a certification's expiry notice is looked for 14 days ahead);
- notifications done with (sent, no device, failed): ``NOTIFICATIONS_RETENTION_DAYS``
  after they were sent, or made (30 d); pending ones are never deleted;
- processed Stripe webhook events: ``STRIPE_WEBHOOK_EVENTS_RETENTION_DAYS`` after they
  arrived (30 d). Stripe retries an event for up to 3 days, so the window is at least 4:
  a replay within it is still recognized;
- a user's daily count of new-request pushes (fair fan-out): once its Tokyo day is out of
  the fairness window (``fairness.DEFAULT_RECENT_DAYS``, 7 d) and the day's cap.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, astuple, dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import ColumnElement, delete, exists, func, inspect, or_, select, tuple_
from sqlalchemy.orm import Session, scoped_session

from otagai.domain.clock import today_tokyo
from otagai.domain.idempotency import IdempotencyRecord
from otagai.domain.notifications.fairness import DEFAULT_RECENT_DAYS
from otagai.domain.notifications.jobs import EXPIRY_NOTICE_DAYS
from otagai.domain.notifications.models import PENDING, NewRequestPushes, Notification
from otagai.domain.outbox import OutboxEvent
from otagai.domain.payments.models import StripeWebhookEvent

log = logging.getLogger(__name__)

# A scheduled job may write an event with the same dedupe_key again until then.
DEDUPE_HORIZON = timedelta(days=EXPIRY_NOTICE_DAYS + 1)
# Two workers' passes at once would only skip each other's rows; one is enough.
_ADVISORY_LOCK = 0x6F746167_7265746E  # "otag" "retn"


AnySession = Session | scoped_session[Session]


class RetentionSettings(Protocol):
    idempotency_ttl_hours: int
    outbox_retention_days: int
    notifications_retention_days: int
    stripe_webhook_events_retention_days: int
    retention_batch: int
    retention_interval_seconds: int


@dataclass(frozen=True)
class Purged:
    idempotency_records: int = 0
    outbox_events: int = 0
    notifications: int = 0
    stripe_webhook_events: int = 0
    new_request_pushes: int = 0

    @property
    def total(self) -> int:
        return sum(astuple(self))

    def backlog(self, batch: int) -> bool:
        """A kind filled its batch: more may be waiting."""
        return batch in astuple(self)


def _delete_batch(
    session: AnySession, model: Any, where: list[ColumnElement[bool]], batch: int
) -> int:
    key_columns = inspect(model).primary_key
    key = key_columns[0] if len(key_columns) == 1 else tuple_(*key_columns)
    chosen = select(*key_columns).where(*where).limit(batch).with_for_update(skip_locked=True)
    result = session.execute(
        delete(model).where(key.in_(chosen)), execution_options={"synchronize_session": False}
    )
    return int(getattr(result, "rowcount", 0) or 0)


def purge_expired(session: AnySession, now: datetime, settings: RetentionSettings) -> Purged:
    """One pass: at most ``settings.retention_batch`` rows of each kind whose window has
    passed at ``now``. The caller commits."""
    if not session.scalar(select(func.pg_try_advisory_xact_lock(_ADVISORY_LOCK))):
        return Purged()  # another worker is purging right now
    batch = settings.retention_batch
    outbox_cutoff = now - timedelta(days=settings.outbox_retention_days)
    idempotency = _delete_batch(
        session,
        IdempotencyRecord,
        [IdempotencyRecord.created_at < now - timedelta(hours=settings.idempotency_ttl_hours)],
        batch,
    )
    # Notifications before outbox events: an event goes only once its own are gone.
    notifications = _delete_batch(
        session,
        Notification,
        [
            Notification.status != PENDING,
            func.coalesce(Notification.sent_at, Notification.created_at)
            < now - timedelta(days=settings.notifications_retention_days),
        ],
        batch,
    )
    outbox = _delete_batch(
        session,
        OutboxEvent,
        [
            OutboxEvent.processed_at < outbox_cutoff,
            or_(
                OutboxEvent.dedupe_key.is_(None),
                OutboxEvent.created_at < min(outbox_cutoff, now - DEDUPE_HORIZON),
            ),
            ~exists().where(Notification.outbox_event_id == OutboxEvent.id),
        ],
        batch,
    )
    webhook_events = _delete_batch(
        session,
        StripeWebhookEvent,
        [
            StripeWebhookEvent.received_at
            < now - timedelta(days=settings.stripe_webhook_events_retention_days)
        ],
        batch,
    )
    pushes = _delete_batch(
        session,
        NewRequestPushes,
        [NewRequestPushes.day < today_tokyo(now) - timedelta(days=DEFAULT_RECENT_DAYS + 1)],
        batch,
    )
    purged = Purged(idempotency, outbox, notifications, webhook_events, pushes)
    if purged.total:
        log.info("retention purge", extra={"purged": asdict(purged)})
    return purged


@dataclass
class _Schedule:
    last_run: datetime | None = None
    backlog: bool = False


_schedule = _Schedule()


def purge_when_due(
    session: AnySession, now: datetime, settings: RetentionSettings
) -> Purged | None:
    """``purge_expired`` from the worker's tick, which comes every few seconds: at most once
    per ``RETENTION_INTERVAL_SECONDS`` (the queries read whole tables, unindexed by age),
    and on every tick while a batch came back full. A clock that went back (a test, or
    a corrected clock) makes it due. None when not due."""
    last = _schedule.last_run
    interval = timedelta(seconds=settings.retention_interval_seconds)
    if last is not None and not _schedule.backlog and last <= now < last + interval:
        return None
    purged = purge_expired(session, now, settings)
    _schedule.last_run, _schedule.backlog = now, purged.backlog(settings.retention_batch)
    return purged


def purge_all(session: AnySession, now: datetime, settings: RetentionSettings) -> Purged:
    """Pass after pass, committing each, until nothing is left to purge (the CLI)."""
    total = Purged()
    while True:
        purged = purge_expired(session, now, settings)
        session.commit()
        total = Purged(*(a + b for a, b in zip(astuple(total), astuple(purged), strict=True)))
        if not purged.backlog(settings.retention_batch):
            return total
