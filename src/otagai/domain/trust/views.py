"""Certifications as the API shows them: with their status today and their history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from otagai.domain.actors import Actor
from otagai.domain.clock import today_tokyo
from otagai.domain.communities.queries import community_names
from otagai.domain.communities.roles import role_in
from otagai.domain.people.models import User
from otagai.domain.people.queries import people_by_id
from otagai.domain.people.views import person
from otagai.domain.trust.certification_rules import status_on
from otagai.domain.trust.certifications import histories
from otagai.domain.trust.models import Certification
from otagai.domain.trust.policies import can_see_background_check


def _person(people: dict[uuid.UUID, User], user_id: uuid.UUID | None) -> dict[str, Any] | None:
    return None if user_id is None else person(user_id, people.get(user_id))


def _background_check(
    c: Certification, people: dict[uuid.UUID, User], shown: bool
) -> dict[str, Any] | None:
    if not shown or c.background_check_scheme is None:
        return None
    return {
        "scheme": c.background_check_scheme,
        "confirmed_on": c.background_check_confirmed_on,
        "confirmed_by": _person(people, c.background_check_confirmed_by_id),
        "recorded_at": c.background_check_recorded_at,
    }


def certification_views(viewer: Actor, items: Sequence[Certification]) -> list[dict[str, Any]]:
    """Certifications with their status today and their history, as ``viewer`` may see
    them: three queries a page, and one per community of the page for the viewer's role."""
    today = today_tokyo()
    roles = {i: role_in(viewer.user, i) for i in {c.community_id for c in items}}
    history = histories([c.id for c in items])
    people = people_by_id(
        [
            i
            for c in items
            for i in (
                c.user_id,
                c.granted_by_id,
                c.revoked_by_id,
                c.background_check_confirmed_by_id,
            )
        ]
        + [change.actor_id for changes in history.values() for change in changes]
    )
    names = community_names(c.community_id for c in items)
    return [
        {
            "id": c.id,
            "community_id": c.community_id,
            "community_name": names.get(c.community_id),
            "user": _person(people, c.user_id),
            "kinds": c.kinds,
            "trained_on": c.trained_on,
            "expires_on": c.expires_on,
            "status": status_on(c, today),
            "granted_by": _person(people, c.granted_by_id),
            "granted_at": c.granted_at,
            "revoked_at": c.revoked_at,
            "revoked_by": _person(people, c.revoked_by_id),
            "revoke_reason": c.revoke_reason,
            "background_check_confirmed": c.background_check_confirmed,
            "background_check": _background_check(
                c, people, can_see_background_check(viewer, roles[c.community_id], c)
            ),
            "history": [
                {
                    "action": change.action,
                    "actor": _person(people, change.actor_id),
                    "at": change.at,
                    "details": change.details,
                }
                for change in history[c.id]
            ],
        }
        for c in items
    ]
