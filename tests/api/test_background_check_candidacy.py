"""A community that requires background checks for babysitting: who is a certified
candidate, who sees the request in their feed and may offer, and what candidate and
offer views show of the check (only whether there is one)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from otagai.domain.audit.models import AuditEntry
from tests.factories import (
    EXACT,
    CertificationFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ConnectionFactory,
    ShareRequestFactory,
    TestSession,
    UserFactory,
    add_offer,
)
from tests.helpers import assert_problem, unchanged

CHECK_FIELDS = {"scheme", "confirmed_on", "confirmed_by", "recorded_at", "background_check"}
REQUIRE = {"require_background_check_for_babysitting": True}


def _checked(**kw):
    return {
        "background_check_scheme": "equivalent",
        "background_check_confirmed_on": dt.date(2026, 11, 20),
        "background_check_confirmed_by_id": kw["by"].id,
        "background_check_recorded_at": dt.datetime.now(dt.UTC),
    }


@pytest.fixture
def hood(db) -> SimpleNamespace:
    """A community and its coordinator; a parent; two supporters certified for pickup and
    babysitting living where the parent does, one with a confirmed check, one without."""
    community = CommunityFactory()
    coordinator = UserFactory()
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    parent = UserFactory(public=EXACT)
    CommunityMemberFactory(community=community, user=parent)
    checked, unchecked = UserFactory(public=EXACT), UserFactory(public=EXACT)
    CertificationFactory(
        community=community, user=checked, granted_by=coordinator, **_checked(by=coordinator)
    )
    CertificationFactory(community=community, user=unchecked, granted_by=coordinator)
    return SimpleNamespace(
        db=db,
        community=community,
        coordinator=coordinator,
        parent=parent,
        checked=checked,
        unchecked=unchecked,
    )


def _request(hood, kind="babysitting"):
    return ShareRequestFactory(
        requester=hood.parent, community=hood.community, kind=kind, public=EXACT
    )


def _require(client_as, hood) -> None:
    response = client_as(hood.coordinator).patch(
        f"/v1/communities/{hood.community.id}", json=REQUIRE
    )
    assert response.status_code == 200, response.get_json()


def _candidates(client_as, hood, request) -> dict[str, dict]:
    TestSession.flush()
    response = client_as(hood.parent).get(f"/v1/share-requests/{request.id}/candidates")
    assert response.status_code == 200, response.get_json()
    return {c["user_id"]: c for c in response.get_json()["items"]}


def _feed_ids(client_as, user) -> list[str]:
    TestSession.flush()
    response = client_as(user).get("/v1/share-requests/feed")
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def _keys(body) -> set[str]:
    if isinstance(body, dict):
        return set(body) | set().union(*(_keys(v) for v in body.values()))
    if isinstance(body, list):
        return set().union(*(_keys(v) for v in body)) if body else set()
    return set()


# --- the setting --------------------------------------------------------------------------


def test_setting_is_false_by_default_and_shown_on_the_community(client_as, hood):
    body = client_as(hood.parent).get(f"/v1/communities/{hood.community.id}").get_json()
    assert body["require_background_check_for_babysitting"] is False


def test_coordinator_turns_the_setting_on_and_it_is_audited(client_as, hood):
    response = client_as(hood.coordinator).patch(
        f"/v1/communities/{hood.community.id}", json=REQUIRE
    )
    assert response.status_code == 200
    assert response.get_json()["require_background_check_for_babysitting"] is True
    shown = client_as(hood.parent).get(f"/v1/communities/{hood.community.id}").get_json()
    assert shown["require_background_check_for_babysitting"] is True
    hood.db.expire_all()
    [entry] = hood.db.scalars(
        select(AuditEntry).where(
            AuditEntry.community_id == hood.community.id, AuditEntry.action == "community.update"
        )
    ).all()
    assert entry.details == {
        "before": {"require_background_check_for_babysitting": False},
        "after": {"require_background_check_for_babysitting": True},
    }


def test_setting_it_to_what_it_is_writes_no_audit_entry(client_as, hood):
    with unchanged(hood.db):
        response = client_as(hood.coordinator).patch(
            f"/v1/communities/{hood.community.id}",
            json={"require_background_check_for_babysitting": False},
        )
    assert response.status_code == 200


def test_a_member_or_another_communitys_coordinator_cannot_change_it(client_as, hood):
    elsewhere = UserFactory()
    other = CommunityFactory(municipality=None, municipality_code=hood.community.municipality_code)
    CommunityMemberFactory(community=other, user=elsewhere, role="coordinator")
    for user in (hood.parent, elsewhere):
        with unchanged(hood.db):
            response = client_as(user).patch(f"/v1/communities/{hood.community.id}", json=REQUIRE)
        assert_problem(response, 403, "coordinator_only")


def test_setting_with_a_non_boolean_or_unknown_field_is_422(client_as, hood):
    path = f"/v1/communities/{hood.community.id}"
    for body in ({"require_background_check_for_babysitting": "yes"}, {"name": "新しい名前"}, {}):
        with unchanged(hood.db):
            response = client_as(hood.coordinator).patch(path, json=body)
        assert_problem(response, 422, "validation_failed")


# --- candidates -----------------------------------------------------------------------------


def test_without_the_setting_both_are_certified_candidates(client_as, hood):
    found = _candidates(client_as, hood, _request(hood))
    assert found[str(hood.checked.id)]["trust_tier"] == "certified"
    assert found[str(hood.unchecked.id)]["trust_tier"] == "certified"
    assert found[str(hood.checked.id)]["background_check_confirmed"] is True
    assert found[str(hood.unchecked.id)]["background_check_confirmed"] is False


def test_with_the_setting_only_the_checked_supporter_is_a_babysitting_candidate(client_as, hood):
    _require(client_as, hood)
    found = _candidates(client_as, hood, _request(hood))
    assert list(found) == [str(hood.checked.id)]
    assert found[str(hood.checked.id)]["trust_tier"] == "certified"


def test_the_setting_does_not_touch_pickups(client_as, hood):
    _require(client_as, hood)
    found = _candidates(client_as, hood, _request(hood, kind="pickup"))
    assert set(found) == {str(hood.checked.id), str(hood.unchecked.id)}


def test_an_unchecked_connection_stays_a_candidate_as_connection_only(client_as, hood):
    _require(client_as, hood)
    ConnectionFactory(a=hood.parent, b=hood.unchecked)
    ConnectionFactory(a=hood.parent, b=hood.checked)
    found = _candidates(client_as, hood, _request(hood))
    assert found[str(hood.unchecked.id)]["trust_tier"] == "connection"
    assert found[str(hood.checked.id)]["trust_tier"] == "connection_certified"


def test_candidate_views_show_a_yes_or_no_never_the_details(client_as, hood):
    for body in _candidates(client_as, hood, _request(hood)).values():
        assert not _keys(body) & (CHECK_FIELDS - {"background_check"})
        assert "2026-11-20" not in str(body) and "equivalent" not in str(body)


def test_a_check_in_another_community_does_not_count_here(client_as, hood):
    """The check is on the certification of this community, not on the person."""
    _require(client_as, hood)
    town_community = CommunityFactory(
        municipality=None, municipality_code=hood.community.municipality_code
    )
    CertificationFactory(
        community=town_community,
        user=hood.unchecked,
        granted_by=hood.coordinator,
        **_checked(by=hood.coordinator),
    )
    assert str(hood.unchecked.id) not in _candidates(client_as, hood, _request(hood))


# --- the feed and offers ----------------------------------------------------------------------


def test_feed_with_the_setting_shows_babysitting_only_to_the_checked(client_as, hood):
    babysitting, pickup = _request(hood), _request(hood, kind="pickup")
    assert set(_feed_ids(client_as, hood.unchecked)) == {str(babysitting.id), str(pickup.id)}
    _require(client_as, hood)
    assert _feed_ids(client_as, hood.unchecked) == [str(pickup.id)]
    assert set(_feed_ids(client_as, hood.checked)) == {str(babysitting.id), str(pickup.id)}


def test_unchecked_supporter_cannot_offer_on_babysitting_there(client_as, hood):
    _require(client_as, hood)
    request = _request(hood)
    TestSession.flush()
    with unchanged(hood.db):
        response = client_as(hood.unchecked).post(
            f"/v1/share-requests/{request.id}/offers", json={}
        )
    assert_problem(response, 404, "share_request_not_found")
    checked = client_as(hood.checked).post(f"/v1/share-requests/{request.id}/offers", json={})
    assert checked.status_code == 201, checked.get_json()
    assert checked.get_json()["background_check_confirmed"] is True


def test_offer_views_show_a_yes_or_no_never_the_details(client_as, hood):
    request = _request(hood)
    add_offer(request, hood.checked)
    add_offer(request, hood.unchecked)
    TestSession.flush()
    body = client_as(hood.parent).get(f"/v1/share-requests/{request.id}/offers").get_json()
    shown = {o["supporter"]["id"]: o["background_check_confirmed"] for o in body["items"]}
    assert shown == {str(hood.checked.id): True, str(hood.unchecked.id): False}
    assert not _keys(body) & (CHECK_FIELDS - {"background_check"})
    assert "2026-11-20" not in str(body)


def test_withdrawing_the_check_takes_the_supporter_out_at_once(client_as, hood):
    _require(client_as, hood)
    request = _request(hood)
    [certification] = [
        c for c in hood.db.scalars(select(CertificationFactory._meta.model))
        if c.user_id == hood.checked.id
    ]  # fmt: skip
    path = f"/v1/certifications/{certification.id}/background-check"
    assert client_as(hood.coordinator).delete(path).status_code == 204
    assert _candidates(client_as, hood, request) == {}
