"""The clock under a test's control: ``clock.set(at)`` stops the service's time at
``at`` (Python's clocks: ``datetime.now``, ``time.time``), ``clock.advance(minutes=20)``
moves it. Through time-machine, which replaces the standard library's clocks for the
process, so the code under test runs unchanged and reads time as it always does.

PostgreSQL's ``now()`` is not moved: columns filled by a server default (``created_at``)
keep the real time. Everything the safety features compare (check-ins, escalations,
windows) is written with ``clock.now()``, which follows.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine


class Clock:
    def __init__(self) -> None:
        self._travel: Any = None
        self.at: datetime | None = None

    def set(self, at: datetime) -> datetime:
        """Stop the time at ``at`` (aware) until the next ``set`` or the test's end."""
        self.stop()
        self._travel = time_machine.travel(at.astimezone(UTC), tick=False)
        self._travel.start()
        self.at = at
        return at

    def advance(self, **delta: float) -> datetime:
        assert self.at is not None, "set the clock first"
        return self.set(self.at + timedelta(**delta))

    def stop(self) -> None:
        if self._travel is not None:
            self._travel.stop()
            self._travel = None


@pytest.fixture
def clock() -> Iterator[Clock]:
    controlled = Clock()
    try:
        yield controlled
    finally:
        controlled.stop()
