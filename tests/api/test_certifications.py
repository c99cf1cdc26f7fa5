"""Supporter certifications through the API: who may certify, terms, history, audit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select

from otagai.domain.audit.models import AuditEntry
from otagai.domain.clock import today_tokyo
from otagai.domain.trust.certification_rules import add_years
from otagai.domain.trust.models import Certification
from tests.factories import (
    CertificationFactory,
    CommunityMemberFactory,
    UserFactory,
)
from tests.helpers import assert_problem, unchanged


@pytest.fixture
def town(town):
    """The shared town, with A's member also a member of B."""
    CommunityMemberFactory(community=town.b, user=town.member)
    return town


def _body(user, **overrides):
    trained = today_tokyo() - timedelta(days=30)
    return {"user_id": str(user.id), "kinds": ["pickup", "babysitting"],
            "trained_on": trained.isoformat(), **overrides}  # fmt: skip


def _certify(api, community, user, **overrides):
    return api.post(f"/v1/communities/{community.id}/certifications", json=_body(user, **overrides))


def _count(db, model, *where) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where))


def _audit(db, action: str) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


# --- certify ----------------------------------------------------------------------------


def test_certify_member_is_201_active_for_one_year_with_granted_history(client_as, town):
    response = _certify(client_as(town.coordinator), town.a, town.member)
    assert response.status_code == 201
    body = response.get_json()
    trained = today_tokyo() - timedelta(days=30)
    assert body["expires_on"] == add_years(trained, 1).isoformat()
    assert (body["status"], body["kinds"], body["community_id"]) == (
        "active", ["pickup", "babysitting"], str(town.a.id),
    )  # fmt: skip
    assert body["user"] == {"id": str(town.member.id), "display_name": town.member.display_name}
    assert body["granted_by"]["id"] == str(town.coordinator.id)
    assert body["revoked_at"] is None and body["revoke_reason"] is None
    [granted] = body["history"]
    assert (granted["action"], granted["actor"]["id"]) == ("granted", str(town.coordinator.id))
    assert granted["details"]["expires_on"] == body["expires_on"]


def test_certify_writes_one_coordinator_audit_entry(client_as, db, town):
    body = _certify(client_as(town.coordinator), town.a, town.member).get_json()
    [entry] = _audit(db, "certification.grant")
    assert (entry.actor_user_id, entry.actor_role, entry.target_type, entry.target_id) == (
        town.coordinator.id, "coordinator", "certification", body["id"],
    )  # fmt: skip
    assert (entry.community_id, entry.municipality_code) == (town.a.id, town.a.municipality_code)
    assert entry.details["user_id"] == str(town.member.id)


def test_certify_with_three_year_expiry_is_201(client_as, town):
    trained = today_tokyo() - timedelta(days=30)
    expires = add_years(trained, 3).isoformat()
    response = _certify(client_as(town.coordinator), town.a, town.member, expires_on=expires)
    assert response.status_code == 201
    assert response.get_json()["expires_on"] == expires


def test_certify_past_three_years_is_422_and_writes_nothing(client_as, db, town):
    trained = today_tokyo() - timedelta(days=30)
    expires = (add_years(trained, 3) + timedelta(days=1)).isoformat()
    with unchanged(db):
        response = _certify(client_as(town.coordinator), town.a, town.member, expires_on=expires)
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == ["expires_on"]
    assert _count(db, Certification) == 0
    assert _audit(db, "certification.grant") == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kinds": []}, "kinds"),
        ({"kinds": ["pickup", "pickup"]}, "kinds"),
        ({"kinds": ["cooking"]}, "kinds.0"),
        ({"trained_on": "2026-02-30"}, "trained_on"),
        ({"trained_on": (today_tokyo() + timedelta(days=1)).isoformat()}, "trained_on"),
        ({"expires_on": today_tokyo().isoformat()}, "expires_on"),
        ({"role": "coordinator"}, "role"),
    ],
)
def test_certify_with_bad_field_is_422_on_that_field(client_as, db, town, overrides, field):
    with unchanged(db):
        response = _certify(client_as(town.coordinator), town.a, town.member, **overrides)
    problem = assert_problem(response, 422, "validation_failed")
    assert field in problem["errors"]
    assert _count(db, Certification) == 0


@pytest.mark.parametrize("who", ["other", "member", "operator"])
def test_certify_by_anyone_but_its_coordinator_is_403_and_writes_nothing(client_as, db, town, who):
    api = client_as(getattr(town, who), operator=who == "operator")
    with unchanged(db):
        assert_problem(_certify(api, town.a, town.member), 403, "coordinator_only")
    assert _count(db, Certification) == 0
    assert _count(db, AuditEntry) == 0


def test_certify_coordinator_of_a_in_b_is_403(client_as, town, db):
    with unchanged(db):
        assert_problem(_certify(client_as(town.coordinator), town.b, town.member), 403)


def test_certify_non_member_is_422_not_a_member(client_as, db, town):
    response = _certify(client_as(town.coordinator), town.a, UserFactory())
    assert list(assert_problem(response, 422, "not_a_member")["errors"]) == ["user_id"]
    assert _count(db, AuditEntry) == 0


def test_certify_unknown_user_is_404(client_as, town, db):
    with unchanged(db):
        response = _certify(client_as(town.coordinator), town.a, SimpleNamespace(id=uuid.uuid4()))
    assert_problem(response, 404, "user_not_found")


def test_certify_unknown_community_is_404(client_as, town, db):
    with unchanged(db):
        response = _certify(
            client_as(town.coordinator), SimpleNamespace(id=uuid.uuid4()), town.member
        )
    assert_problem(response, 404, "community_not_found")


def test_certify_self_is_422(client_as, town, db):
    with unchanged(db):
        response = _certify(client_as(town.coordinator), town.a, town.coordinator)
    assert_problem(response, 422, "self_certification")


def test_certify_twice_is_409_and_keeps_one_certification(client_as, db, town):
    api = client_as(town.coordinator)
    _certify(api, town.a, town.member)
    with unchanged(db):
        assert_problem(_certify(api, town.a, town.member), 409, "certification_exists")
    assert _count(db, Certification) == 1
    assert len(_audit(db, "certification.grant")) == 1


def test_certify_again_after_revocation_is_201_new_certification(client_as, db, town):
    old = CertificationFactory(community=town.a, user=town.member, granted_by=town.coordinator)
    client_as(town.coordinator).post(f"/v1/certifications/{old.id}/revoke", json={"reason": "x"})
    response = _certify(client_as(town.coordinator), town.a, town.member)
    assert response.status_code == 201
    assert response.get_json()["id"] != str(old.id)


def test_certify_same_member_in_two_communities_is_allowed(client_as, town):
    here = _certify(client_as(town.coordinator), town.a, town.member)
    there = _certify(client_as(town.other), town.b, town.member)
    assert (here.status_code, there.status_code) == (201, 201)
    mine = client_as(town.member).get("/v1/me/certifications").get_json()["items"]
    assert sorted((c["community_id"], c["status"]) for c in mine) == sorted(
        [(str(town.a.id), "active"), (str(town.b.id), "active")]
    )


def test_certify_with_idempotency_key_replays_without_second_audit(client_as, db, town):
    api, headers = client_as(town.coordinator), {"Idempotency-Key": "cert-1"}
    url, body = f"/v1/communities/{town.a.id}/certifications", _body(town.member)
    first = api.post(url, json=body, headers=headers)
    again = api.post(url, json=body, headers=headers)
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert len(_audit(db, "certification.grant")) == 1


# --- read -------------------------------------------------------------------------------


def test_list_certifications_is_paginated_with_history_and_status(client_as, town):
    api = client_as(town.coordinator)
    for _ in range(3):
        user = UserFactory()
        CommunityMemberFactory(community=town.a, user=user)
        _certify(api, town.a, user)
    url = f"/v1/communities/{town.a.id}/certifications?limit=2"
    first = api.get(url).get_json()
    second = api.get(url + f"&cursor={first['next_cursor']}").get_json()
    items = first["items"] + second["items"]
    assert len(items) == 3 and second["next_cursor"] is None
    assert all(i["status"] == "active" and len(i["history"]) == 1 for i in items)


@pytest.mark.parametrize(("status", "expected"), [("active", "live"), ("expired", "old"),
                                                   ("revoked", "gone")])  # fmt: skip
def test_list_certifications_by_status_filters(client_as, town, status, expected):
    made = {
        "live": CertificationFactory(community=town.a),
        "old": CertificationFactory(community=town.a, expires_on=today_tokyo() - timedelta(1)),
        "gone": CertificationFactory(
            community=town.a, revoked_at=datetime.now(UTC), revoke_reason="x"
        ),
    }
    response = client_as(town.coordinator).get(
        f"/v1/communities/{town.a.id}/certifications?status={status}"
    )
    assert [i["id"] for i in response.get_json()["items"]] == [str(made[expected].id)]


def test_list_certifications_by_operator_is_200(client_as, town):
    CertificationFactory(community=town.a)
    response = client_as("ops-uid", operator=True).get(
        f"/v1/communities/{town.a.id}/certifications"
    )
    assert response.status_code == 200 and len(response.get_json()["items"]) == 1


@pytest.mark.parametrize("who", ["other", "member"])
def test_list_certifications_by_non_coordinator_is_403(client_as, town, who):
    response = client_as(getattr(town, who)).get(f"/v1/communities/{town.a.id}/certifications")
    assert_problem(response, 403, "coordinator_only")


def test_list_certifications_query_count_does_not_grow_with_page(client_as, connection, town):
    api, url = client_as(town.coordinator), f"/v1/communities/{town.a.id}/certifications"
    statements: list[str] = []
    event.listen(connection, "before_cursor_execute", lambda *a: statements.append(a[2]))

    def queries() -> int:
        statements.clear()
        assert api.get(url).status_code == 200
        return len(statements)

    CertificationFactory(community=town.a)
    one = queries()
    assert one >= 3  # the listener sees the request's statements
    for _ in range(4):
        CertificationFactory(community=town.a)
    assert queries() == one


def test_get_certification_by_certified_member_is_200(client_as, town):
    cert = CertificationFactory(community=town.a, user=town.member)
    response = client_as(town.member).get(f"/v1/certifications/{cert.id}")
    assert response.status_code == 200 and response.get_json()["status"] == "active"


@pytest.mark.parametrize("who", ["other", "stranger"])
def test_get_certification_by_outsider_is_404(client_as, town, who):
    cert = CertificationFactory(community=town.a)
    api = client_as(UserFactory() if who == "stranger" else town.other)
    assert_problem(api.get(f"/v1/certifications/{cert.id}"), 404, "certification_not_found")


def test_my_certifications_lists_mine_across_communities(client_as, town):
    mine = {CertificationFactory(community=c, user=town.member).id for c in (town.a, town.b)}
    CertificationFactory(community=town.a)
    response = client_as(town.member).get("/v1/me/certifications")
    assert {uuid.UUID(i["id"]) for i in response.get_json()["items"]} == mine
