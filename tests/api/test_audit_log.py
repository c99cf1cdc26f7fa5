from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from otagai.domain.audit.models import AuditEntry
from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    MunicipalityFactory,
    UserFactory,
)
from tests.helpers import assert_problem

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)


def _entry(db, minutes: int, action: str = "certification.grant", **values) -> AuditEntry:
    entry = AuditEntry(
        created_at=T0 + timedelta(minutes=minutes),
        actor_uid="firebase-uid-of-coordinator",
        actor_role="coordinator",
        action=action,
        target_type="user",
        target_id=str(uuid.uuid4()),
        details={"kinds": ["pickup"]},
        **values,
    )
    db.add(entry)
    db.flush()
    return entry


def _operator(client_as):
    return client_as("operator-1", operator=True)


def test_list_audit_log_as_operator_is_newest_first(client_as, db):
    old, new, middle = _entry(db, 0), _entry(db, 20), _entry(db, 10)
    response = _operator(client_as).get("/v1/audit-log")
    assert response.status_code == 200
    assert [e["id"] for e in response.get_json()["items"]] == [
        str(new.id),
        str(middle.id),
        str(old.id),
    ]


def test_list_audit_log_items_show_fields_but_not_firebase_uid(client_as, db):
    community = CommunityFactory()
    user = UserFactory()
    entry = _entry(
        db, 0, actor_user_id=user.id, community_id=community.id, municipality_code="111007"
    )
    (item,) = _operator(client_as).get("/v1/audit-log").get_json()["items"]
    assert item == {
        "id": str(entry.id),
        "created_at": "2026-10-01T09:00:00+00:00",
        "actor_user_id": str(user.id),
        "actor_role": "coordinator",
        "action": "certification.grant",
        "target_type": "user",
        "target_id": entry.target_id,
        "community_id": str(community.id),
        "municipality_code": "111007",
        "details": {"kinds": ["pickup"]},
    }


def test_list_audit_log_pages_with_cursor(client_as, db):
    entries = [_entry(db, minutes) for minutes in range(5)]
    operator = _operator(client_as)
    seen: list[str] = []
    url = "/v1/audit-log?limit=2"
    while url:
        page = operator.get(url).get_json()
        seen += [e["id"] for e in page["items"]]
        url = page["next_cursor"] and f"/v1/audit-log?limit=2&cursor={page['next_cursor']}"
    assert seen == [str(e.id) for e in reversed(entries)]


def test_list_audit_log_filters_by_community_and_action(client_as, db):
    saitama = MunicipalityFactory()
    mine, other = CommunityFactory(municipality=saitama), CommunityFactory(municipality=saitama)
    wanted = _entry(db, 0, community_id=mine.id)
    _entry(db, 1, community_id=mine.id, action="certification.revoke")
    _entry(db, 2, community_id=other.id)
    response = _operator(client_as).get(
        f"/v1/audit-log?community_id={mine.id}&action=certification.grant"
    )
    assert [e["id"] for e in response.get_json()["items"]] == [str(wanted.id)]


def test_list_audit_log_shows_operator_actions_made_through_the_api(client_as):
    community = CommunityFactory()
    user = UserFactory()
    operator = _operator(client_as)
    operator.post(f"/v1/communities/{community.id}/coordinators", json={"user_id": str(user.id)})
    operator.delete(f"/v1/communities/{community.id}/coordinators/{user.id}")
    items = operator.get(f"/v1/audit-log?community_id={community.id}").get_json()["items"]
    # Same transaction in tests, so the same created_at: compare as a set.
    assert {(e["action"], e["actor_role"], e["target_id"]) for e in items} == {
        ("coordinator.appoint", "operator", str(user.id)),
        ("coordinator.remove", "operator", str(user.id)),
    }


@pytest.mark.parametrize("role", [None, "member", "coordinator"])
def test_list_audit_log_as_non_operator_is_403(client_as, db, role):
    user = UserFactory()
    if role:
        CommunityMemberFactory(user=user, role=role)
    _entry(db, 0)
    response = client_as(user).get("/v1/audit-log")
    assert_problem(response, 403, "operator_only")


@pytest.mark.parametrize("cursor", ["garbage", "WyIyMDI2LTEwLTAxVDA5OjAwOjAwIiwgIngiXQ"])
def test_list_audit_log_bad_cursor_is_422(client_as, cursor):
    response = _operator(client_as).get(f"/v1/audit-log?cursor={cursor}")
    assert_problem(response, 422, "invalid_cursor")
