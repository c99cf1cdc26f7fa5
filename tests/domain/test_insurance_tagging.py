"""The pure tagging rules: age boundaries (Tokyo activity day, inclusive range) and every
reason, property by property."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import example, given
from hypothesis import strategies as st

from otagai.domain.insurance.tagging import (
    REASONS,
    ChildFacts,
    MatchFacts,
    PolicyTerms,
    compute_tag,
    policy_in_force,
)
from otagai.domain.people.ages import age_on

KINDS = ("pickup", "babysitting", "lending")
AT = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
DAY = date(2026, 11, 24)

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))
kinds = st.sampled_from(KINDS)
kind_sets = st.sets(kinds, min_size=1).map(lambda s: tuple(k for k in KINDS if k in s))


def _policy(**kw) -> PolicyTerms:
    values = {
        "policy_id": "p-1",
        "version": 1,
        "name": "保険",
        "policy_number": "N-1",
        "valid_from": date(2000, 1, 1),
        "valid_to": date(2099, 12, 31),
        "kinds": KINDS,
        **kw,
    }
    return PolicyTerms(**values)


def _facts(day=DAY, *, births=(), kind="pickup", requester=True, supporter=True) -> MatchFacts:
    return MatchFacts(
        kind=kind,
        activity_date=day,
        requester_is_member=requester,
        supporter_is_member=supporter,
        computed_at=AT,
        children=tuple(ChildFacts(f"c{i}", b) for i, b in enumerate(births)),
    )


def _birthday(day: date, years: int) -> date:
    """The birth date of someone who turns ``years`` on ``day`` (29 Feb -> 1 Mar rule)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return date(day.year - years, 3, 1)


@given(day=days, years=st.integers(min_value=0, max_value=20))
def test_age_turns_on_the_birthday_itself(day, years):
    birth = _birthday(day, years)
    assert age_on(birth, day) == years or (birth.month, birth.day) == (3, 1)
    assert age_on(birth, day - timedelta(days=1)) <= years


@given(day=days.filter(lambda d: (d.month, d.day) != (2, 29)))
def test_compute_tag_first_birthday_on_the_activity_day_is_covered(day):
    # (Nobody born in a common year has a birthday on 29 February: see the next test.)
    tag = compute_tag(_facts(day, births=[_birthday(day, 1)]), _policy())
    (child,) = tag["children"]
    assert child["age_on_activity_date"] >= 1
    assert child["covered"] and tag["covered"] and tag["reasons"] == []


@given(day=days)
def test_compute_tag_day_before_first_birthday_is_under_min_age(day):
    birth = _birthday(day + timedelta(days=1), 1)
    tag = compute_tag(_facts(day, births=[birth]), _policy())
    assert tag["children"][0] == {"child_id": "c0", "age_on_activity_date": 0, "covered": False}
    assert tag["covered"] is False
    assert tag["reasons"] == ["child_under_min_age"]


@given(
    day=days,
    years=st.integers(min_value=0, max_value=25),
    bounds=st.tuples(st.integers(0, 18), st.integers(0, 18)).map(sorted),
)
def test_compute_tag_child_covered_iff_age_within_range(day, years, bounds):
    low, high = bounds
    birth = day.replace(year=day.year - years) if (day.month, day.day) != (2, 29) else None
    if birth is None:
        return
    tag = compute_tag(_facts(day, births=[birth]), _policy(min_child_age=low, max_child_age=high))
    assert tag["children"][0]["age_on_activity_date"] == years
    assert tag["children"][0]["covered"] is (low <= years <= high)
    expected = (
        ["child_under_min_age"] if years < low else ["child_over_max_age"] if years > high else []
    )
    assert tag["reasons"] == expected
    assert tag["covered"] is (expected == [])


def test_compute_tag_leap_day_baby_is_one_on_first_of_march():
    tag = compute_tag(_facts(date(2025, 3, 1), births=[date(2024, 2, 29)]), _policy())
    assert tag["children"][0]["age_on_activity_date"] == 1
    assert tag["covered"] is True


@given(day=days)
@example(day=date(2024, 2, 29))
def test_compute_tag_nineteen_year_old_is_over_max_age(day):
    # Born 19 years ago (on 28 Feb when the day is 29 Feb and that year had none): 19 today.
    birth = _birthday(day, 19) if (day.month, day.day) != (2, 29) else date(day.year - 19, 2, 28)
    tag = compute_tag(_facts(day, births=[birth]), _policy())
    assert tag["children"][0]["age_on_activity_date"] == 19
    assert tag["children"][0]["covered"] is False
    assert tag["reasons"] == ["child_over_max_age"]


@given(kind=kinds, covered_kinds=kind_sets)
def test_compute_tag_kind_not_covered_iff_kind_missing(kind, covered_kinds):
    tag = compute_tag(_facts(kind=kind), _policy(kinds=covered_kinds))
    assert ("kind_not_covered" in tag["reasons"]) is (kind not in covered_kinds)
    assert tag["covered"] is (kind in covered_kinds)


@given(requester=st.booleans(), supporter=st.booleans())
def test_compute_tag_party_not_member_unless_both_are_members(requester, supporter):
    tag = compute_tag(
        _facts(births=[date(2021, 4, 1)], requester=requester, supporter=supporter), _policy()
    )
    both = requester and supporter
    assert tag["reasons"] == ([] if both else ["party_not_member"])
    assert tag["children"][0]["covered"] is both


@given(
    day=days,
    kind=kinds,
    births=st.lists(st.one_of(st.none(), days), max_size=4),
    requester=st.booleans(),
    supporter=st.booleans(),
    has_policy=st.booleans(),
    covered_kinds=kind_sets,
)
def test_compute_tag_covered_iff_no_reasons(
    day, kind, births, requester, supporter, has_policy, covered_kinds
):
    policy = _policy(kinds=covered_kinds) if has_policy else None
    tag = compute_tag(
        _facts(day, births=births, kind=kind, requester=requester, supporter=supporter), policy
    )
    assert tag["covered"] is (tag["reasons"] == [])
    assert set(tag["reasons"]) <= set(REASONS)
    assert tag["reasons"] == [r for r in REASONS if r in tag["reasons"]]  # ordered, unique
    assert len(tag["children"]) == len(births)
    if tag["covered"]:
        assert all(c["covered"] for c in tag["children"])
    if policy is None:
        assert tag["reasons"] == ["no_active_policy"] and tag["policy_id"] is None


def test_compute_tag_shows_the_policy_terms():
    tag = compute_tag(_facts(), _policy(version=3, limits={"bodily_injury_jpy": 10}))
    assert tag["policy_id"] == "p-1" and tag["policy_version"] == 3
    assert tag["policy_name"] == "保険" and tag["policy_number"] == "N-1"
    assert tag["kinds"] == list(KINDS) and tag["limits"] == {"bodily_injury_jpy": 10}
    assert tag["computed_at"] == AT.isoformat()


@given(day=days, start=days, length=st.integers(min_value=1, max_value=4000))
def test_policy_in_force_iff_day_within_validity_inclusive(day, start, length):
    policy = _policy(valid_from=start, valid_to=start + timedelta(days=length))
    found = policy_in_force([policy], "pickup", day)
    assert (found is not None) is (start <= day <= start + timedelta(days=length))


def test_policy_in_force_prefers_one_covering_the_kind():
    lending = _policy(policy_id="a", kinds=("lending",))
    pickup = _policy(policy_id="b", kinds=("pickup",))
    assert policy_in_force([pickup, lending], "lending", DAY) is lending
    assert policy_in_force([lending, pickup], "pickup", DAY) is pickup
    assert policy_in_force([lending], "pickup", DAY) is lending
