"""Certification.valid_on — the one rule of who is certified on a day — in Python and in
SQL, and the term rules of granting and renewing."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from otagai.domain.clock import TOKYO, today_tokyo
from otagai.domain.trust import certification_rules as rules
from otagai.domain.trust.models import Certification
from otagai.errors import RuleViolation
from otagai.extensions.db import session
from tests.factories import (
    CertificationFactory,
    CommunityFactory,
    MunicipalityFactory,
    UserFactory,
)

DAY = date(2026, 6, 10)


def tokyo(day: date, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), TOKYO)


def cert(
    granted_at: datetime,
    expires_on: date,
    revoked_at: datetime | None = None,
    trained_on: date | None = None,
) -> Certification:
    return Certification(
        kinds=["pickup"],
        trained_on=trained_on or expires_on - timedelta(days=365),
        expires_on=expires_on,
        granted_at=granted_at,
        revoked_at=revoked_at,
    )


# --- valid_on in Python ---------------------------------------------------------------

GRANTED = tokyo(DAY - timedelta(days=100), 10)
EXPIRES = DAY + timedelta(days=100)


@pytest.mark.parametrize(
    ("day", "valid"),
    [
        (EXPIRES, True),  # valid through the day of expiry
        (EXPIRES + timedelta(days=1), False),  # and not the day after
        (GRANTED.date(), True),  # valid on the day it was granted
        (GRANTED.date() - timedelta(days=1), False),  # not before
        (DAY, True),
    ],
)
def test_valid_on_around_grant_and_expiry(day, valid):
    assert cert(GRANTED, EXPIRES).valid_on(day) is valid


@pytest.mark.parametrize(
    ("day", "valid"),
    [
        (DAY - timedelta(days=1), True),  # still valid the day before revocation
        (DAY, False),  # the day of revocation is not a valid day
        (DAY + timedelta(days=1), False),
    ],
)
def test_valid_on_around_revocation(day, valid):
    assert cert(GRANTED, EXPIRES, revoked_at=tokyo(DAY, 18)).valid_on(day) is valid


def test_valid_on_revoked_just_after_tokyo_midnight_counts_that_tokyo_day():
    # 15:00:00 UTC is 00:00 the next day in Tokyo: the day before stays valid.
    revoked = datetime.combine(DAY - timedelta(days=1), time(15, 0), UTC)
    c = cert(GRANTED, EXPIRES, revoked_at=revoked)
    assert c.valid_on(DAY - timedelta(days=1)) is True
    assert c.valid_on(DAY) is False


def test_valid_on_revoked_just_before_tokyo_midnight_counts_that_tokyo_day():
    revoked = datetime.combine(DAY - timedelta(days=1), time(14, 59, 59), UTC)  # 23:59:59 JST
    assert cert(GRANTED, EXPIRES, revoked_at=revoked).valid_on(DAY - timedelta(days=1)) is False


def test_valid_on_granted_at_utc_evening_starts_on_the_tokyo_day():
    granted = datetime.combine(DAY - timedelta(days=1), time(15, 30), UTC)  # 00:30 JST on DAY
    c = cert(granted, EXPIRES)
    assert c.valid_on(DAY - timedelta(days=1)) is False
    assert c.valid_on(DAY) is True


def test_valid_on_granted_and_revoked_the_same_day_is_never_valid():
    c = cert(tokyo(DAY, 9), EXPIRES, revoked_at=tokyo(DAY, 17))
    assert not any(c.valid_on(DAY + timedelta(days=d)) for d in range(-2, 3))


@pytest.mark.parametrize(
    ("revoked_at", "day", "status"),
    [
        (None, DAY, "active"),
        (None, EXPIRES + timedelta(days=1), "expired"),
        (tokyo(DAY, 9), DAY, "revoked"),
        (tokyo(DAY, 9), DAY - timedelta(days=1), "active"),
        (tokyo(DAY, 9), EXPIRES + timedelta(days=1), "revoked"),
    ],
)
def test_status_on_follows_valid_on(revoked_at, day, status):
    assert rules.status_on(cert(GRANTED, EXPIRES, revoked_at), day) == status


# --- valid_on in SQL: the same answers as Python --------------------------------------

BASE = date(2026, 6, 1)
ONE_DAY = timedelta(days=1)
# Instants on or right around Tokyo midnights, or anywhere in a day.
seconds_in_day = st.one_of(st.sampled_from([0, 1, 86399]), st.integers(0, 86399))


@st.composite
def certification_rows(draw):
    granted = tokyo(BASE + timedelta(days=draw(st.integers(-30, 30)))) + timedelta(
        seconds=draw(seconds_in_day)
    )
    # Mostly after the grant (so validity windows exist), sometimes before it.
    expires_on = granted.astimezone(TOKYO).date() + timedelta(days=draw(st.integers(-3, 45)))
    revoked = None
    if draw(st.booleans()):
        revoked = granted + timedelta(seconds=draw(st.integers(0, 40 * 86400)))
        if draw(st.booleans()):  # right at a Tokyo midnight
            revoked = tokyo(revoked.astimezone(TOKYO).date()) + timedelta(
                seconds=draw(st.sampled_from([-1, 0, 1]))
            )
            revoked = max(revoked, granted)
    return granted, expires_on, revoked


def _edges(row) -> list[date]:
    """Days where an off-by-one or a UTC-for-Tokyo slip would show."""
    granted, expires_on, revoked = row
    days = [granted.astimezone(TOKYO).date(), granted.astimezone(UTC).date(), expires_on]
    if revoked is not None:
        days += [revoked.astimezone(TOKYO).date(), revoked.astimezone(UTC).date()]
    return [d + timedelta(days=k) for d in days for k in (-1, 0, 1)]


@st.composite
def scenarios(draw):
    rows = draw(st.lists(certification_rows(), min_size=1, max_size=6))
    near = [d for row in rows for d in _edges(row)]
    anywhere = st.builds(lambda d: BASE + timedelta(days=d), st.integers(-35, 35))
    return rows, draw(st.one_of(st.sampled_from(near), anywhere))


@pytest.fixture
def people(app_context):
    community = CommunityFactory()
    return community, [UserFactory() for _ in range(6)]


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(scenario=scenarios())
@example(scenario=([(tokyo(BASE, 0), BASE, None)], BASE))
@example(scenario=([(tokyo(BASE, 0), BASE, None)], BASE + timedelta(days=1)))
@example(scenario=([(tokyo(BASE - timedelta(days=3)), BASE, tokyo(BASE))], BASE))
@example(scenario=([(tokyo(BASE - timedelta(days=3)), BASE, tokyo(BASE, 8))], BASE))
# Early-morning Tokyo instants fall on the previous UTC day.
@example(
    scenario=([(tokyo(BASE, 0, 30), BASE + timedelta(days=9), None)], BASE - timedelta(days=1))
)
@example(
    scenario=(
        [(tokyo(BASE - timedelta(days=3)), BASE + timedelta(days=9), tokyo(BASE, 0, 30))],
        BASE - timedelta(days=1),
    )
)
def test_valid_on_in_sql_agrees_with_python(people, scenario):
    community, users = people
    rows, day = scenario
    nested = session.begin_nested()
    try:
        made = []
        for user, (granted, expires_on, revoked) in zip(users, rows, strict=False):
            c = cert(granted, expires_on, revoked, trained_on=expires_on - timedelta(days=400))
            c.id, c.community_id, c.user_id, c.granted_by_id = (
                uuid.uuid4(),
                community.id,
                user.id,
                users[-1].id,
            )
            made.append(c)
        session.add_all(made)
        session.flush()
        ids = [c.id for c in made]
        in_sql = select(Certification.id, Certification.valid_on(day))
        as_column = {
            i: valid for i, valid in session.execute(in_sql.where(Certification.id.in_(ids)))
        }
        as_filter = set(
            session.scalars(
                select(Certification.id).where(
                    Certification.id.in_(ids), Certification.valid_on(day)
                )
            )
        )
        first, last = Certification.valid_days()
        as_interval = set(
            session.scalars(
                select(Certification.id).where(Certification.id.in_(ids), first <= day, last >= day)
            )
        )
        in_python = {c.id: c.valid_on(day) for c in made}
        assert as_column == in_python
        assert as_filter == as_interval == {i for i, valid in in_python.items() if valid}
    finally:
        nested.rollback()


def test_valid_certifications_filters_by_day_community_and_kind(app_context):
    municipality = MunicipalityFactory()
    here, there = (CommunityFactory(municipality=municipality) for _ in range(2))
    pickup = CertificationFactory(community=here, kinds=["pickup"])
    CertificationFactory(community=here, kinds=["lending"])
    CertificationFactory(community=here, revoked_at=datetime.now(UTC) - timedelta(minutes=1))
    CertificationFactory(community=here, expires_on=date.today() - timedelta(days=2))
    elsewhere = CertificationFactory(community=there, kinds=["babysitting", "pickup"])
    today = today_tokyo()

    def ids(**filters):
        return {c.id for c in session.scalars(rules.valid_certifications(today, **filters))}

    assert ids(community_id=here.id, kind="pickup") == {pickup.id}
    assert ids(kind="pickup") == {pickup.id, elsewhere.id}


# --- term rules -----------------------------------------------------------------------

TODAY = date(2026, 11, 23)


def test_grant_terms_default_expiry_is_one_year_after_training():
    assert rules.grant_terms(date(2026, 10, 1), None, TODAY) == date(2027, 10, 1)


def test_grant_terms_default_from_29_february_is_28_february():
    assert rules.grant_terms(date(2024, 2, 29), None, date(2024, 3, 1)) == date(2025, 2, 28)


def test_grant_terms_three_years_after_training_is_the_last_allowed_expiry():
    assert rules.grant_terms(date(2026, 10, 1), date(2029, 10, 1), TODAY) == date(2029, 10, 1)


@pytest.mark.parametrize(
    ("trained_on", "expires_on", "field"),
    [
        (date(2026, 10, 1), date(2029, 10, 2), "expires_on"),  # past the 3-year cap
        (TODAY + timedelta(days=1), None, "trained_on"),  # training in the future
        (date(2023, 11, 23), date(2026, 11, 24), "trained_on"),  # exactly 3 years ago
        (date(2025, 11, 1), None, "expires_on"),  # the default year already passed
        (date(2026, 10, 1), TODAY, "expires_on"),  # not after today
        (date(2026, 10, 1), date(2026, 9, 1), "expires_on"),  # before training and today
    ],
)
def test_grant_terms_out_of_bounds_is_422_on_the_field(trained_on, expires_on, field):
    with pytest.raises(RuleViolation) as raised:
        rules.grant_terms(trained_on, expires_on, TODAY)
    assert raised.value.code == "validation_failed"
    assert list(raised.value.errors or {}) == [field]


def test_grant_terms_training_3_years_less_a_day_ago_is_allowed():
    assert rules.grant_terms(date(2023, 11, 24), date(2026, 11, 24), TODAY) == date(2026, 11, 24)


def current(trained_on: date, expires_on: date) -> Certification:
    return cert(tokyo(trained_on, 12), expires_on, trained_on=trained_on)


def test_renewal_terms_default_adds_a_year_to_a_future_expiry():
    c = current(date(2026, 3, 1), date(2027, 3, 1))
    assert rules.renewal_terms(c, None, None, TODAY) == (date(2026, 3, 1), date(2028, 3, 1))


def test_renewal_terms_default_of_an_expired_one_runs_a_year_from_today():
    c = current(date(2025, 6, 1), date(2026, 6, 1))
    assert rules.renewal_terms(c, None, None, TODAY) == (date(2025, 6, 1), date(2027, 11, 23))


def test_renewal_terms_default_is_capped_at_three_years_after_training():
    c = current(date(2024, 3, 1), date(2026, 12, 1))
    assert rules.renewal_terms(c, None, None, TODAY) == (date(2024, 3, 1), date(2027, 3, 1))


def test_renewal_terms_at_the_cap_asks_for_new_training():
    c = current(date(2024, 3, 1), date(2027, 3, 1))
    with pytest.raises(RuleViolation) as raised:
        rules.renewal_terms(c, None, None, TODAY)
    assert list(raised.value.errors or {}) == ["trained_on"]


def test_renewal_terms_new_training_moves_the_cap():
    c = current(date(2024, 3, 1), date(2027, 3, 1))
    assert rules.renewal_terms(c, date(2026, 11, 1), None, TODAY) == (
        date(2026, 11, 1),
        date(2028, 3, 1),
    )


@pytest.mark.parametrize(
    ("trained_on", "expires_on", "field"),
    [
        (None, date(2027, 3, 1), "expires_on"),  # not later than the current expiry
        (None, date(2027, 2, 1), "expires_on"),
        (None, date(2029, 3, 2), "expires_on"),  # past 3 years from training
        (date(2026, 2, 1), None, "trained_on"),  # before the current training
        (TODAY + timedelta(days=1), None, "trained_on"),
    ],
)
def test_renewal_terms_out_of_bounds_is_422_on_the_field(trained_on, expires_on, field):
    c = current(date(2026, 3, 1), date(2027, 3, 1))
    with pytest.raises(RuleViolation) as raised:
        rules.renewal_terms(c, trained_on, expires_on, TODAY)
    assert list(raised.value.errors or {}) == [field]
