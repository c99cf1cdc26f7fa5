"""The title and body of a push, in the recipient's language, from a few facts.

Only facts this module knows how to show get into a text (the kind of help, its start as
Tokyo wall time, a certification's expiry date), whatever else the caller passes: a push
shows on a lock screen, so names, addresses, notes and amounts must never reach it. A
missing or unusable fact picks a less specific body rather than failing.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from otagai.domain.clock import TOKYO
from otagai.messages.notifications import (
    CHECKIN_LABELS,
    KIND_LABELS,
    LATE_LABELS,
    NO_SHOW_LABELS,
    PUSH_TEXTS,
)

WEEKDAYS_JA = "月火水木金土日"
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _starts_at(facts: Mapping[str, Any]) -> datetime | None:
    value = facts.get("starts_at")
    # A naive time could be any zone: no time beats a wrong one.
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(TOKYO)
    return None


def _expires_on(facts: Mapping[str, Any]) -> date | None:
    value = facts.get("expires_on")
    if isinstance(value, datetime):
        return value.astimezone(TOKYO).date() if value.tzinfo is not None else None
    return value if isinstance(value, date) else None


def _when(at: datetime, ja: bool) -> str:
    if ja:
        return f"{at.month}月{at.day}日({WEEKDAYS_JA[at.weekday()]}) {at:%H:%M}"
    return f"{WEEKDAYS_EN[at.weekday()]} {at.day} {MONTHS_EN[at.month - 1]}, {at:%H:%M}"


def _day(on: date, ja: bool) -> str:
    if ja:
        return f"{on.year}年{on.month}月{on.day}日"
    return f"{on.day} {MONTHS_EN[on.month - 1]} {on.year}"


def _fields(facts: Mapping[str, Any], ja: bool) -> dict[str, str]:
    """The fields the facts allow, already worded: kind, summary, checkin, late, no_show,
    until, event_when (an event's start: never its title, place or who comes)."""
    fields: dict[str, str] = {}
    kind = facts.get("kind")
    label = KIND_LABELS.get(kind) if isinstance(kind, str) else None
    if label is not None:
        fields["kind"] = f"「{label[0]}」" if ja else label[1]
    at = _starts_at(facts)
    parts = [fields["kind"]] if "kind" in fields else []
    if at is not None:
        parts.append(f"{_when(at, ja)} から" if ja else _when(at, ja))
    if parts:
        fields["summary"] = "".join(parts) if ja else ", ".join(parts)
    checkin = facts.get("checkin")
    checkin_label = CHECKIN_LABELS.get(checkin) if isinstance(checkin, str) else None
    if checkin_label is not None:
        fields["checkin"] = checkin_label[0] if ja else checkin_label[1]
    missing = facts.get("missing")
    late_label = LATE_LABELS.get(missing) if isinstance(missing, str) else None
    if late_label is not None:
        fields["late"] = late_label[0] if ja else late_label[1]
    no_show = facts.get("no_show")
    no_show_label = NO_SHOW_LABELS.get(no_show) if isinstance(no_show, str) else None
    if no_show_label is not None:
        fields["no_show"] = no_show_label[0] if ja else no_show_label[1]
    event_value = facts.get("event_at")
    if isinstance(event_value, datetime) and event_value.tzinfo is not None:
        fields["event_when"] = _when(event_value.astimezone(TOKYO), ja)
    on = _expires_on(facts)
    if on is not None:
        fields["until"] = _day(on, ja)
    return fields


def _needs(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(type: str, locale: str, facts: Mapping[str, Any]) -> tuple[str, str]:
    """(title, body) of a push of ``type`` in ``locale`` ("en", anything else is "ja")."""
    try:
        texts = PUSH_TEXTS[type]
    except KeyError:
        raise ValueError(f"unknown notification type: {type!r}") from None
    lang = "en" if locale == "en" else "ja"
    title, bodies = texts[lang]
    fields = _fields(facts, ja=lang == "ja")
    body = next(b for b in bodies if _needs(b) <= fields.keys()).format_map(fields)
    # English bodies may start with a field written to stand mid-sentence ("pickup, ...").
    return title, body[:1].upper() + body[1:]
