"""The dates of a series: an RFC 5545 RRULE (python-dateutil) from the first occurrence's
Tokyo wall-clock start, bounded, with Japanese public holidays (jpholiday) set aside
unless the series includes them.

What a rule may be (anything else is a 422 on ``rrule``, with every reason):
- one RRULE line (an optional ``RRULE:`` prefix), no DTSTART/RDATE/EXDATE of its own:
  the series' ``starts_at`` is the start;
- FREQ DAILY, WEEKLY or MONTHLY; no BYHOUR/BYMINUTE/BYSECOND (the time is the start's);
- bounded: COUNT or UNTIL, at most ``MAX_OCCURRENCES`` dates (holidays included), the last
  at most a year ahead.
Every occurrence starts at the same Tokyo time (a 17:30 pickup stays 17:30) and lasts as
long as the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any

import jpholiday
from dateutil.rrule import rrulestr

from otagai.domain.clock import TOKYO

MAX_OCCURRENCES = 60
MAX_LEAD = timedelta(days=365)
FREQUENCIES = ("DAILY", "WEEKLY", "MONTHLY")
FORBIDDEN_PARTS = ("BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART")

NOT_A_RULE = "Not a valid RRULE."
ONE_LINE = "Must be a single RRULE line without DTSTART, RDATE or EXDATE."
FREQUENCY = "FREQ must be DAILY, WEEKLY or MONTHLY."
UNBOUNDED = "Must end: give COUNT or UNTIL."
TIME_PARTS = "BYHOUR, BYMINUTE and BYSECOND are not allowed: the time is starts_at's."
TOO_MANY = f"At most {MAX_OCCURRENCES} occurrences."
TOO_LONG = "The last occurrence must be at most one year ahead."
NO_DATES = "The rule gives no date."
ONLY_HOLIDAYS = "Every date is a public holiday: set include_holidays."


@dataclass(frozen=True)
class Slot:
    on_date: date
    starts_at: datetime
    ends_at: datetime
    holiday: bool


def is_holiday(day: date) -> bool:
    return bool(jpholiday.is_holiday(day))


def _parts(text: str) -> dict[str, str]:
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[len("RRULE:") :]
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        key, _, value = piece.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    return parts


def slot_at(day: date, first_start: datetime, duration: timedelta) -> tuple[datetime, datetime]:
    """The span on ``day`` at the first occurrence's Tokyo time."""
    local = datetime.combine(day, first_start.astimezone(TOKYO).time().replace(tzinfo=None))
    start = local.replace(tzinfo=TOKYO)
    return start, start + duration


def expand(rule: str, starts_at: datetime, ends_at: datetime, now: datetime) -> list[Slot]:
    """The rule's dates as spans; ``RuleError`` with every reason it is refused."""
    errors: list[str] = []
    if "\n" in rule or "\r" in rule or any(p in rule.upper() for p in ("RDATE", "EXDATE")):
        raise RuleError([ONE_LINE])
    parts = _parts(rule)
    if parts.get("FREQ") not in FREQUENCIES:
        errors.append(FREQUENCY)
    if "COUNT" not in parts and "UNTIL" not in parts:
        errors.append(UNBOUNDED)
    if any(p in parts for p in FORBIDDEN_PARTS):
        errors.append(TIME_PARTS if "DTSTART" not in parts else ONE_LINE)
    if errors:
        raise RuleError(errors)
    start_local = starts_at.astimezone(TOKYO).replace(tzinfo=None)
    body = ";".join(f"{k}={v}" for k, v in parts.items())
    if "UNTIL" in parts and parts["UNTIL"].endswith("Z"):
        # A UTC UNTIL against a floating start: compare in Tokyo wall time.
        body = body.replace(parts["UNTIL"], _until_tokyo(parts["UNTIL"]))
    try:
        parsed: Any = rrulestr(body, dtstart=start_local)
        dates: list[datetime] = list(islice(iter(parsed), MAX_OCCURRENCES + 1))
    except (ValueError, TypeError, KeyError, OverflowError) as exc:
        raise RuleError([NOT_A_RULE]) from exc
    if not dates:
        raise RuleError([NO_DATES])
    if len(dates) > MAX_OCCURRENCES:
        raise RuleError([TOO_MANY])
    duration = ends_at - starts_at
    slots = []
    for moment in dates:
        start, end = slot_at(moment.date(), starts_at, duration)
        slots.append(Slot(moment.date(), start, end, is_holiday(moment.date())))
    if slots[-1].starts_at - now > MAX_LEAD:
        raise RuleError([TOO_LONG])
    return slots


def _until_tokyo(value: str) -> str:
    try:
        at = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return value  # rrulestr says what is wrong with it
    return at.astimezone(TOKYO).strftime("%Y%m%dT%H%M%S")


class RuleError(ValueError):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages
