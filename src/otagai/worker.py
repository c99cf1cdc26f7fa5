"""The notification worker: ``flask notifications work`` (a loop) or ``--once`` (cron,
tests). Each round commits in steps, so a crash loses nothing:

1. the scheduled jobs (reminders, expiry notices, request expiry, late escalation),
   committed, and the retention purge when due (``domain/retention``), committed;
2. outbox events → notifications (recipients, preferences, quiet hours), committed;
3. a claim of due notifications (leases), committed — then the push, then its outcome,
   committed.

Several workers may run side by side: every claim is ``FOR UPDATE SKIP LOCKED``.

In its loop (``run_forever``) the worker survives the database going away: a round that
fails (a terminated backend, a failover, a timeout) is rolled back and logged, its
session dropped, and the next one tried after a backoff that doubles with each failure in
a row (up to ``MAX_BACKOFF`` seconds). SIGTERM and SIGINT stop it between rounds: the
round under way finishes (its claimed pushes are sent and settled) and the process exits
0. Every loop iteration touches the heartbeat file, if one is given: an orchestrator's
liveness probe checks its age (README, Operations).
"""

from __future__ import annotations

import logging
import os
import random
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TypeVar

from flask import current_app

from otagai.domain import retention
from otagai.domain.notifications import delivery, fairness, jobs
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
    settings = current_app.config["OTAGAI"]
    tick = _committed(
        lambda: jobs.tick(
            at, settings.late_escalation, timedelta(days=settings.series_horizon_days)
        )
    )
    _committed(lambda: retention.purge_when_due(session, at, settings))
    rules = fairness.Rules(
        per_request=settings.new_request_fanout, per_day=settings.new_request_pushes_per_day
    )
    fanned = _committed(lambda: fan_out(at, limit=batch, rules=rules))
    claimed = _committed(lambda: delivery.claim(at, limit=batch))
    sent = _committed(lambda: delivery.send(claimed, at))
    return Round(tick=tick, fan_out=fanned, delivery=sent)


# Seconds between attempts while the database keeps failing.
MAX_BACKOFF = 30.0


def backoff(failures: int, interval: float) -> float:
    """Seconds to wait after ``failures`` failed rounds in a row: ``interval`` doubled
    each time, at most MAX_BACKOFF, with jitter so that workers do not retry in step."""
    return min(interval * 2 ** (failures - 1), MAX_BACKOFF) * random.uniform(0.5, 1.0)


def beat(heartbeat: Path | None) -> None:
    """The worker is alive: the file's modification time is now (it holds it too)."""
    if heartbeat is None:
        return
    try:
        heartbeat.write_text(datetime.now(UTC).isoformat() + "\n")
    except OSError:
        log.warning("cannot write the heartbeat file %s", heartbeat, exc_info=True)


def _drop_session() -> None:
    # The failed round rolled back; its connection may be dead: start the next round on
    # a fresh session (the pool's pre-ping replaces dead connections at checkout).
    try:
        session.remove()
    except Exception:
        log.debug("closing the failed round's session", exc_info=True)
        session.registry.clear()


def stop_on_signals(stop: threading.Event) -> None:
    """SIGTERM (an orchestrator stopping the worker) and SIGINT set ``stop``: the loop
    ends after the round under way."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping after this round", extra={"signal": signal.Signals(signum).name})
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, handler)


def run_forever(
    *,
    interval: float = 5.0,
    batch: int = 100,
    stop: threading.Event | None = None,
    heartbeat: Path | None = None,
) -> None:
    """Rounds until ``stop`` is set; sleeps ``interval`` seconds only when idle. A failed
    round is logged and the next one tried after a backoff (the database or FCM may be
    back by then)."""
    stop = stop or threading.Event()
    failures = 0
    while not stop.is_set():
        beat(heartbeat)
        try:
            done = run_once(batch=batch)
        except Exception:
            failures += 1
            log.exception("notification round failed", extra={"failures_in_a_row": failures})
            _drop_session()
            stop.wait(backoff(failures, interval))
            continue
        failures = 0
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
    log.info("notification worker stopped", extra={"pid": os.getpid()})
