"""Renewing and revoking certifications: terms, history, audit, and who may do it."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from otagai.domain.audit.models import AuditEntry
from otagai.domain.clock import today_tokyo
from otagai.domain.trust.certification_rules import add_years
from otagai.domain.trust.models import Certification
from tests.factories import (
    CertificationFactory,
    UserFactory,
)
from tests.helpers import assert_problem, unchanged


@pytest.fixture
def granted(client_as, town):
    """A certification granted through the API, so it has its 'granted' history."""
    trained = today_tokyo() - timedelta(days=30)
    response = client_as(town.coordinator).post(
        f"/v1/communities/{town.a.id}/certifications",
        json={"user_id": str(town.member.id), "kinds": ["pickup"], "trained_on": str(trained)},
    )
    assert response.status_code == 201
    return response.get_json()


def _revoke(api, cert_id, body=None):
    return api.post(f"/v1/certifications/{cert_id}/revoke", json=body or {"reason": "転居のため"})


def _renew(api, cert_id, body=None):
    return api.post(f"/v1/certifications/{cert_id}/renew", json=body or {})


def _audit(db, action: str) -> list[AuditEntry]:
    db.expire_all()
    return list(db.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _fresh(db, cert_id) -> Certification:
    db.expire_all()
    return db.get(Certification, cert_id)


# --- revoke -----------------------------------------------------------------------------


def test_revoke_keeps_history_granted_then_revoked_with_actor_and_time(client_as, town, granted):
    body = _revoke(client_as(town.coordinator), granted["id"]).get_json()
    assert (body["status"], body["revoke_reason"]) == ("revoked", "転居のため")
    assert body["revoked_by"]["id"] == str(town.coordinator.id)
    first, second = body["history"]
    assert [first["action"], second["action"]] == ["granted", "revoked"]
    assert {first["actor"]["id"], second["actor"]["id"]} == {str(town.coordinator.id)}
    assert datetime.fromisoformat(first["at"]) < datetime.fromisoformat(second["at"])
    assert second["at"] == body["revoked_at"]
    assert second["details"] == {"reason": "転居のため"}


def test_revoke_makes_it_invalid_today(client_as, db, town, granted):
    _revoke(client_as(town.coordinator), granted["id"])
    assert _fresh(db, granted["id"]).valid_on(today_tokyo()) is False


def test_revoke_writes_one_audit_entry(client_as, db, town, granted):
    _revoke(client_as(town.coordinator), granted["id"])
    [entry] = _audit(db, "certification.revoke")
    assert (entry.actor_role, entry.target_id, entry.community_id) == (
        "coordinator", granted["id"], town.a.id,
    )  # fmt: skip
    assert entry.details["reason"] == "転居のため"


@pytest.mark.parametrize("body", [{"reason": "   "}, {"reason": "x" * 501}, {"note": "x"}])
def test_revoke_without_proper_reason_is_422_and_changes_nothing(
    client_as, db, town, granted, body
):
    response = _revoke(client_as(town.coordinator), granted["id"], body)
    assert "reason" in assert_problem(response, 422, "validation_failed")["errors"]
    assert _fresh(db, granted["id"]).revoked_at is None
    assert _audit(db, "certification.revoke") == []


def test_revoke_twice_is_409_without_second_audit(client_as, db, town, granted):
    api = client_as(town.coordinator)
    _revoke(api, granted["id"])
    with unchanged(db):
        assert_problem(_revoke(api, granted["id"]), 409, "certification_revoked")
    assert len(_audit(db, "certification.revoke")) == 1


@pytest.mark.parametrize("operator", [False, True])
def test_revoke_by_someone_who_may_only_see_it_is_403(client_as, db, town, granted, operator):
    # The certified member and operators see the certification but may not revoke it.
    api = client_as(UserFactory(), operator=True) if operator else client_as(town.member)
    with unchanged(db):
        assert_problem(_revoke(api, granted["id"]), 403, "coordinator_only")
    assert _fresh(db, granted["id"]).revoked_at is None


def test_revoke_by_coordinator_of_another_community_is_404(client_as, db, town, granted):
    with unchanged(db):
        assert_problem(
            _revoke(client_as(town.other), granted["id"]), 404, "certification_not_found"
        )
    assert _audit(db, "certification.revoke") == []


# --- renew ------------------------------------------------------------------------------


def test_renew_extends_one_year_past_current_expiry(client_as, town, granted):
    body = _renew(client_as(town.coordinator), granted["id"]).get_json()
    expected = add_years(datetime.fromisoformat(granted["expires_on"]).date(), 1)
    assert body["expires_on"] == expected.isoformat()
    renewal = body["history"][-1]
    assert [h["action"] for h in body["history"]] == ["granted", "renewed"]
    assert renewal["details"]["previous"]["expires_on"] == granted["expires_on"]


def test_renew_writes_one_audit_entry(client_as, db, town, granted):
    _renew(client_as(town.coordinator), granted["id"])
    [entry] = _audit(db, "certification.renew")
    assert (entry.actor_user_id, entry.target_id) == (town.coordinator.id, granted["id"])


def test_renew_after_new_training_with_other_kinds(client_as, town, granted):
    today = today_tokyo()
    body = {"trained_on": str(today), "expires_on": str(add_years(today, 3)), "kinds": ["lending"]}
    renewed = _renew(client_as(town.coordinator), granted["id"], body).get_json()
    assert (renewed["trained_on"], renewed["expires_on"], renewed["kinds"]) == (
        body["trained_on"], body["expires_on"], ["lending"],
    )  # fmt: skip


def test_renew_an_expired_one_runs_a_year_from_today(client_as, town):
    old = CertificationFactory(
        community=town.a,
        trained_on=today_tokyo() - timedelta(days=400),
        expires_on=today_tokyo() - timedelta(days=35),
    )
    body = _renew(client_as(town.coordinator), old.id).get_json()
    assert body["expires_on"] == add_years(today_tokyo(), 1).isoformat()
    assert body["status"] == "active"


def test_renew_to_an_earlier_expiry_is_422_and_changes_nothing(client_as, db, town, granted):
    body = {"expires_on": str(today_tokyo() + timedelta(days=30))}
    response = _renew(client_as(town.coordinator), granted["id"], body)
    assert list(assert_problem(response, 422, "validation_failed")["errors"]) == ["expires_on"]
    assert str(_fresh(db, granted["id"]).expires_on) == granted["expires_on"]
    assert _audit(db, "certification.renew") == []


def test_renew_a_revoked_one_is_409(client_as, town, granted, db):
    api = client_as(town.coordinator)
    _revoke(api, granted["id"])
    with unchanged(db):
        assert_problem(_renew(api, granted["id"]), 409, "certification_revoked")


def test_renew_by_coordinator_of_another_community_is_404(client_as, town, granted, db):
    with unchanged(db):
        assert_problem(_renew(client_as(town.other), granted["id"]), 404, "certification_not_found")


# --- status on the boundary days --------------------------------------------------------


@pytest.mark.parametrize(("expires_in_days", "status"), [(0, "active"), (-1, "expired")])
def test_status_is_active_through_the_day_of_expiry(client_as, town, expires_in_days, status):
    cert = CertificationFactory(
        community=town.a,
        user=town.member,
        trained_on=today_tokyo() - timedelta(days=300),
        expires_on=today_tokyo() + timedelta(days=expires_in_days),
    )
    response = client_as(town.member).get(f"/v1/certifications/{cert.id}")
    assert response.get_json()["status"] == status
