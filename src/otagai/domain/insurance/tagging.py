"""The insurance tag as a pure function of the match's facts and the policy in force.

No database, no Flask: ``compute_tag`` and ``policy_in_force`` take plain values, so the
rules (PRODUCT.md, "Insurance tag") are tested on their own, property by property.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from otagai.domain.people.ages import age_on

# Machine codes of ``reasons``: why a tag is not (fully) covered, in this order.
NO_ACTIVE_POLICY = "no_active_policy"
KIND_NOT_COVERED = "kind_not_covered"
CHILD_UNDER_MIN_AGE = "child_under_min_age"
CHILD_OVER_MAX_AGE = "child_over_max_age"
PARTY_NOT_MEMBER = "party_not_member"
# A child without a birth date: its age, so its coverage, cannot be known.
CHILD_AGE_UNKNOWN = "child_age_unknown"
REASONS = (
    NO_ACTIVE_POLICY,
    KIND_NOT_COVERED,
    CHILD_UNDER_MIN_AGE,
    CHILD_OVER_MAX_AGE,
    PARTY_NOT_MEMBER,
    CHILD_AGE_UNKNOWN,
)


@dataclass(frozen=True)
class ChildFacts:
    child_id: str
    birth_date: date | None


@dataclass(frozen=True)
class MatchFacts:
    """What the tag depends on. ``activity_date`` is the Tokyo calendar day the help starts."""

    kind: str
    activity_date: date
    requester_is_member: bool
    supporter_is_member: bool
    computed_at: datetime
    children: tuple[ChildFacts, ...] = ()


@dataclass(frozen=True)
class PolicyTerms:
    """One version of a policy, as the tag needs it."""

    policy_id: str
    version: int
    name: str
    policy_number: str
    valid_from: date
    valid_to: date
    kinds: tuple[str, ...]
    min_child_age: int = 1
    max_child_age: int = 18
    limits: Mapping[str, int] = field(default_factory=dict)

    def in_force_on(self, day: date) -> bool:
        """Valid from ``valid_from`` to ``valid_to``, both days included."""
        return self.valid_from <= day <= self.valid_to


def policy_in_force(policies: Iterable[PolicyTerms], kind: str, day: date) -> PolicyTerms | None:
    """The policy that applies on ``day``: among those in force, one covering ``kind`` if
    any (else any in force, whose tag will say ``kind_not_covered``); ties go to the most
    recently started one, then the highest id, so the choice is deterministic."""
    in_force = [p for p in policies if p.in_force_on(day)]
    if not in_force:
        return None
    return max(in_force, key=lambda p: (kind in p.kinds, p.valid_from, p.policy_id, p.version))


def _ordered(reasons: set[str]) -> list[str]:
    return [r for r in REASONS if r in reasons]


def compute_tag(facts: MatchFacts, policy: PolicyTerms | None) -> dict[str, Any]:
    """The tag, as JSON-ready data. ``covered`` is true only with no reason at all; a child is
    covered when the match is (policy, kind, membership) and its age on the activity date
    lies within the policy's range (a child whose first birthday is that day is 1)."""
    ages = [
        age_on(c.birth_date, facts.activity_date) if c.birth_date is not None else None
        for c in facts.children
    ]
    if policy is None:
        return {
            "covered": False,
            "policy_id": None,
            "policy_version": None,
            "policy_name": None,
            "policy_number": None,
            "kinds": None,
            "limits": None,
            "computed_at": facts.computed_at.isoformat(),
            "children": [
                {"child_id": c.child_id, "age_on_activity_date": age, "covered": False}
                for c, age in zip(facts.children, ages, strict=True)
            ],
            "reasons": [NO_ACTIVE_POLICY],
        }
    match_reasons: set[str] = set()
    if facts.kind not in policy.kinds:
        match_reasons.add(KIND_NOT_COVERED)
    if not (facts.requester_is_member and facts.supporter_is_member):
        match_reasons.add(PARTY_NOT_MEMBER)
    reasons = set(match_reasons)
    children = []
    for child, age in zip(facts.children, ages, strict=True):
        if age is None:
            child_reason: str | None = CHILD_AGE_UNKNOWN
        elif age < policy.min_child_age:
            child_reason = CHILD_UNDER_MIN_AGE
        elif age > policy.max_child_age:
            child_reason = CHILD_OVER_MAX_AGE
        else:
            child_reason = None
        if child_reason is not None:
            reasons.add(child_reason)
        children.append(
            {
                "child_id": child.child_id,
                "age_on_activity_date": age,
                "covered": child_reason is None and not match_reasons,
            }
        )
    return {
        "covered": not reasons,
        "policy_id": policy.policy_id,
        "policy_version": policy.version,
        "policy_name": policy.name,
        "policy_number": policy.policy_number,
        "kinds": list(policy.kinds),
        "limits": dict(policy.limits),
        "computed_at": facts.computed_at.isoformat(),
        "children": children,
        "reasons": _ordered(reasons),
    }
