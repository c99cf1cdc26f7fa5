"""Signed links to a municipality's dashboard page: municipal staff open a browser page,
and a browser cannot send an API key. A partner's system (or an operator) asks for a link;
whoever holds it may view that one municipality's page for 15 minutes.

The token is itsdangerous' timed signature over the municipality code, salted so no other
token the service signs with the same secret can pass for one. The secret is an argument:
this layer does not know where settings live.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer

SALT = "dashboard"
MAX_AGE = timedelta(minutes=15)


class _ClockedSigner(TimestampSigner):
    """itsdangerous' timestamp signer, reading the time from a given clock: its own
    expiry check then runs for any ``now`` (tests travel in time without sleeping)."""

    def __init__(self, *args: Any, clock: Callable[[], int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return self._clock()


def _serializer(secret: str, now: datetime | None) -> URLSafeTimedSerializer:
    at = int((now or datetime.now(UTC)).timestamp())
    return URLSafeTimedSerializer(
        secret, salt=SALT, signer=_ClockedSigner, signer_kwargs={"clock": lambda: at}
    )


def make_link(code: str, *, secret: str, now: datetime | None = None) -> tuple[str, datetime]:
    """A token for the dashboard of municipality ``code``, and when it stops working."""
    serializer = _serializer(secret, now)
    token = serializer.dumps(code)
    # The signed time has whole seconds; the expiry is reckoned from exactly that.
    _, signed_at = serializer.loads(token, return_timestamp=True)
    return token, signed_at + MAX_AGE


def verify_link(token: str, code: str, *, secret: str, now: datetime | None = None) -> bool:
    """Whether ``token`` was signed with ``secret`` for ``code`` at most MAX_AGE ago
    (a token dated after ``now`` is refused as well)."""
    try:
        payload = _serializer(secret, now).loads(token, max_age=int(MAX_AGE.total_seconds()))
    except BadData:
        return False
    return isinstance(payload, str) and payload == code
