"""What each person wants to be told, and when: notification types switched on or off, and
quiet hours (Asia/Tokyo wall clock) that hold non-urgent messages until they end.

A user without a settings row has the defaults, so nobody has to open the settings screen
to get sensible behaviour, and the deliverer reads everybody's choices in one query.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain.actors import Actor, require_user
from otagai.domain.clock import TOKYO
from otagai.domain.notifications.models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    NotificationSettings,
)
from otagai.domain.notifications.types import ALWAYS_ON, TYPES
from otagai.errors import RuleViolation
from otagai.extensions.db import session

# Field messages (English; Japanese in otagai.messages.notifications.FIELD_MESSAGES_JA).
CANNOT_SWITCH_OFF = "This notification cannot be switched off."
EMPTY_WINDOW = "Start and end must differ."


@dataclass(frozen=True)
class Preferences:
    disabled: frozenset[str]
    quiet_enabled: bool
    quiet_start: time
    quiet_end: time


DEFAULTS = Preferences(
    disabled=frozenset(),
    quiet_enabled=True,
    quiet_start=DEFAULT_QUIET_START,
    quiet_end=DEFAULT_QUIET_END,
)


def _of(row: NotificationSettings | None) -> Preferences:
    if row is None:
        return DEFAULTS
    return Preferences(
        disabled=frozenset(row.disabled_types),
        quiet_enabled=row.quiet_hours_enabled,
        quiet_start=row.quiet_start,
        quiet_end=row.quiet_end,
    )


def preferences_for(user_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, Preferences]:
    """Everybody's preferences in one query; a user without a row gets ``DEFAULTS``."""
    if not user_ids:
        return {}
    rows = session.scalars(
        select(NotificationSettings).where(NotificationSettings.user_id.in_(list(user_ids)))
    )
    stored = {row.user_id: _of(row) for row in rows}
    return {user_id: stored.get(user_id, DEFAULTS) for user_id in user_ids}


def wants(prefs: Preferences, type: str) -> bool:
    """Whether to send a notification of ``type`` at all (ever on: a cancellation)."""
    return type in ALWAYS_ON or type not in prefs.disabled


def _in_window(moment: time, start: time, end: time) -> bool:
    # Start inclusive, end exclusive; start > end is a window across midnight.
    if start < end:
        return start <= moment < end
    if start > end:
        return moment >= start or moment < end
    return False


def held_until(now: datetime, prefs: Preferences, *, urgent: bool) -> datetime | None:
    """When a notification due ``now`` may go out: ``None`` for now, or (non-urgent, inside
    the quiet hours on the Tokyo wall clock) the next end of the quiet hours, in UTC."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if urgent or not prefs.quiet_enabled:
        return None
    local = now.astimezone(TOKYO)
    if not _in_window(local.time(), prefs.quiet_start, prefs.quiet_end):
        return None
    release = datetime.combine(local.date(), prefs.quiet_end, tzinfo=TOKYO)
    if release <= local:
        release = datetime.combine(local.date() + timedelta(days=1), prefs.quiet_end, tzinfo=TOKYO)
    return release.astimezone(UTC)


def my_settings(actor: Actor) -> Preferences:
    """My settings (the defaults where I never changed them); ``views.settings_view``
    shows them as ``{"types": {type: on}, "quiet_hours": {"enabled", "start", "end"}}``."""
    user = require_user(actor)
    return preferences_for([user.id])[user.id]


def _check_always_on(types: Mapping[str, bool]) -> None:
    """The rule the schema cannot know: some types cannot be switched off. (Which types
    exist, and that values are booleans and times, the API's schema has checked.)"""
    always_on = [t for t, on in types.items() if t in ALWAYS_ON and not on]
    if always_on:
        raise RuleViolation(
            "notification_type_always_on",
            errors={f"types.{t}": [CANNOT_SWITCH_OFF] for t in always_on},
        )


def _locked_row(user_id: uuid.UUID) -> NotificationSettings:
    # Create the defaults first, then lock: two changes at once (types from one screen,
    # quiet hours from another) are applied one after the other, neither is lost.
    session.execute(
        insert(NotificationSettings)
        .values(
            user_id=user_id,
            disabled_types=[],
            quiet_hours_enabled=DEFAULTS.quiet_enabled,
            quiet_start=DEFAULTS.quiet_start,
            quiet_end=DEFAULTS.quiet_end,
        )
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    return session.scalars(
        select(NotificationSettings)
        .where(NotificationSettings.user_id == user_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def update_settings(actor: Actor, changes: Mapping[str, Any]) -> Preferences:
    """Change some of my settings: ``{"types": {type: on}, "quiet_hours": {"enabled",
    "start", "end"}}``, any subset of it; answers all of them, as ``my_settings``."""
    user = require_user(actor)
    types: Mapping[str, bool] = changes.get("types") or {}
    quiet: Mapping[str, Any] = changes.get("quiet_hours") or {}
    _check_always_on(types)
    if not types and not quiet:
        return my_settings(actor)

    row = _locked_row(user.id)
    start = quiet.get("start", row.quiet_start)
    end = quiet.get("end", row.quiet_end)
    if start == end:
        fields = [f for f in ("start", "end") if f in quiet] or ["start", "end"]
        raise RuleViolation(
            "quiet_hours_empty", errors={f"quiet_hours.{f}": [EMPTY_WINDOW] for f in fields}
        )
    # A type is on as sent, else as stored; kept in the order of TYPES, so a type that no
    # longer exists drops out.
    row.disabled_types = [t for t in TYPES if not types.get(t, t not in row.disabled_types)]
    row.quiet_hours_enabled = quiet.get("enabled", row.quiet_hours_enabled)
    row.quiet_start, row.quiet_end = start, end
    session.flush()
    return _of(row)
