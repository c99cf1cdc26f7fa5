"""Reliability (issue 14): a community's coordinators see, per person of its matches in a
window, the matches completed, cancelled late and the no-shows recorded against them;
nobody else sees it, and it shows display names and counts only."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from otagai.domain.communities.models import Municipality
from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    ShareRequestFactory,
    UserFactory,
    add_match,
    coordinate_keys_in,
    match_world,
)
from tests.helpers import assert_problem

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _share(world, days_ago: float, *, status="confirmed", supporter=None, community=None):
    start = NOW - dt.timedelta(days=days_ago)
    request = ShareRequestFactory(
        requester=world.parent,
        community=community or world.community,
        children=[world.child],
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    return add_match(request, supporter or world.supporter, status=status)


def _other_community(world):
    """Another community of the same town (a second town would need its own code)."""
    town = ShareRequestFactory._meta.sqlalchemy_session.get(
        Municipality, world.community.municipality_code
    )
    return CommunityFactory(municipality=town)


@pytest.fixture
def world(db, clock):
    clock.set(NOW)
    world = match_world(status="completed")  # started an hour ago
    world.coordinator = UserFactory()
    CommunityMemberFactory(community=world.community, user=world.coordinator, role="coordinator")
    return world


def _reliability(client_as, world, who=None, **query):
    return client_as(who or world.coordinator).get(
        f"/v1/communities/{world.community.id}/reliability", query_string=query
    )


def _by_person(body):
    return {
        item["person"]["id"]: (item["completed"], item["cancelled_late"], item["no_shows"])
        for item in body["items"]
    }


def test_reliability_counts_completed_matches_of_both_parties(client_as, world):
    _share(world, 10, status="completed")
    body = _reliability(client_as, world).get_json()
    assert _by_person(body) == {
        str(world.parent.id): (2, 0, 0),
        str(world.supporter.id): (2, 0, 0),
    }


def test_reliability_counts_a_no_show_against_the_absent_party_only(client_as, world, clock):
    match = _share(world, 0.1)  # started 2.4 hours ago
    response = client_as(world.parent).post(
        f"/v1/matches/{match.id}/no-show", json={"reason": "来られませんでした"}
    )
    assert response.status_code == 201
    counts = _by_person(_reliability(client_as, world).get_json())
    # The no-show cancelled the match, by the parent who recorded it: not their fault.
    assert counts[str(world.supporter.id)] == (1, 0, 1)
    assert counts[str(world.parent.id)] == (1, 0, 0)


def test_reliability_counts_a_cancellation_within_24_hours_of_the_start(client_as, world, clock):
    late = _share(world, -0.5)  # starts in 12 hours
    early = _share(world, -3)  # in three days
    for match in (late, early):
        response = client_as(world.supporter).post(
            f"/v1/matches/{match.id}/cancel", json={"reason": "都合が悪くなりました"}
        )
        assert response.status_code == 200
    clock.set(NOW + dt.timedelta(days=4))  # both starts have passed
    counts = _by_person(_reliability(client_as, world).get_json())
    assert counts[str(world.supporter.id)] == (1, 1, 0)
    assert counts[str(world.parent.id)] == (1, 0, 0)


def test_reliability_window_defaults_to_180_days(client_as, world):
    _share(world, 200, status="completed")
    assert _by_person(_reliability(client_as, world).get_json())[str(world.parent.id)][0] == 1
    body = _reliability(client_as, world, days=365).get_json()
    assert _by_person(body)[str(world.parent.id)][0] == 2
    assert {item["window_days"] for item in body["items"]} == {365}


def test_reliability_leaves_out_other_communities_and_future_matches(client_as, world):
    other = _other_community(world)
    _share(world, 5, status="completed", community=other)
    _share(world, -2)  # tomorrow and a day
    counts = _by_person(_reliability(client_as, world).get_json())
    assert counts[str(world.parent.id)] == (1, 0, 0)


def test_reliability_shows_display_names_and_counts_only(client_as, world):
    body = _reliability(client_as, world).get_json()
    assert coordinate_keys_in(body) == set()
    for item in body["items"]:
        assert set(item) == {"person", "completed", "cancelled_late", "no_shows", "window_days"}
        assert set(item["person"]) == {"id", "display_name"}
    text = str(body)
    assert str(world.child.id) not in text and world.child.nickname not in text


def test_reliability_pages_by_person(client_as, world):
    first = _reliability(client_as, world, limit=1).get_json()
    second = _reliability(client_as, world, limit=1, cursor=first["next_cursor"]).get_json()
    ids = [i["person"]["id"] for i in first["items"] + second["items"]]
    assert sorted(ids) == sorted([str(world.parent.id), str(world.supporter.id)])
    assert second["next_cursor"] is None


@pytest.mark.parametrize("who", ["parent", "supporter", "stranger", "elsewhere", "operator"])
def test_reliability_for_anybody_but_its_coordinators_is_403(client_as, world, who):
    if who == "stranger":
        user = UserFactory()
    elif who == "elsewhere":
        user = UserFactory()
        CommunityMemberFactory(
            community=_other_community(world),
            user=user,
            role="coordinator",
        )
    elif who == "operator":
        user = UserFactory()
    else:
        user = getattr(world, who)
    client = client_as(user, operator=True) if who == "operator" else client_as(user)
    response = client.get(f"/v1/communities/{world.community.id}/reliability")
    assert_problem(response, 403, "coordinator_only")


def test_reliability_of_unknown_community_is_404(client_as, world):
    response = client_as(world.coordinator).get(f"/v1/communities/{uuid.uuid4()}/reliability")
    assert_problem(response, 404, "community_not_found")


@pytest.mark.parametrize("days", [0, 731, "x"])
def test_reliability_with_bad_window_is_422(client_as, world, days):
    assert_problem(_reliability(client_as, world, days=days), 422, "validation_failed")
