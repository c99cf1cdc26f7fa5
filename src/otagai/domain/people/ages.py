"""Ages as a family's calendar counts them (the days themselves are Tokyo days: clock.py)."""

from __future__ import annotations

from datetime import date

MAX_CHILD_AGE = 18


def age_on(birth_date: date, on: date) -> int:
    """Completed years on ``on``. A 29 February birthday counts from 1 March in common
    years, as insurers reckon it."""
    years = on.year - birth_date.year
    if (on.month, on.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def is_child_birth_date(birth_date: date, today: date) -> bool:
    """Born by today and no older than 18: the ages the service looks after."""
    return birth_date <= today and age_on(birth_date, today) <= MAX_CHILD_AGE
