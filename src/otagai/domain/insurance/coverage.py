"""The insurance coverage tag of a match (PRODUCT.md, "Insurance tag").

``coverage_tag`` is THE hook: accepting an offer stores what it returns on the match (never
recomputed), and the offers list shows it as ``insurance_preview`` so the requester knows
before accepting. Every caller goes through it. It gathers the facts (kind, activity day,
both parties' membership of the request's community, the children's birth dates) and the
policies in force, and leaves the rules to the pure ``tagging.compute_tag``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select

from otagai.domain.communities.models import CommunityMember
from otagai.domain.insurance.models import InsurancePolicy
from otagai.domain.insurance.tagging import (
    CHILD_AGE_UNKNOWN,
    CHILD_OVER_MAX_AGE,
    CHILD_UNDER_MIN_AGE,
    KIND_NOT_COVERED,
    NO_ACTIVE_POLICY,
    PARTY_NOT_MEMBER,
    REASONS,
    ChildFacts,
    MatchFacts,
    PolicyTerms,
    compute_tag,
    policy_in_force,
)
from otagai.domain.matching.candidates import activity_day
from otagai.domain.people.models import Child
from otagai.domain.requests.models import ShareRequest
from otagai.extensions.db import session

__all__ = [
    "CHILD_AGE_UNKNOWN",
    "CHILD_OVER_MAX_AGE",
    "CHILD_UNDER_MIN_AGE",
    "KIND_NOT_COVERED",
    "NO_ACTIVE_POLICY",
    "PARTY_NOT_MEMBER",
    "REASONS",
    "coverage_tag",
    "policies_in_force",
    "terms_of",
]


def terms_of(policy: InsurancePolicy) -> PolicyTerms:
    return PolicyTerms(
        policy_id=str(policy.id),
        version=policy.version,
        name=policy.name,
        policy_number=policy.policy_number,
        valid_from=policy.valid_from,
        valid_to=policy.valid_to,
        kinds=tuple(policy.kinds),
        min_child_age=policy.min_child_age,
        max_child_age=policy.max_child_age,
        limits=dict(policy.limits or {}),
    )


def policies_in_force(day: date) -> list[PolicyTerms]:
    """The latest version of every policy, when that version is valid on ``day``. An edit
    supersedes earlier versions entirely (shortening the validity ends the cover)."""
    latest = (
        select(InsurancePolicy.id, func.max(InsurancePolicy.version).label("version"))
        .group_by(InsurancePolicy.id)
        .subquery()
    )
    rows = session.scalars(
        select(InsurancePolicy)
        .join(
            latest,
            (latest.c.id == InsurancePolicy.id) & (latest.c.version == InsurancePolicy.version),
        )
        .where(InsurancePolicy.valid_from <= day, InsurancePolicy.valid_to >= day)
    )
    return [terms_of(p) for p in rows]


def _members(community_id: uuid.UUID, user_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    return set(
        session.scalars(
            select(CommunityMember.user_id).where(
                CommunityMember.community_id == community_id,
                CommunityMember.user_id.in_(user_ids),
            )
        )
    )


def coverage_tag(
    request: ShareRequest,
    supporter_id: uuid.UUID,
    *,
    children: Sequence[Child],
    computed_at: datetime,
) -> dict[str, Any]:
    """The tag a match of ``supporter_id`` on ``request`` gets, as JSON-ready data.

    ``children`` are the request's children; each child's age is taken on the activity day
    (the Tokyo calendar day the help starts), as insurers reckon it. Both the requester and
    the supporter must be members of the request's community (a connection who is not
    makes the match uninsured: ``party_not_member``).
    """
    day = activity_day(request)
    members = _members(request.community_id, {request.requester_id, supporter_id})
    facts = MatchFacts(
        kind=request.kind,
        activity_date=day,
        requester_is_member=request.requester_id in members,
        supporter_is_member=supporter_id in members,
        computed_at=computed_at,
        children=tuple(ChildFacts(str(c.id), c.birth_date) for c in children),
    )
    return compute_tag(facts, policy_in_force(policies_in_force(day), request.kind, day))
