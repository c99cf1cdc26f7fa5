"""Attacks on no-shows, reliability and the late alerts, as a member with a valid token
and a script would try them: record or answer a no-show on somebody else's match (and so
cancel it), read the texts of one, read a community's reliability without coordinating
it, and find in a reliability answer, a timeline or a push what they must not see: a
place, a child, a reason."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from otagai.domain.communities.models import Municipality
from otagai.domain.matches.models import Match, NoShow
from otagai.domain.people.models import Device
from otagai.worker import run_once
from tests.api.safety.pickup import another_pickup, pickup_world
from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    UserFactory,
    coordinate_keys_in,
)
from tests.helpers import assert_problem, unchanged

REASON = "保育園の前で30分待ちましたが、いらっしゃいませんでした。"
ANSWER = "子どもが急に入院し、連絡できませんでした。"


@pytest.fixture
def two(db, clock):
    """Match A and, beside it in the same community at the same time, match B."""
    a = pickup_world()
    b = another_pickup(a)
    a.coordinator = UserFactory()
    CommunityMemberFactory(community=a.community, user=a.coordinator, role="coordinator")
    clock.set(a.start + timedelta(minutes=30))
    return a, b


def _no_show(client_as, who, match, reason=REASON):
    return client_as(who).post(f"/v1/matches/{match.id}/no-show", json={"reason": reason})


def test_a_party_of_one_match_cannot_record_a_no_show_on_another(client_as, db, two):
    """A's supporter and A's parents walk B's id (a neighbour's, same time and place)."""
    a, b = two
    for attacker in (a.supporter, a.parent, a.partner):
        with unchanged(db):
            assert_problem(_no_show(client_as, attacker, b.match), 404, "match_not_found")
    assert db.get(Match, b.match.id).status == "confirmed"


def test_a_stranger_cannot_cancel_a_match_by_recording_a_no_show(client_as, db, two):
    a, _ = two
    stranger = UserFactory()
    CommunityMemberFactory(community=a.community, user=stranger)
    supporter_household = UserFactory(household=a.supporter.household)
    for attacker in (stranger, supporter_household, a.coordinator):
        with unchanged(db):
            assert_problem(_no_show(client_as, attacker, a.match), 404, "match_not_found")
    assert db.get(Match, a.match.id).status == "confirmed"


def test_nobody_but_the_absent_side_answers_and_nobody_else_reads_the_texts(client_as, db, two):
    a, b = two
    assert _no_show(client_as, a.parent, a.match).status_code == 201
    stranger = UserFactory()
    for attacker in (b.supporter, b.parent, stranger, a.coordinator):
        with unchanged(db):
            response = client_as(attacker).post(
                f"/v1/matches/{a.match.id}/no-show/answer", json={"text": "嘘です"}
            )
        assert_problem(response, 404, "match_not_found")
        for path in ("", "/timeline"):
            body = client_as(attacker).get(f"/v1/matches/{a.match.id}{path}").get_data(True)
            assert REASON not in body
    assert db.scalars(select(NoShow)).one().answer is None


def test_the_timeline_carries_codes_only_never_the_texts(client_as, db, two, clock):
    a, _ = two
    _no_show(client_as, a.parent, a.match)
    clock.advance(minutes=5)
    client_as(a.supporter).post(f"/v1/matches/{a.match.id}/no-show/answer", json={"text": ANSWER})
    body = client_as(a.parent).get(f"/v1/matches/{a.match.id}/timeline").get_json()
    entries = [i for i in body["items"] if i["type"].startswith("no_show")]
    assert [e["data"] for e in entries] == [{"absent": "supporter"}] * 2
    assert REASON not in json.dumps(body, ensure_ascii=False)
    assert ANSWER not in json.dumps(body, ensure_ascii=False)


@pytest.mark.parametrize("who", ["parent", "supporter", "member", "elsewhere", "operator"])
def test_reliability_is_for_the_communitys_coordinators_only(client_as, db, two, who):
    a, _ = two
    if who == "member":
        user = UserFactory()
        CommunityMemberFactory(community=a.community, user=user)
    elif who == "elsewhere":
        user = UserFactory()
        town = db.get(Municipality, a.community.municipality_code)
        CommunityMemberFactory(
            community=CommunityFactory(municipality=town),
            user=user,
            role="coordinator",
        )
    elif who == "operator":
        user = UserFactory()
    else:
        user = getattr(a, who)
    client = client_as(user, operator=True) if who == "operator" else client_as(user)
    response = client.get(f"/v1/communities/{a.community.id}/reliability")
    assert_problem(response, 403, "coordinator_only")
    # Guessing a community id learns nothing either: an unknown one is a plain 404.
    response = client.get(f"/v1/communities/{uuid.uuid4()}/reliability")
    assert_problem(response, 404, "community_not_found")


def test_reliability_reveals_no_place_child_or_text(client_as, db, two, clock):
    a, b = two
    _no_show(client_as, a.parent, a.match)
    clock.advance(minutes=5)
    client_as(a.supporter).post(f"/v1/matches/{a.match.id}/no-show/answer", json={"text": ANSWER})
    body = client_as(a.coordinator).get(f"/v1/communities/{a.community.id}/reliability")
    assert body.status_code == 200
    answer = body.get_json()
    text = json.dumps(answer, ensure_ascii=False)
    assert coordinate_keys_in(answer) == set()
    for secret in (
        REASON,
        ANSWER,
        *(c.nickname for c in a.children + b.children),
        *(str(c.id) for c in a.children + b.children),
        str(a.match.id),
        str(b.match.id),
        str(a.request.id),
    ):
        assert secret not in text
    assert {frozenset(i["person"]) for i in answer["items"]} == {frozenset({"id", "display_name"})}


def test_pushes_of_no_shows_and_late_alerts_carry_no_name_or_text(
    client_as, db, two, fcm_api, app_context
):
    """A's supporter is told of A's no-show; B's parent of B's missing pickup (B's supporter
    checked nothing in, and it is 30 minutes after the start)."""
    a, b = two
    tokens = {}
    for user in (a.supporter, b.parent):
        tokens[user.id] = f"tok-{uuid.uuid4().hex}"
        db.add(Device(token=tokens[user.id], user_id=user.id, platform="android"))
    db.flush()
    _no_show(client_as, a.parent, a.match)
    run_once(a.start + timedelta(minutes=30))
    told = {who: fcm_api.sent_to(tokens[who.id]) for who in (a.supporter, b.parent)}
    assert [m.data["type"] for m in told[a.supporter]] == ["no_show"]
    assert [m.data["type"] for m in told[b.parent]] == ["late_alert"]
    shown = json.dumps([m.message for ms in told.values() for m in ms], ensure_ascii=False)
    for secret in (
        REASON,
        *(p.display_name for p in (a.parent, a.supporter, b.parent, b.supporter)),
        *(c.nickname for c in a.children + b.children),
    ):
        assert secret not in shown
