"""Attacks on background checks, as members with valid tokens and a script would try
them: read which check a supporter had, when and who confirmed it, from every answer a
requester can reach (candidates, offers, the offer itself, the certification); record or
withdraw a check from another community, or as the supporter; and probe certification
ids for the details."""

from __future__ import annotations

import datetime as dt
import uuid
from types import SimpleNamespace

import pytest

from tests.factories import (
    EXACT,
    CertificationFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ShareRequestFactory,
    TestSession,
    UserFactory,
    add_offer,
)
from tests.helpers import assert_problem, unchanged

# Unusual values: the details must be in no answer for anybody but the coordinators of
# the community and the supporter.
CONFIRMED_ON = dt.date(2026, 10, 29)
SECRETS = ("2026-10-29", "equivalent", "jp_dbs", "confirmed_on", "confirmed_by", "scheme")


@pytest.fixture
def hood(db) -> SimpleNamespace:
    community = CommunityFactory()
    coordinator = UserFactory()
    CommunityMemberFactory(community=community, user=coordinator, role="coordinator")
    parent = UserFactory(public=EXACT)
    CommunityMemberFactory(community=community, user=parent)
    supporter = UserFactory(public=EXACT)
    certification = CertificationFactory(
        community=community,
        user=supporter,
        granted_by=coordinator,
        background_check_scheme="equivalent",
        background_check_confirmed_on=CONFIRMED_ON,
        background_check_confirmed_by_id=coordinator.id,
        background_check_recorded_at=dt.datetime.now(dt.UTC),
    )
    request = ShareRequestFactory(
        requester=parent, community=community, kind="babysitting", public=EXACT
    )
    offer = add_offer(request, supporter)
    elsewhere = UserFactory()
    other = CommunityFactory(municipality=None, municipality_code=community.municipality_code)
    CommunityMemberFactory(community=other, user=elsewhere, role="coordinator")
    TestSession.flush()
    return SimpleNamespace(
        db=db,
        community=community,
        coordinator=coordinator,
        parent=parent,
        supporter=supporter,
        certification=certification,
        request=request,
        offer=offer,
        elsewhere=elsewhere,
        other_community=other,
        path=f"/v1/certifications/{certification.id}/background-check",
    )


def _leaks(response) -> list[str]:
    text = response.get_data(as_text=True)
    return [s for s in SECRETS if s in text]


def test_requester_reads_no_detail_from_anything_they_can_reach(client_as, hood):
    parent = client_as(hood.parent)
    answers = [
        parent.get(f"/v1/share-requests/{hood.request.id}/candidates"),
        parent.get(f"/v1/share-requests/{hood.request.id}/offers"),
        parent.get(f"/v1/share-requests/{hood.request.id}"),
    ]
    for response in answers:
        assert response.status_code == 200, response.request.path
        assert _leaks(response) == [], response.request.path
    candidates = answers[0].get_json()["items"]
    assert [c["background_check_confirmed"] for c in candidates] == [True]
    # Nor from the certification itself, whose id they might learn or guess.
    for certification_id in (hood.certification.id, uuid.uuid4()):
        response = parent.get(f"/v1/certifications/{certification_id}")
        assert_problem(response, 404, "certification_not_found")


def test_a_member_of_the_community_cannot_list_or_read_certifications(client_as, hood):
    member = client_as(hood.parent)
    listed = member.get(f"/v1/communities/{hood.community.id}/certifications")
    assert_problem(listed, 403, "coordinator_only")
    assert _leaks(listed) == []


def test_coordinator_of_another_community_cannot_record_read_or_withdraw(client_as, hood):
    attacker = client_as(hood.elsewhere)
    body = {"scheme": "equivalent", "confirmed_on": "2026-11-01"}
    with unchanged(hood.db):
        answers = [
            attacker.put(hood.path, json=body),
            attacker.delete(hood.path),
            attacker.get(f"/v1/certifications/{hood.certification.id}"),
        ]
    for response in answers:
        assert_problem(response, 404, "certification_not_found")
        assert _leaks(response) == []
    # Their own community's list does not reach across either, even filtered by the user.
    mine = attacker.get(
        f"/v1/communities/{hood.other_community.id}/certifications",
        query_string={"user_id": str(hood.supporter.id)},
    )
    assert mine.status_code == 200
    assert mine.get_json()["items"] == []
    # And another community's list is refused.
    theirs = attacker.get(f"/v1/communities/{hood.community.id}/certifications")
    assert_problem(theirs, 403, "coordinator_only")


def test_coordinator_of_another_community_cannot_record_on_a_guessed_id(client_as, hood):
    attacker = client_as(hood.elsewhere)
    body = {"scheme": "equivalent", "confirmed_on": "2026-11-01"}
    with unchanged(hood.db):
        for _ in range(10):
            response = attacker.put(
                f"/v1/certifications/{uuid.uuid4()}/background-check", json=body
            )
            assert_problem(response, 404, "certification_not_found")


def test_supporter_cannot_record_or_withdraw_their_own(client_as, hood):
    supporter = client_as(hood.supporter)
    with unchanged(hood.db):
        answers = [
            supporter.put(hood.path, json={"scheme": "jp_dbs", "confirmed_on": "2026-12-25"}),
            supporter.delete(hood.path),
        ]
    for response in answers:
        assert_problem(response, 403, "coordinator_only")


def test_operator_sees_that_there_is_a_check_and_nothing_more(client_as, hood):
    operator = client_as(UserFactory(), operator=True)
    for path in (
        f"/v1/certifications/{hood.certification.id}",
        f"/v1/communities/{hood.community.id}/certifications",
    ):
        response = operator.get(path)
        assert response.status_code == 200
        assert "2026-10-29" not in response.get_data(as_text=True)
        assert '"background_check_confirmed": true' in response.get_data(as_text=True).replace(
            '":true', '": true'
        )


def test_the_supporters_own_offer_and_request_views_show_only_the_yes(client_as, hood):
    supporter = client_as(hood.supporter)
    request = supporter.get(f"/v1/share-requests/{hood.request.id}")
    withdrawn = supporter.post(f"/v1/offers/{hood.offer.id}/withdraw")
    for response in (request, withdrawn):
        assert response.status_code == 200, response.get_json()
        assert _leaks(response) == []
    assert withdrawn.get_json()["background_check_confirmed"] is True


def test_nobody_but_its_coordinators_switches_the_communitys_requirement_off(client_as, hood):
    """Turning the requirement off would let unchecked supporters babysit: a member, the
    supporter and a coordinator of another community are refused, and nothing changes."""
    hood.community.require_background_check_for_babysitting = True
    hood.db.flush()
    path = f"/v1/communities/{hood.community.id}"
    off = {"require_background_check_for_babysitting": False}
    for who in (hood.parent, hood.supporter, hood.elsewhere):
        with unchanged(hood.db):
            response = client_as(who).patch(path, json=off)
        assert response.status_code in (403, 404), response.get_json()
    assert client_as(hood.coordinator).patch(path, json=off).status_code == 200
