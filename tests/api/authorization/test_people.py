"""Authorization matrix: /v1/me (profile, children, household, devices, notification
settings, payout account) and joining a household. See matrix.py for the roles.

Everything under /v1/me is about the caller: every signed-in role gets their own (200),
except the requester's household's things (child, device) that others cannot even see
(404, never 403)."""

from __future__ import annotations

import pytest

from tests.api.authorization.conftest import DEVICE_TOKEN
from tests.api.authorization.matrix import Req, cells, row

CHILD = {"nickname": "はなちゃん", "birth_date": "2022-05-01", "notes": "そばアレルギー"}
PROFILE = {"display_name": "佐藤 美香", "locale": "ja", "home": {"lat": 35.8587, "lng": 139.6571}}
ADULT = {"name": "田中 一郎", "relation": "叔父"}
HOUSEHOLD = ("requester", "same_household")

ROWS = [
    row("GET", "/v1/me", lambda w: Req("/v1/me"), signed_in=200, no_profile=404),
    row("PUT", "/v1/me", lambda w: Req("/v1/me", json=PROFILE), signed_in=200, no_profile=201),
    row("DELETE", "/v1/me", lambda w: Req("/v1/me"), signed_in=204, no_profile=404),
    row("GET", "/v1/me/children", lambda w: Req("/v1/me/children"), signed_in=200),
    row("POST", "/v1/me/children", lambda w: Req("/v1/me/children", json=CHILD), signed_in=201),
    # Another household's child: not even its existence (404).
    row(
        "GET",
        "/v1/me/children/{child_id}",
        lambda w: Req(f"/v1/me/children/{w.child}"),
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD, 200),
    ),
    row(
        "PATCH",
        "/v1/me/children/{child_id}",
        lambda w: Req(f"/v1/me/children/{w.child}", json={"notes": "乳アレルギーも"}),
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD, 200),
    ),
    row(
        "DELETE",
        "/v1/me/children/{child_id}",
        lambda w: Req(f"/v1/me/children/{w.child}"),
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD, 204),
    ),
    # The child's authorised adults: its household only; anybody else, even the supporter
    # who collects the child, learns nothing of them (404, as for the child itself).
    row(
        "GET",
        "/v1/me/children/{child_id}/authorised-adults",
        lambda w: Req(f"/v1/me/children/{w.child}/authorised-adults"),
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD, 200),
    ),
    row(
        "POST",
        "/v1/me/children/{child_id}/authorised-adults",
        lambda w: Req(f"/v1/me/children/{w.child}/authorised-adults", json=ADULT),
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD, 201),
    ),
    row(
        "DELETE",
        "/v1/me/children/{child_id}/authorised-adults/{adult_id}",
        lambda w: Req(f"/v1/me/children/{w.child}/authorised-adults/{w.adult}"),
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD, 204),
    ),
    row(
        "GET",
        "/v1/me/children/{child_id}/access-log",
        lambda w: Req(f"/v1/me/children/{w.child}/access-log"),
        signed_in=404,
        **dict.fromkeys(HOUSEHOLD, 200),
    ),
    row(
        "POST",
        "/v1/me/household/invites",
        lambda w: Req("/v1/me/household/invites"),
        signed_in=201,
    ),
    # The requester's invite: anybody alone in their household may join (201); its own
    # parents are in it already (409), and the supporter's household has two parents, so
    # neither may leave it by joining another (409).
    row(
        "POST",
        "/v1/households/join",
        lambda w: Req("/v1/households/join", json={"code": w.invite_code}),
        signed_in=201,
        **dict.fromkeys((*HOUSEHOLD, "supporter", "supporter_household"), 409),
    ),
    row(
        "POST",
        "/v1/me/devices",
        lambda w: Req("/v1/me/devices", json={"token": "fcm-token-new:APA91b", "platform": "ios"}),
        signed_in=201,
    ),
    # The requester's device: the other parent of the household does not own it either.
    row(
        "DELETE",
        "/v1/me/devices/{token}",
        lambda w: Req(f"/v1/me/devices/{DEVICE_TOKEN}"),
        signed_in=404,
        requester=204,
    ),
    row(
        "GET",
        "/v1/me/notification-settings",
        lambda w: Req("/v1/me/notification-settings"),
        signed_in=200,
    ),
    row(
        "PATCH",
        "/v1/me/notification-settings",
        lambda w: Req("/v1/me/notification-settings", json={"types": {"new_request": False}}),
        signed_in=200,
    ),
    row("GET", "/v1/me/payout-account", lambda w: Req("/v1/me/payout-account"), signed_in=200),
    row("POST", "/v1/me/payout-account", lambda w: Req("/v1/me/payout-account"), signed_in=200),
]
CELLS = cells(ROWS)


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(cell, run_cell):
    run_cell(cell)
