from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from otagai.domain.actors import Actor
from otagai.domain.audit.models import AuditEntry
from otagai.domain.communities.models import CommunityMember
from otagai.domain.communities.roles import require_coordinator
from otagai.domain.people.models import User
from otagai.errors import Forbidden
from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    MunicipalityFactory,
    UserFactory,
)
from tests.helpers import assert_problem, unchanged


def _operator(client_as):
    return client_as("operator-1", operator=True)


def _role(db, community_id, user_id) -> str | None:
    db.expire_all()
    return db.scalar(
        select(CommunityMember.role).where(
            CommunityMember.community_id == community_id, CommunityMember.user_id == user_id
        )
    )


def _entries(db) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry)))


def _appoint(client, community_id, user_id):
    return client.post(
        f"/v1/communities/{community_id}/coordinators", json={"user_id": str(user_id)}
    )


def test_appoint_coordinator_non_member_is_201_and_makes_them_member(client_as, db):
    community, user = CommunityFactory(), UserFactory()
    response = _appoint(_operator(client_as), community.id, user.id)
    assert response.status_code == 201
    assert response.get_json() == {
        "community_id": str(community.id),
        "user_id": str(user.id),
        "display_name": user.display_name,
        "role": "coordinator",
    }
    assert _role(db, community.id, user.id) == "coordinator"


def test_appoint_coordinator_writes_audit_entry(client_as, db):
    community, user = CommunityFactory(), UserFactory()
    CommunityMemberFactory(community=community, user=user)
    _appoint(_operator(client_as), community.id, user.id)
    (entry,) = _entries(db)
    assert (entry.action, entry.actor_role, entry.actor_uid) == (
        "coordinator.appoint",
        "operator",
        "operator-1",
    )
    assert (entry.target_type, entry.target_id) == ("user", str(user.id))
    assert (entry.community_id, entry.municipality_code) == (community.id, "111007")
    assert entry.details == {"previous_role": "member"}


def test_appoint_coordinator_already_coordinator_is_200_and_not_audited(client_as, db):
    community, user = CommunityFactory(), UserFactory()
    CommunityMemberFactory(community=community, user=user, role="coordinator")
    response = _appoint(_operator(client_as), community.id, user.id)
    assert response.status_code == 200
    assert response.get_json()["role"] == "coordinator"
    assert _entries(db) == []


def test_appoint_coordinator_shows_role_in_their_profile(client_as):
    community, user = CommunityFactory(), UserFactory()
    _appoint(_operator(client_as), community.id, user.id)
    profile = client_as(user).get("/v1/me").get_json()
    assert profile["roles"] == ["coordinator"]
    assert [(c["id"], c["role"]) for c in profile["communities"]] == [
        (str(community.id), "coordinator")
    ]


@pytest.mark.parametrize("who", ["unknown", "deleted"])
def test_appoint_coordinator_no_such_user_is_404(client_as, db, who):
    community = CommunityFactory()
    user_id = uuid.uuid4()
    if who == "deleted":
        user_id = UserFactory(status="deleted", firebase_uid=None, display_name=None).id
    with unchanged(db):
        response = _appoint(_operator(client_as), community.id, user_id)
    assert_problem(response, 404, "user_not_found")
    assert _role(db, community.id, user_id) is None
    assert _entries(db) == []


def test_appoint_coordinator_unknown_community_is_404(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = _appoint(_operator(client_as), uuid.uuid4(), caller.id)
    assert_problem(response, 404, "community_not_found")
    assert _entries(db) == []


def test_appoint_coordinator_as_coordinator_is_403(client_as, db):
    community, coordinator, user = CommunityFactory(), UserFactory(), UserFactory()
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    with unchanged(db):
        response = _appoint(client_as(coordinator), community.id, user.id)
    assert_problem(response, 403, "operator_only")
    assert _role(db, community.id, user.id) is None
    assert _entries(db) == []


def test_appoint_coordinator_user_id_not_uuid_is_422(client_as, db):
    community = CommunityFactory()
    with unchanged(db):
        response = _operator(client_as).post(
            f"/v1/communities/{community.id}/coordinators", json={"user_id": "someone"}
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == ["user_id"]


def test_remove_coordinator_is_204_and_they_stay_member(client_as, db):
    community, user = CommunityFactory(), UserFactory()
    CommunityMemberFactory(community=community, user=user, role="coordinator")
    response = _operator(client_as).delete(f"/v1/communities/{community.id}/coordinators/{user.id}")
    assert response.status_code == 204
    assert _role(db, community.id, user.id) == "member"
    (entry,) = _entries(db)
    assert (entry.action, entry.target_id, entry.community_id) == (
        "coordinator.remove",
        str(user.id),
        community.id,
    )


def test_remove_coordinator_not_coordinator_is_404_and_not_audited(client_as, db):
    community, user = CommunityFactory(), UserFactory()
    CommunityMemberFactory(community=community, user=user)
    with unchanged(db):
        response = _operator(client_as).delete(
            f"/v1/communities/{community.id}/coordinators/{user.id}"
        )
    assert_problem(response, 404, "not_a_coordinator")
    assert _role(db, community.id, user.id) == "member"
    assert _entries(db) == []


def test_remove_coordinator_as_member_is_403(client_as, db):
    community, user = CommunityFactory(), UserFactory()
    CommunityMemberFactory(community=community, user=user, role="coordinator")
    with unchanged(db):
        response = client_as(user).delete(f"/v1/communities/{community.id}/coordinators/{user.id}")
    assert_problem(response, 403, "operator_only")
    assert _role(db, community.id, user.id) == "coordinator"


# A coordinator's powers end at their community's boundary (service level: the
# coordinator-only endpoints all go through require_coordinator).


def test_require_coordinator_of_own_community_passes(client_as, db, app_context):
    community, user = CommunityFactory(), UserFactory()
    _appoint(_operator(client_as), community.id, user.id)
    actor = Actor(uid=user.firebase_uid, user=db.get(User, user.id))
    assert require_coordinator(actor, community.id).id == user.id


def test_require_coordinator_of_other_community_is_403(client_as, db, app_context):
    saitama = MunicipalityFactory()
    mine, other = CommunityFactory(municipality=saitama), CommunityFactory(municipality=saitama)
    user = UserFactory()
    _appoint(_operator(client_as), mine.id, user.id)
    CommunityMemberFactory(community=other, user=user)
    actor = Actor(uid=user.firebase_uid, user=db.get(User, user.id))
    with pytest.raises(Forbidden) as raised:
        require_coordinator(actor, other.id)
    assert raised.value.code == "coordinator_only"
