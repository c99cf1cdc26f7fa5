"""The pickup pass (issue 14): the supporter's pass, the page nursery staff open with it,
and a whole pickup through the API with the clock under the test's control."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from otagai.domain.matches import timeline
from otagai.domain.matches.models import MatchEvent
from otagai.domain.notifications.fanout import fan_out
from otagai.domain.notifications.models import Notification
from tests.api.safety.pickup import other_child, pickup_world
from tests.factories import UserFactory, match_world
from tests.helpers import assert_problem

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex, nofollow",
}


def _pass(client_as, user, match):
    return client_as(user).get(f"/v1/matches/{match.id}/pass")


def _token(client_as, world):
    return _pass(client_as, world.supporter, world.match).get_json()["token"]


def _page(client, token):
    return client.get(f"/pass/{token}")


def _opened(db, world):
    return list(
        db.scalars(
            select(MatchEvent.data)
            .where(MatchEvent.match_id == world.match.id, MatchEvent.type == timeline.PASS_OPENED)
            .order_by(MatchEvent.at)
        )
    )


# --- the whole pickup ---------------------------------------------------------------------


def test_full_pickup_through_the_api_is_recorded_and_told_in_order(
    client, client_as, db, clock, app_context
):
    world = pickup_world()
    clock.set(world.start - timedelta(minutes=20))
    issued = _pass(client_as, world.supporter, world.match)
    assert issued.status_code == 200, issued.get_json()
    body = issued.get_json()
    assert body["status"] == "valid"
    assert urlsplit(body["url"]).path == f"/pass/{body['token']}"
    assert body["qr_svg"].startswith("<svg") and "</svg>" in body["qr_svg"]

    page = client.get(urlsplit(body["url"]).path)
    assert page.status_code == 200
    assert body["code"] in page.get_data(as_text=True)

    clock.advance(minutes=25)
    picked = client_as(world.supporter).post(
        f"/v1/matches/{world.match.id}/checkins", json={"type": "picked_up"}
    )
    assert picked.status_code == 201, picked.get_json()
    assert picked.get_json()["type"] == "picked_up"
    clock.advance(minutes=20)
    arrived = client_as(world.supporter).post(
        f"/v1/matches/{world.match.id}/checkins", json={"type": "arrived"}
    )
    assert arrived.status_code == 201, arrived.get_json()
    code = client_as(world.parent).get(f"/v1/matches/{world.match.id}/handover-code")
    assert code.status_code == 200
    clock.advance(minutes=5)
    handed = client_as(world.supporter).post(
        f"/v1/matches/{world.match.id}/checkins",
        json={"type": "handed_over", "code": code.get_json()["code"]},
    )
    assert handed.status_code == 201, handed.get_json()
    assert handed.get_json()["at"].startswith(clock.at.strftime("%Y-%m-%dT%H:%M"))

    items = (
        client_as(world.parent).get(f"/v1/matches/{world.match.id}/timeline").get_json()["items"]
    )
    kinds = [i["type"] for i in items]
    assert kinds == ["match_confirmed", "pass_opened", "picked_up", "arrived", "handed_over"]
    assert items[1]["actor"] is None and items[1]["data"]["valid"] is True
    assert {i["actor"]["id"] for i in items[2:]} == {str(world.supporter.id)}

    # 22:00-23:30 in Tokyo is inside the default quiet hours: urgent, so due at once.
    fan_out(clock.at)
    told = db.scalars(select(Notification).where(Notification.type == "checkin")).all()
    assert {(n.user_id, n.data["checkin"]) for n in told} == {
        (who.id, step)
        for who in (world.parent, world.partner)
        for step in ("picked_up", "arrived", "handed_over")
    }
    assert all(n.urgent and n.next_attempt_at == clock.at for n in told)
    assert not [n for n in told if n.user_id == world.supporter.id]


# --- GET /v1/matches/{id}/pass --------------------------------------------------------------


def test_pass_as_parties_is_the_same_pass(client_as, db, clock):
    world = pickup_world()
    clock.set(world.start - timedelta(hours=3))
    bodies = [
        _pass(client_as, who, world.match).get_json()
        for who in (world.supporter, world.parent, world.partner)
    ]
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["status"] == "not_yet_valid"
    assert len(bodies[0]["code"]) == 6


def test_pass_window_is_from_30_minutes_before_start_to_end(client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    body = _pass(client_as, world.supporter, world.match).get_json()
    assert body["valid_from"] == (world.start - timedelta(minutes=30)).isoformat()
    assert body["valid_until"] == world.end.isoformat()
    clock.set(world.end + timedelta(minutes=1))
    assert _pass(client_as, world.supporter, world.match).get_json()["status"] == "expired"


def test_pass_as_stranger_is_404(client_as, db):
    world = pickup_world()
    assert_problem(_pass(client_as, UserFactory(), world.match), 404, "match_not_found")


def test_pass_of_babysitting_is_409(client_as, db):
    world = match_world(kind="babysitting", dropoff=None)
    assert_problem(_pass(client_as, world.supporter, world.match), 409, "pass_not_for_kind")


def test_pass_of_cancelled_match_is_409(client_as, db):
    world = pickup_world()
    world.match.status = "cancelled"
    db.flush()
    assert_problem(_pass(client_as, world.supporter, world.match), 409, "match_not_confirmed")


# --- GET /pass/{token} ---------------------------------------------------------------------


def test_page_while_valid_shows_names_nicknames_window_and_code(client, client_as, db, clock):
    world = pickup_world()
    hidden = other_child(world)
    clock.set(world.start - timedelta(minutes=10))
    body = _pass(client_as, world.supporter, world.match).get_json()
    page = _page(client, body["token"])
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    for shown in (
        world.supporter.display_name,
        world.parent.display_name,
        *(c.nickname for c in world.children),
        body["code"],
        "22:00",
        "23:30",
    ):
        assert shown in html
    assert hidden.nickname not in html
    assert world.request.title not in html
    for name, value in PAGE_HEADERS.items():
        assert page.headers[name] == value
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert _opened(db, world) == [{"valid": True, "status": "valid"}]


def _assert_not_valid(page, world, reason):
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert reason in html
    for name in (world.supporter.display_name, world.parent.display_name):
        assert name not in html
    for child in world.children:
        assert child.nickname not in html
    assert page.headers["Cache-Control"] == "no-store"


def test_page_before_window_says_not_yet_valid_without_names(client, client_as, db, clock):
    world = pickup_world()
    clock.set(world.start - timedelta(minutes=31))
    _assert_not_valid(_page(client, _token(client_as, world)), world, "まだ有効ではありません")
    assert _opened(db, world) == [{"valid": False, "status": "not_yet_valid"}]


def test_page_after_end_says_expired_without_names(client, client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    token = _token(client_as, world)
    clock.set(world.end + timedelta(seconds=1))
    _assert_not_valid(_page(client, token), world, "有効期限が切れました")


def test_page_after_cancellation_stops_at_once(client, client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    token = _token(client_as, world)
    cancelled = client_as(world.parent).post(
        f"/v1/matches/{world.match.id}/cancel", json={"reason": "熱が出たため"}
    )
    assert cancelled.status_code == 200
    _assert_not_valid(_page(client, token), world, "取り消されました")
    assert _opened(db, world) == [{"valid": False, "status": "cancelled"}]


def test_page_after_completion_is_expired(client, client_as, db, clock):
    world = pickup_world()
    clock.set(world.start + timedelta(minutes=5))
    token = _token(client_as, world)
    assert client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete").status_code == 200
    _assert_not_valid(_page(client, token), world, "有効期限が切れました")


def test_page_of_unknown_token_is_404_page_and_records_nothing(client, client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    token = _token(client_as, world)
    page = _page(client, token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "見つかりません" in page.get_data(as_text=True)
    assert world.supporter.display_name not in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    assert _opened(db, world) == []
