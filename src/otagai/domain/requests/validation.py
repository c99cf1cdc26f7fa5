"""The rules a new share request must satisfy, as field errors (a 422 lists them all).

What each kind needs:
- pickup: a pickup point (``location``) and a drop-off point, at least one child;
- babysitting: at least one child, no drop-off;
- lending: an item (category and description), no children, no drop-off.
Times: ``starts_at`` in the future (at most a year ahead) and before ``ends_at``; a pickup
or babysitting lasts at most 12 hours, a loan at most 30 days.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from otagai.domain.requests.models import BABYSITTING, LENDING, PICKUP

ITEM_CATEGORIES = (
    "stroller",
    "car_seat",
    "baby_carrier",
    "crib",
    "clothes",
    "toys",
    "books",
    "other",
)
DEFAULT_RADIUS_M = {PICKUP: 2000, BABYSITTING: 2000, LENDING: 5000}
MAX_RADIUS_M = 20000
# Candidacy is measured between public points, each up to 340 m from the truth
# (people/places.py): a smaller circle would be mostly noise.
MIN_RADIUS_M = 500
MAX_SPAN = {
    PICKUP: timedelta(hours=12),
    BABYSITTING: timedelta(hours=12),
    LENDING: timedelta(days=30),
}
MAX_LEAD = timedelta(days=365)
MAX_CHILDREN = 10
MAX_THANK_YOU_JPY = 100_000

IN_THE_PAST = "Must be in the future."
TOO_FAR_AHEAD = "Must be at most one year ahead."
ENDS_BEFORE_START = "Must be after starts_at."
TOO_LONG = {
    PICKUP: "Must be at most 12 hours after starts_at.",
    BABYSITTING: "Must be at most 12 hours after starts_at.",
    LENDING: "Must be at most 30 days after starts_at.",
}
REQUIRED_FOR_PICKUP = "Required for pickup."
ONLY_FOR_PICKUP = "Only for pickup."
REQUIRED_FOR_LENDING = "Required for lending."
ONLY_FOR_LENDING = "Only for lending."
CHILD_REQUIRED = "At least one child is required."
NOT_FOR_LENDING = "Not for lending."
# The same words whether the id is unknown or another household's: ids do not leak.
UNKNOWN_CHILD = "Unknown child."
DUPLICATES = "Must not contain duplicates."
TOO_MANY_CHILDREN = "At most 10 children."

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def time_errors(kind: str, starts_at: datetime, ends_at: datetime, now: datetime) -> Errors:
    errors: Errors = {}
    if starts_at <= now:
        _add(errors, "starts_at", IN_THE_PAST)
    elif starts_at - now > MAX_LEAD:
        _add(errors, "starts_at", TOO_FAR_AHEAD)
    if ends_at <= starts_at:
        _add(errors, "ends_at", ENDS_BEFORE_START)
    elif ends_at - starts_at > MAX_SPAN[kind]:
        _add(errors, "ends_at", TOO_LONG[kind])
    return errors


def shape_errors(
    kind: str,
    *,
    dropoff: Any,
    child_ids: list[uuid.UUID] | None,
    item: dict[str, Any] | None,
) -> Errors:
    """Which of dropoff / child_ids / item the kind needs or forbids."""
    errors: Errors = {}
    children = child_ids or []
    if kind == PICKUP and dropoff is None:
        _add(errors, "dropoff", REQUIRED_FOR_PICKUP)
    if kind != PICKUP and dropoff is not None:
        _add(errors, "dropoff", ONLY_FOR_PICKUP)
    if kind in (PICKUP, BABYSITTING):
        if not children:
            _add(errors, "child_ids", CHILD_REQUIRED)
        if item is not None:
            _add(errors, "item", ONLY_FOR_LENDING)
    if kind == LENDING:
        if children:
            _add(errors, "child_ids", NOT_FOR_LENDING)
        if item is None:
            _add(errors, "item", REQUIRED_FOR_LENDING)
    if len(children) != len(set(children)):
        _add(errors, "child_ids", DUPLICATES)
    elif len(children) > MAX_CHILDREN:
        _add(errors, "child_ids", TOO_MANY_CHILDREN)
    return errors


def request_errors(
    kind: str,
    *,
    starts_at: datetime,
    ends_at: datetime,
    dropoff: Any,
    child_ids: list[uuid.UUID] | None,
    item: dict[str, Any] | None,
    now: datetime,
) -> Errors:
    """Every rule that needs no database, at once."""
    errors = time_errors(kind, starts_at, ends_at, now)
    for field, messages in shape_errors(
        kind, dropoff=dropoff, child_ids=child_ids, item=item
    ).items():
        errors.setdefault(field, []).extend(messages)
    return errors
