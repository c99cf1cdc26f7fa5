"""The notification worker: ``flask notifications work`` (a loop) or ``--once`` (cron,
tests). Each round commits in steps, so a crash loses nothing:

1. the scheduled jobs (reminders, expiry notices, request expiry), committed, and the
   retention purge when due (``domain/retention``), committed;
2. outbox events → notifications (recipients, preferences, quiet hours), committed;
3. a claim of due notifications (leases), committed — then the push, then its outcome,
   committed.

Several workers may run side by side: every claim is ``FOR UPDATE SKIP LOCKED``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from flask import current_app

from otagai.domain import retention
from otagai.domain.notifications import delivery, jobs
from otagai.domain.notifications.fanout import FanOut, fan_out
from otagai.extensions.db import session

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Round:
    tick: jobs.Tick
    fan_out: FanOut
    delivery: delivery.Delivery

    @property
    def busy(self) -> bool:
        """Work was found: go again at once rather than sleep."""
        return bool(self.fan_out.events or self.delivery.claimed)


def _committed(step: Callable[[], T]) -> T:
    try:
        result = step()
        session.commit()
        return result
    except BaseException:
        session.rollback()
        raise


def run_once(now: datetime | None = None, *, batch: int = 100) -> Round:
    at = now or datetime.now(UTC)
    tick = _committed(lambda: jobs.tick(at))
    _committed(lambda: retention.purge_when_due(session, at, current_app.config["OTAGAI"]))
    fanned = _committed(lambda: fan_out(at, limit=batch))
    claimed = _committed(lambda: delivery.claim(at, limit=batch))
    sent = _committed(lambda: delivery.send(claimed, at))
    return Round(tick=tick, fan_out=fanned, delivery=sent)


def run_forever(
    *, interval: float = 5.0, batch: int = 100, stop: threading.Event | None = None
) -> None:
    """Rounds until ``stop`` is set; sleeps ``interval`` seconds only when idle. A failed
    round is logged and the next one tried (the database or FCM may be back by then)."""
    stop = stop or threading.Event()
    while not stop.is_set():
        try:
            done = run_once(batch=batch)
        except Exception:
            log.exception("notification round failed")
            stop.wait(interval)
            continue
        if done.delivery.claimed or done.fan_out.events:
            log.info(
                "notification round",
                extra={
                    "events": done.fan_out.events,
                    "notifications": done.fan_out.notifications,
                    "claimed": done.delivery.claimed,
                    "outcomes": dict(done.delivery.outcomes),
                    "tokens_removed": done.delivery.tokens_removed,
                },
            )
        if not done.busy:
            stop.wait(interval)
