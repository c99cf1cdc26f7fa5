"""The insurance coverage tag of a match (PRODUCT.md, "Insurance tag").

``coverage_tag`` is THE hook: accepting an offer stores what it returns on the match (never
recomputed), and the offers list shows it as ``insurance_preview`` so the requester knows
before accepting. Every caller goes through it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from otagai.domain.matching.candidates import activity_day
from otagai.domain.people.ages import age_on
from otagai.domain.people.models import Child
from otagai.domain.requests.models import ShareRequest

# Machine codes of ``reasons`` (PRODUCT.md): why a tag is not (fully) covered.
NO_ACTIVE_POLICY = "no_active_policy"
KIND_NOT_COVERED = "kind_not_covered"
CHILD_UNDER_MIN_AGE = "child_under_min_age"
CHILD_OVER_MAX_AGE = "child_over_max_age"
PARTY_NOT_MEMBER = "party_not_member"
REASONS = (
    NO_ACTIVE_POLICY,
    KIND_NOT_COVERED,
    CHILD_UNDER_MIN_AGE,
    CHILD_OVER_MAX_AGE,
    PARTY_NOT_MEMBER,
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
    (the Tokyo calendar day the help starts), as insurers reckon it.

    No insurance policies exist yet, so nothing is covered: ``reasons`` is
    ``["no_active_policy"]`` and every policy field is null. The insurance issue replaces
    this body with the real policy lookup (kinds, child age range, party membership,
    validity on the activity day); the signature and the callers stay as they are.
    """
    day = activity_day(request)
    return {
        "covered": False,
        "policy_id": None,
        "policy_version": None,
        "policy_name": None,
        "policy_number": None,
        "kinds": None,
        "limits": None,
        "computed_at": computed_at.isoformat(),
        "children": [
            {
                "child_id": str(child.id),
                "age_on_activity_date": (
                    age_on(child.birth_date, day) if child.birth_date is not None else None
                ),
                "covered": False,
            }
            for child in children
        ],
        "reasons": [NO_ACTIVE_POLICY],
    }
