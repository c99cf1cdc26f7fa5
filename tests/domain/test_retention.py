"""Retention: the worker's tick deletes what has outlived its window, in batches, and
nothing else. Rows are inserted with the ages under test and the clock is driven by the
``now`` given to the tick."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from otagai.config import ConfigError, Settings
from otagai.domain import retention
from otagai.domain.clock import TOKYO
from otagai.domain.idempotency import IdempotencyRecord
from otagai.domain.notifications.models import NewRequestPushes, Notification
from otagai.domain.outbox import OutboxEvent
from otagai.domain.payments.models import StripeWebhookEvent
from otagai.extensions.db import session
from otagai.worker import run_once
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("app_context")

HOUR, DAY = dt.timedelta(hours=1), dt.timedelta(days=1)
# Each test drives the clock from a moment of its own, far from the others: the tick's
# schedule (one pass per RETENTION_INTERVAL_SECONDS) never sees two of them as one.
_moments = iter(range(1, 1000))


def moment() -> dt.datetime:
    return dt.datetime(2100, 1, 1, tzinfo=dt.UTC) + next(_moments) * 365 * DAY


def idempotency_record(db, made: dt.datetime) -> IdempotencyRecord:
    record = IdempotencyRecord(
        owner_uid="someone",
        key=uuid.uuid4().hex,
        request_hash="0" * 64,
        status_code=201,
        body='{"name": "a child\'s name"}',
        created_at=made,
    )
    db.add(record)
    db.flush()
    return record


def outbox_event(
    db, processed: dt.datetime | None, *, made: dt.datetime | None = None, dedupe: bool = False
) -> OutboxEvent:
    event = OutboxEvent(
        id=uuid.uuid4(),
        kind="offer.created",
        payload={},
        recipients=[],
        processed_at=processed,
        created_at=made or processed or dt.datetime.now(dt.UTC),
        dedupe_key=f"test:{uuid.uuid4()}" if dedupe else None,
    )
    db.add(event)
    db.flush()
    return event


def notification(
    db, event: OutboxEvent, status: str, sent: dt.datetime | None, made: dt.datetime
) -> Notification:
    row = Notification(
        outbox_event_id=event.id,
        user_id=UserFactory().id,
        type="new_offer",
        urgent=False,
        data={},
        status=status,
        sent_at=sent,
        created_at=made,
    )
    db.add(row)
    db.flush()
    return row


def webhook_event(db, received: dt.datetime) -> StripeWebhookEvent:
    event = StripeWebhookEvent(
        id=f"evt_{uuid.uuid4().hex}",
        type="payment_intent.succeeded",
        stripe_created_at=received,
        received_at=received,
    )
    db.add(event)
    db.flush()
    return event


def exists(db, model: Any, key: Any) -> bool:
    return db.scalar(select(func.count()).select_from(model).where(model.id == key)) == 1


def ids(*rows: Any) -> list[tuple[Any, Any]]:
    return [(type(row), row.id) for row in rows]


def test_one_tick_purges_each_kind_past_its_window_and_keeps_the_rest(db, settings):
    now = moment()
    old_answer = idempotency_record(db, now - 25 * HOUR)
    fresh_answer = idempotency_record(db, now - 23 * HOUR)
    delivered = outbox_event(db, now - 8 * DAY)
    recently_delivered = outbox_event(db, now - 6 * DAY)
    undelivered = outbox_event(db, None, made=now - 90 * DAY)
    sent_event = outbox_event(db, now - 60 * DAY)
    sent = notification(db, sent_event, "sent", now - 31 * DAY, now - 31 * DAY)
    recently_sent = notification(db, sent_event, "sent", now - 29 * DAY, now - 40 * DAY)
    failed = notification(db, sent_event, "failed", None, now - 31 * DAY)
    pending = notification(db, sent_event, "pending", None, now - 90 * DAY)
    old_webhook = webhook_event(db, now - 31 * DAY)
    fresh_webhook = webhook_event(db, now - 29 * DAY)

    gone = ids(old_answer, delivered, sent, failed, old_webhook)
    kept = ids(fresh_answer, recently_delivered, undelivered, sent_event, recently_sent, pending)
    kept += ids(fresh_webhook)

    run_once(now)

    assert [model.__name__ for model, key in gone if exists(db, model, key)] == []
    assert [model.__name__ for model, key in kept if not exists(db, model, key)] == []


def test_an_outbox_event_stays_while_a_notification_refers_to_it(db, settings):
    now = moment()
    event = outbox_event(db, now - 40 * DAY).id
    row = notification(db, db.get(OutboxEvent, event), "sent", now - 29 * DAY, now - 40 * DAY).id
    assert retention.purge_expired(session, now, settings).outbox_events == 0
    assert exists(db, OutboxEvent, event)
    later = now + 2 * DAY  # the notification's window has passed too
    purged = retention.purge_expired(session, later, settings)
    assert (purged.notifications, purged.outbox_events) == (1, 1)
    assert not exists(db, Notification, row)
    assert not exists(db, OutboxEvent, event)


def test_a_scheduled_event_stays_until_its_job_cannot_write_it_again(db, settings):
    """A certification's expiry notice is looked for 14 days ahead; its dedupe_key must
    outlive that, or the next tick would notify again."""
    now = moment()
    notice = outbox_event(db, now - 8 * DAY, made=now - 8 * DAY, dedupe=True).id
    older = outbox_event(db, now - 16 * DAY, made=now - 16 * DAY, dedupe=True).id
    assert retention.purge_expired(session, now, settings).outbox_events == 1
    assert exists(db, OutboxEvent, notice)
    assert not exists(db, OutboxEvent, older)


def test_a_pass_deletes_at_most_a_batch_of_each_kind(db, settings):
    now = moment()
    for _ in range(5):
        idempotency_record(db, now - 2 * DAY)
    small = replace(settings, retention_batch=2)
    assert retention.purge_expired(session, now, small).idempotency_records == 2
    assert retention.purge_all(session, now, small).idempotency_records == 3
    assert db.scalar(select(func.count()).select_from(IdempotencyRecord)) == 0


def test_the_tick_purges_once_per_interval_unless_a_batch_came_back_full(db, settings):
    now = moment()
    small = replace(settings, retention_batch=1, retention_interval_seconds=600)
    for _ in range(3):
        webhook_event(db, now - 40 * DAY)
    assert retention.purge_when_due(session, now, small) is not None  # full batch: backlog
    assert retention.purge_when_due(session, now + dt.timedelta(seconds=5), small) is not None
    third = retention.purge_when_due(session, now + dt.timedelta(seconds=10), small)
    assert third is not None and third.stripe_webhook_events == 1
    # Nothing left: the next pass waits for the interval.
    assert retention.purge_when_due(session, now + dt.timedelta(seconds=15), small) is not None
    webhook_event(db, now - 40 * DAY)
    assert retention.purge_when_due(session, now + dt.timedelta(seconds=20), small) is None
    later = retention.purge_when_due(session, now + dt.timedelta(minutes=11), small)
    assert later is not None and later.stripe_webhook_events == 1


def test_flask_retention_purge_and_idempotency_purge_purge_now(app, db, connection):
    runner = app.test_cli_runner()
    old = idempotency_record(db, dt.datetime.now(dt.UTC) - 3 * DAY).id
    webhook = webhook_event(db, dt.datetime.now(dt.UTC) - 40 * DAY).id
    result = runner.invoke(args=["idempotency", "purge"])
    assert result.exit_code == 0, result.output
    assert "purged 1 idempotency records" in result.output
    assert "1 stripe webhook events" in result.output
    assert not exists(db, IdempotencyRecord, old)
    assert not exists(db, StripeWebhookEvent, webhook)
    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    assert "purged 0 idempotency records" in result.output


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("STRIPE_WEBHOOK_EVENTS_RETENTION_DAYS", "3"),
        ("OUTBOX_RETENTION_DAYS", "0"),
        ("RETENTION_BATCH", "0"),
    ],
)
def test_retention_windows_too_short_to_be_safe_are_refused(name, value):
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({"OTAGAI_ENV": "test", name: value})


def test_retention_windows_have_documented_defaults():
    settings = Settings.from_env({"OTAGAI_ENV": "test"})
    assert settings.idempotency_ttl_hours == 24
    assert settings.outbox_retention_days == 7
    assert settings.notifications_retention_days == 30
    assert settings.stripe_webhook_events_retention_days == 30


def test_daily_push_counts_go_once_out_of_the_fairness_window(db, settings):
    now = moment()
    user = UserFactory()
    today = now.astimezone(TOKYO).date()
    for age in (0, 7, 8, 9, 40):
        db.add(NewRequestPushes(user_id=user.id, day=today - age * DAY, count=3))
    db.flush()
    run_once(now)
    left = db.scalars(select(NewRequestPushes.day).where(NewRequestPushes.user_id == user.id)).all()
    assert sorted((today - day).days for day in left) == [0, 7, 8]
