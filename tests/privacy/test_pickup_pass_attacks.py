"""Attacks on the pickup pass and the handover, as a member with a script would try them:
forge or alter a pass token to see a family's names and children; reuse one match's pass
for another; call the check-ins and the handover code of somebody else's match; and
guess the six-digit handover code."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from itsdangerous import Signer
from sqlalchemy import select

from otagai.domain.matches import passes, timeline
from otagai.domain.matches.checkins import MAX_REJECTIONS
from otagai.domain.matches.models import MatchEvent
from tests.api.safety.pickup import another_pickup, pickup_world
from tests.factories import UserFactory
from tests.helpers import assert_problem, unchanged


def _token(client_as, world) -> str:
    return client_as(world.supporter).get(f"/v1/matches/{world.match.id}/pass").get_json()["token"]


def _names(world) -> list[str]:
    return [
        world.supporter.display_name,
        world.parent.display_name,
        *(c.nickname for c in world.children),
    ]


def _assert_page_shows_nothing(page, world) -> None:
    html = page.get_data(as_text=True)
    assert page.status_code == 404, html[:300]
    for name in _names(world):
        assert name not in html


def test_pass_token_with_altered_match_id_is_refused(client, client_as, db, clock):
    """Swap the signed match id for another match's, keeping the signature."""
    a = pickup_world()
    b = another_pickup(a)
    clock.set(a.start)
    token = _token(client_as, a)
    _, signature = token.split(".")
    b_id = base64.urlsafe_b64encode(b.match.id.bytes).rstrip(b"=").decode()
    _assert_page_shows_nothing(client.get(f"/pass/{b_id}.{signature}"), b)
    assert db.scalars(select(MatchEvent).where(MatchEvent.match_id == b.match.id)).all() == []


def test_pass_token_signed_with_a_guessed_secret_is_refused(client, db, clock):
    world = pickup_world()
    clock.set(world.start)
    raw = base64.urlsafe_b64encode(world.match.id.bytes).rstrip(b"=")
    for secret in ("secret", "changeme", "otagai", ""):
        forged = Signer(secret or "x", salt=passes.TOKEN_SALT, digest_method=hashlib.sha256)
        _assert_page_shows_nothing(client.get(f"/pass/{forged.sign(raw).decode()}"), world)


def test_pass_token_of_another_signed_thing_is_refused(client, client_as, db, clock, settings):
    """A value the service signs with the same secret for another purpose (another salt)
    does not open a pass."""
    world = pickup_world()
    clock.set(world.start)
    raw = base64.urlsafe_b64encode(world.match.id.bytes).rstrip(b"=")
    other = Signer(settings.pass_signing_secret, salt="dashboard", digest_method=hashlib.sha256)
    _assert_page_shows_nothing(client.get(f"/pass/{other.sign(raw).decode()}"), world)


def test_pass_token_truncated_or_garbled_is_404_never_500(client, client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    token = _token(client_as, world)
    for attempt in (token[:-1], token + "A", token.replace(".", ""), "..", "%00", "ü.ü"):
        response = client.get(f"/pass/{attempt}")
        assert response.status_code == 404, (attempt, response.status_code)


def test_pass_of_match_a_opens_a_and_only_a(client, client_as, db, clock):
    a = pickup_world()
    b = another_pickup(a)
    clock.set(a.start)
    html = client.get(f"/pass/{_token(client_as, a)}").get_data(as_text=True)
    for name in _names(b):
        assert name not in html
    assert a.supporter.display_name in html


def test_stranger_cannot_read_anybodys_pass_or_handover_code(client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    stranger = UserFactory()
    for path in ("pass", "handover-code"):
        response = client_as(stranger).get(f"/v1/matches/{world.match.id}/{path}")
        assert_problem(response, 404, "match_not_found")


def test_supporter_cannot_read_the_handover_code(client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    response = client_as(world.supporter).get(f"/v1/matches/{world.match.id}/handover-code")
    assert_problem(response, 403, "requester_only")


def test_stranger_cannot_check_in_on_anybodys_match(client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    stranger = UserFactory()
    with unchanged(db):
        for type in ("picked_up", "arrived", "handed_over"):
            response = client_as(stranger).post(
                f"/v1/matches/{world.match.id}/checkins", json={"type": type, "code": "000000"}
            )
            assert_problem(response, 404, "match_not_found")


def test_guessing_the_handover_code_is_stopped_after_five(client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    for step in ("picked_up", "arrived"):
        client_as(world.supporter).post(
            f"/v1/matches/{world.match.id}/checkins", json={"type": step}
        )
    real = (
        client_as(world.parent)
        .get(f"/v1/matches/{world.match.id}/handover-code")
        .get_json()["code"]
    )
    statuses = []
    for guess in range(1_000_000):
        code = f"{guess:06d}"
        if code == real:
            continue
        response = client_as(world.supporter).post(
            f"/v1/matches/{world.match.id}/checkins", json={"type": "handed_over", "code": code}
        )
        statuses.append(response.status_code)
        if response.status_code == 409:
            break
    assert statuses == [422] * MAX_REJECTIONS + [409]
    # Even the right code is refused now: the handover is locked.
    response = client_as(world.supporter).post(
        f"/v1/matches/{world.match.id}/checkins", json={"type": "handed_over", "code": real}
    )
    assert_problem(response, 409, "handover_locked")
    handed = db.scalars(
        select(MatchEvent).where(
            MatchEvent.match_id == world.match.id, MatchEvent.type == timeline.HANDED_OVER
        )
    ).all()
    assert handed == []


def test_pass_code_and_handover_code_differ_per_match_and_are_not_the_id(db, settings):
    a = pickup_world()
    b = another_pickup(a)
    secret = settings.pass_signing_secret
    assert passes.handover_code(a.match.id, secret=secret) != passes.handover_code(
        b.match.id, secret=secret
    ) or passes.pass_code(a.match.id, secret=secret) != passes.pass_code(b.match.id, secret=secret)
    assert passes.pass_code(a.match.id, secret=secret) not in str(a.match.id).upper()


def test_page_outside_window_reveals_no_names_even_with_a_valid_token(client, client_as, db, clock):
    world = pickup_world()
    clock.set(world.start)
    token = _token(client_as, world)
    clock.set(world.start - timedelta(hours=2))
    html = client.get(f"/pass/{token}").get_data(as_text=True)
    for name in _names(world):
        assert name not in html
