"""PUT/DELETE /v1/certifications/{id}/background-check: a coordinator of the
certification's community records that a criminal-record check was confirmed, or
withdraws it; who sees which detail of it."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from otagai.domain.audit.models import AuditEntry
from otagai.domain.clock import TOKYO, today_tokyo
from otagai.domain.communities.models import Municipality
from otagai.domain.trust.models import Certification
from tests.factories import (
    CertificationFactory,
    CommunityFactory,
    CommunityMemberFactory,
    UserFactory,
)
from tests.helpers import assert_problem, unchanged

# A day after the Japanese DBS started, at noon in Tokyo.
AFTER_DBS = dt.datetime(2027, 1, 15, 12, 0, tzinfo=TOKYO)
EQUIVALENT = {"scheme": "equivalent", "confirmed_on": "2026-11-20"}


@pytest.fixture
def world(db) -> SimpleNamespace:
    community = CommunityFactory()
    coordinator = UserFactory()
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    supporter = UserFactory()
    certification = CertificationFactory(
        community=community, user=supporter, granted_by=coordinator
    )
    return SimpleNamespace(
        db=db,
        community=community,
        coordinator=coordinator,
        supporter=supporter,
        certification=certification,
        path=f"/v1/certifications/{certification.id}/background-check",
    )


def _fresh(w) -> Certification:
    w.db.expire_all()
    return w.db.get(Certification, w.certification.id)


def _audit(w) -> list[AuditEntry]:
    w.db.expire_all()
    return list(
        w.db.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_id == str(w.certification.id))
            .order_by(AuditEntry.created_at, AuditEntry.id)
        )
    )


def test_record_equivalent_check_is_200_with_its_details(client_as, world):
    response = client_as(world.coordinator).put(world.path, json=EQUIVALENT)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["background_check_confirmed"] is True
    check = body["background_check"]
    assert check["scheme"] == "equivalent"
    assert check["confirmed_on"] == "2026-11-20"
    assert check["confirmed_by"] == {
        "id": str(world.coordinator.id),
        "display_name": world.coordinator.display_name,
    }
    stored = _fresh(world)
    assert stored.background_check_scheme == "equivalent"
    assert stored.background_check_confirmed_on == dt.date(2026, 11, 20)
    assert stored.background_check_confirmed_by_id == world.coordinator.id


def test_record_check_is_audited_with_scheme_and_day(client_as, world):
    client_as(world.coordinator).put(world.path, json=EQUIVALENT)
    [entry] = _audit(world)
    assert entry.action == "certification.background_check_confirm"
    assert entry.actor_user_id == world.coordinator.id
    assert entry.community_id == world.community.id
    assert entry.details == {
        "user_id": str(world.supporter.id),
        "scheme": "equivalent",
        "confirmed_on": "2026-11-20",
        "replaced": False,
    }


def test_record_check_with_a_document_or_other_field_is_422(client_as, world):
    """Nothing but the scheme and the day is taken: no certificate, no content."""
    for extra in ({"certificate": "data:application/pdf;base64,JVBERi0="}, {"notes": "前科なし"}):
        with unchanged(world.db):
            response = client_as(world.coordinator).put(world.path, json={**EQUIVALENT, **extra})
        assert_problem(response, 422, "validation_failed")


def test_record_check_with_unknown_scheme_or_no_day_is_422(client_as, world):
    for body in ({"scheme": "police", "confirmed_on": "2026-11-20"}, {"scheme": "equivalent"}):
        with unchanged(world.db):
            response = client_as(world.coordinator).put(world.path, json=body)
        assert_problem(response, 422, "validation_failed")


def test_record_check_confirmed_tomorrow_is_422(client_as, world):
    tomorrow = (today_tokyo() + dt.timedelta(days=1)).isoformat()
    with unchanged(world.db):
        response = client_as(world.coordinator).put(
            world.path, json={"scheme": "equivalent", "confirmed_on": tomorrow}
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"] == {"confirmed_on": ["未来の日付は指定できません。"]}


def test_record_jp_dbs_check_before_the_system_starts_is_422(client_as, db, clock):
    clock.set(AFTER_DBS)
    w = _world_now(db)
    with unchanged(db):
        response = client_as(w.coordinator).put(
            w.path, json={"scheme": "jp_dbs", "confirmed_on": "2026-12-24"}
        )
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == ["confirmed_on"]
    assert "2026年12月25日" in problem["errors"]["confirmed_on"][0]


def test_record_jp_dbs_check_from_its_first_day_is_200(client_as, db, clock):
    clock.set(AFTER_DBS)
    w = _world_now(db)
    for day in ("2026-12-25", "2027-01-15"):
        response = client_as(w.coordinator).put(
            w.path, json={"scheme": "jp_dbs", "confirmed_on": day}
        )
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["background_check"]["scheme"] == "jp_dbs"


def test_record_jp_dbs_check_today_before_the_system_starts_is_422(client_as, db, clock):
    clock.set(dt.datetime(2026, 12, 20, 12, 0, tzinfo=TOKYO))
    w = _world_now(db)
    response = client_as(w.coordinator).put(
        w.path, json={"scheme": "jp_dbs", "confirmed_on": "2026-12-20"}
    )
    assert_problem(response, 422, "validation_failed")


def _world_now(db) -> SimpleNamespace:
    """The fixture's world, built after the clock was set (the certification is valid
    on the test's day)."""
    community = CommunityFactory()
    coordinator = UserFactory()
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    certification = CertificationFactory(community=community, granted_by=coordinator)
    return SimpleNamespace(
        db=db,
        coordinator=coordinator,
        certification=certification,
        path=f"/v1/certifications/{certification.id}/background-check",
    )


def test_second_record_replaces_the_first(client_as, world):
    client = client_as(world.coordinator)
    client.put(world.path, json=EQUIVALENT)
    response = client.put(world.path, json={"scheme": "equivalent", "confirmed_on": "2026-11-25"})
    assert response.get_json()["background_check"]["confirmed_on"] == "2026-11-25"
    assert sorted(e.details["replaced"] for e in _audit(world)) == [False, True]


def test_coordinator_of_another_community_gets_404_and_changes_nothing(client_as, world):
    elsewhere = UserFactory()
    town = world.db.get(Municipality, world.community.municipality_code)
    other = CommunityFactory(municipality=town)
    CommunityMemberFactory(community=other, user=elsewhere, role="coordinator")
    with unchanged(world.db):
        answers = [
            client_as(elsewhere).put(world.path, json=EQUIVALENT),
            client_as(elsewhere).delete(world.path),
        ]
    for response in answers:
        assert_problem(response, 404, "certification_not_found")


def test_supporter_cannot_record_their_own_check(client_as, world):
    with unchanged(world.db):
        response = client_as(world.supporter).put(world.path, json=EQUIVALENT)
    assert_problem(response, 403, "coordinator_only")


def test_operator_cannot_record_a_check(client_as, world):
    operator = UserFactory()
    with unchanged(world.db):
        response = client_as(operator, operator=True).put(world.path, json=EQUIVALENT)
    assert_problem(response, 403, "coordinator_only")


def test_coordinator_cannot_record_a_check_on_their_own_certification(client_as, world):
    other = UserFactory()
    CommunityMemberFactory(community=world.community, user=other, role="coordinator")
    mine = CertificationFactory(
        community=world.community, user=world.coordinator, granted_by=other, membership=False
    )
    with unchanged(world.db):
        response = client_as(world.coordinator).put(
            f"/v1/certifications/{mine.id}/background-check", json=EQUIVALENT
        )
    assert_problem(response, 422, "self_background_check")
    # Another coordinator may.
    response = client_as(other).put(
        f"/v1/certifications/{mine.id}/background-check", json=EQUIVALENT
    )
    assert response.status_code == 200


def test_record_check_on_a_revoked_certification_is_409(client_as, world):
    client = client_as(world.coordinator)
    revoke = client.post(
        f"/v1/certifications/{world.certification.id}/revoke", json={"reason": "転居のため"}
    )
    assert revoke.status_code == 200
    with unchanged(world.db):
        response = client.put(world.path, json=EQUIVALENT)
    assert_problem(response, 409, "certification_revoked")


def test_unknown_certification_is_404(client_as, world):
    response = client_as(world.coordinator).put(
        f"/v1/certifications/{uuid.uuid4()}/background-check", json=EQUIVALENT
    )
    assert_problem(response, 404, "certification_not_found")


def test_withdraw_check_is_204_audited_and_leaves_nothing(client_as, world):
    client = client_as(world.coordinator)
    client.put(world.path, json=EQUIVALENT)
    assert client.delete(world.path).status_code == 204
    stored = _fresh(world)
    assert (
        stored.background_check_scheme,
        stored.background_check_confirmed_on,
        stored.background_check_confirmed_by_id,
        stored.background_check_recorded_at,
    ) == (None, None, None, None)
    [entry] = [e for e in _audit(world) if e.action.endswith("_withdraw")]
    assert entry.action == "certification.background_check_withdraw"
    assert entry.details["scheme"] == "equivalent"
    view = client.get(f"/v1/certifications/{world.certification.id}").get_json()
    assert view["background_check_confirmed"] is False
    assert view["background_check"] is None


def test_withdraw_when_none_recorded_is_404(client_as, world):
    with unchanged(world.db):
        response = client_as(world.coordinator).delete(world.path)
    assert_problem(response, 404, "background_check_not_found")


def test_supporter_cannot_withdraw_their_check(client_as, world):
    client_as(world.coordinator).put(world.path, json=EQUIVALENT)
    with unchanged(world.db):
        response = client_as(world.supporter).delete(world.path)
    assert_problem(response, 403, "coordinator_only")


def test_details_for_coordinator_and_supporter_only_operators_see_a_yes(client_as, world):
    client_as(world.coordinator).put(world.path, json=EQUIVALENT)
    one = f"/v1/certifications/{world.certification.id}"
    listed = f"/v1/communities/{world.community.id}/certifications"
    operator = client_as(UserFactory(), operator=True)
    for body in (operator.get(one).get_json(), operator.get(listed).get_json()["items"][0]):
        assert body["background_check_confirmed"] is True
        assert body["background_check"] is None
    coordinator = client_as(world.coordinator)
    for body in (coordinator.get(one).get_json(), coordinator.get(listed).get_json()["items"][0]):
        assert body["background_check"]["scheme"] == "equivalent"
    mine = client_as(world.supporter).get("/v1/me/certifications").get_json()["items"][0]
    assert mine["background_check"]["confirmed_on"] == "2026-11-20"


def test_renewal_keeps_the_check(client_as, world):
    client = client_as(world.coordinator)
    client.put(world.path, json=EQUIVALENT)
    renewed = client.post(f"/v1/certifications/{world.certification.id}/renew", json={})
    assert renewed.status_code == 200, renewed.get_json()
    assert renewed.get_json()["background_check"]["scheme"] == "equivalent"


def test_deleting_the_supporters_account_erases_the_check(client_as, world):
    client_as(world.coordinator).put(world.path, json=EQUIVALENT)
    assert client_as(world.supporter).delete("/v1/me").status_code == 204
    stored = _fresh(world)
    assert stored.revoked_at is not None
    assert stored.background_check_scheme is None
    assert stored.background_check_confirmed_by_id is None
