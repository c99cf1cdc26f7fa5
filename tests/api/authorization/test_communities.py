"""Authorization matrix: municipalities and their partner endpoints, communities,
coordinators, certifications, events, the audit log, connections and blocks. See matrix.py
for the roles.

Members of the world's community: requester, other_household, candidate, offerer, blocked,
declined_offerer, supporter (and coordinator_here, its coordinator). coordinator_elsewhere
coordinates another community of the same town; member, same_household and operator
belong to none. Without a profile one reads what is public (municipalities, communities)
and is an outsider to the rest. Communities are public to the signed in; what is inside a
community (an event, a certification) is private to it: 404 for outsiders."""

from __future__ import annotations

import datetime as dt

import pytest

from otagai.domain.clock import today_tokyo
from tests.api.authorization.matrix import Req, cells, row

IN_COMMUNITY = ("requester", "other_household", "candidate", "offerer", "blocked")
IN_COMMUNITY += ("declined_offerer",)
IN_COMMUNITY += ("supporter",)
SHIBUYA = {
    "code": "131130",
    "name_ja": "渋谷区",
    "name_en": "Shibuya",
    "boundary": {
        "type": "Polygon",
        "coordinates": [
            [[139.66, 35.64], [139.72, 35.64], [139.72, 35.69], [139.66, 35.69], [139.66, 35.64]]
        ],
    },
}
NEW_COMMUNITY = {
    "municipality_code": "111007",
    "name": "新しい会",
    "area": {
        "type": "Polygon",
        "coordinates": [
            [[139.6, 35.9], [139.61, 35.9], [139.61, 35.91], [139.6, 35.91], [139.6, 35.9]]
        ],
    },
}


def _certify(w):
    trained = (today_tokyo() - dt.timedelta(days=7)).isoformat()
    return Req(
        f"/v1/communities/{w.community}/certifications",
        json={"user_id": w.ids["other_household"], "kinds": ["pickup"], "trained_on": trained},
    )


def _new_event(w):
    starts = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(microsecond=0)
    return Req(
        f"/v1/communities/{w.community}/events",
        json={"title": "交流会", "starts_at": starts.isoformat(), "place": URAWA},
    )


URAWA = {"lat": 35.8587, "lng": 139.6571}

ROWS = [
    # --- municipalities and partners ---------------------------------------------------
    row(
        "GET",
        "/v1/municipalities",
        lambda w: Req("/v1/municipalities"),
        signed_in=200,
        no_profile=200,
    ),
    row(
        "POST",
        "/v1/municipalities",
        lambda w: Req("/v1/municipalities", json=SHIBUYA),
        signed_in=403,
        operator=201,
    ),
    row(
        "GET",
        "/v1/municipalities/{code}",
        lambda w: Req(f"/v1/municipalities/{w.town}"),
        signed_in=200,
        no_profile=200,
    ),
    # The municipality's own key or an operator; another town's key is 403.
    row(
        "POST",
        "/v1/municipalities/{code}/dashboard-links",
        lambda w: Req(f"/v1/municipalities/{w.town}/dashboard-links"),
        signed_in=403,
        operator=201,
        key_own=201,
        key_other=403,
    ),
    row(
        "GET",
        "/v1/municipalities/{code}/stats",
        lambda w: Req(f"/v1/municipalities/{w.town}/stats?from=2026-04&to=2026-05"),
        signed_in=403,
        operator=200,
        key_own=200,
        key_other=403,
    ),
    # --- communities and coordinators ----------------------------------------------------
    row(
        "GET",
        "/v1/communities",
        lambda w: Req("/v1/communities?lat=35.8587&lng=139.6571"),
        signed_in=200,
        no_profile=200,
    ),
    row(
        "POST",
        "/v1/communities",
        lambda w: Req("/v1/communities", json=NEW_COMMUNITY),
        signed_in=403,
        operator=201,
    ),
    row(
        "GET",
        "/v1/communities/{community_id}",
        lambda w: Req(f"/v1/communities/{w.community}"),
        signed_in=200,
        no_profile=200,
    ),
    # Its settings: its coordinators and operators; not a coordinator of another one.
    row(
        "PATCH",
        "/v1/communities/{community_id}",
        lambda w: Req(
            f"/v1/communities/{w.community}",
            json={"require_background_check_for_babysitting": True},
        ),
        signed_in=403,
        coordinator_here=200,
        operator=200,
    ),
    # Joining again is 200 (already a member).
    row(
        "POST",
        "/v1/communities/{community_id}/members",
        lambda w: Req(f"/v1/communities/{w.community}/members"),
        signed_in=201,
        coordinator_here=200,
        **dict.fromkeys(IN_COMMUNITY, 200),
    ),
    row(
        "DELETE",
        "/v1/communities/{community_id}/members/me",
        lambda w: Req(f"/v1/communities/{w.community}/members/me"),
        signed_in=404,
        coordinator_here=204,
        **dict.fromkeys(IN_COMMUNITY, 204),
    ),
    row(
        "POST",
        "/v1/communities/{community_id}/coordinators",
        lambda w: Req(
            f"/v1/communities/{w.community}/coordinators",
            json={"user_id": w.ids["other_household"]},
        ),
        signed_in=403,
        operator=201,
    ),
    row(
        "DELETE",
        "/v1/communities/{community_id}/coordinators/{user_id}",
        lambda w: Req(f"/v1/communities/{w.community}/coordinators/{w.ids['coordinator_here']}"),
        signed_in=403,
        operator=204,
    ),
    # --- reliability: the community's coordinators only (not even operators) ---------------
    row(
        "GET",
        "/v1/communities/{community_id}/reliability",
        lambda w: Req(f"/v1/communities/{w.community}/reliability"),
        signed_in=403,
        coordinator_here=200,
    ),
    # Newcomers to welcome (docs/welcome.md): the community's coordinators only.
    row(
        "GET",
        "/v1/communities/{community_id}/newcomers",
        lambda w: Req(f"/v1/communities/{w.community}/newcomers"),
        signed_in=403,
        coordinator_here=200,
    ),
    # The month's activity reports as CSV: this community's coordinators only.
    row(
        "GET",
        "/v1/communities/{community_id}/activity-reports.csv",
        lambda w: Req(f"/v1/communities/{w.community}/activity-reports.csv?month={w.report_month}"),
        signed_in=403,
        coordinator_here=200,
    ),
    # --- certifications (the candidate's) --------------------------------------------------
    row(
        "GET",
        "/v1/communities/{community_id}/certifications",
        lambda w: Req(f"/v1/communities/{w.community}/certifications"),
        signed_in=403,
        coordinator_here=200,
        operator=200,
    ),
    row(
        "POST",
        "/v1/communities/{community_id}/certifications",
        _certify,
        signed_in=403,
        coordinator_here=201,
    ),
    row(
        "GET",
        "/v1/certifications/{certification_id}",
        lambda w: Req(f"/v1/certifications/{w.certification}"),
        signed_in=404,
        no_profile=404,
        candidate=200,  # their own
        coordinator_here=200,
        operator=200,
    ),
    # Operators read certifications but do not grant them (a coordinator's decision); the
    # certified candidate knows theirs exists, so is refused with 403.
    row(
        "POST",
        "/v1/certifications/{certification_id}/renew",
        lambda w: Req(f"/v1/certifications/{w.certification}/renew", json={}),
        signed_in=404,
        no_profile=404,
        candidate=403,
        coordinator_here=200,
        operator=403,
    ),
    row(
        "POST",
        "/v1/certifications/{certification_id}/revoke",
        lambda w: Req(
            f"/v1/certifications/{w.certification}/revoke", json={"reason": "研修の再受講が必要"}
        ),
        signed_in=404,
        no_profile=404,
        candidate=403,
        coordinator_here=200,
        operator=403,
    ),
    # Background checks: a coordinator of its community only; a coordinator of another one
    # may not even see the certification (404), the candidate and operators only read it.
    row(
        "PUT",
        "/v1/certifications/{certification_id}/background-check",
        lambda w: Req(
            f"/v1/certifications/{w.certification}/background-check",
            json={"scheme": "equivalent", "confirmed_on": today_tokyo().isoformat()},
        ),
        signed_in=404,
        no_profile=404,
        candidate=403,
        coordinator_here=200,
        operator=403,
    ),
    row(
        "DELETE",
        "/v1/certifications/{certification_id}/background-check",
        lambda w: Req(f"/v1/certifications/{w.certification}/background-check"),
        signed_in=404,
        no_profile=404,
        candidate=403,
        coordinator_here=204,
        operator=403,
    ),
    row("GET", "/v1/me/certifications", lambda w: Req("/v1/me/certifications"), signed_in=200),
    # --- events ------------------------------------------------------------------------------
    row(
        "GET",
        "/v1/communities/{community_id}/events",
        lambda w: Req(f"/v1/communities/{w.community}/events"),
        signed_in=403,
        coordinator_here=200,
        operator=200,
        **dict.fromkeys(IN_COMMUNITY, 200),
    ),
    row(
        "POST",
        "/v1/communities/{community_id}/events",
        _new_event,
        signed_in=403,
        coordinator_here=201,
    ),
    row("GET", "/v1/me/events", lambda w: Req("/v1/me/events"), signed_in=200),
    row(
        "GET",
        "/v1/events/{event_id}",
        lambda w: Req(f"/v1/events/{w.event}"),
        signed_in=404,
        no_profile=404,
        coordinator_here=200,
        operator=200,
        **dict.fromkeys(IN_COMMUNITY, 200),
    ),
    row(
        "GET",
        "/v1/events/{event_id}/attendances",
        lambda w: Req(f"/v1/events/{w.event}/attendances"),
        signed_in=404,
        no_profile=404,
        coordinator_here=200,
        operator=200,
        **dict.fromkeys(IN_COMMUNITY, 403),
    ),
    row(
        "POST",
        "/v1/events/{event_id}/attendances",
        lambda w: Req(
            f"/v1/events/{w.event}/attendances", json={"user_id": w.ids["other_household"]}
        ),
        signed_in=404,
        no_profile=404,
        coordinator_here=201,
        operator=403,
        **dict.fromkeys(IN_COMMUNITY, 403),
    ),
    row("GET", "/v1/audit-log", lambda w: Req("/v1/audit-log"), signed_in=403, operator=200),
    # --- connections and blocks --------------------------------------------------------------
    row(
        "POST",
        "/v1/me/connection-codes",
        lambda w: Req("/v1/me/connection-codes", json={}),
        signed_in=201,
    ),
    # A code that records meeting at the event: for its community's members (and who
    # attended); for anybody else the event does not exist.
    row(
        "POST",
        "/v1/me/connection-codes",
        lambda w: Req("/v1/me/connection-codes", json={"event_id": w.event}),
        variant="at the event",
        signed_in=404,
        coordinator_here=201,
        **dict.fromkeys(IN_COMMUNITY, 201),
    ),
    # The stranger's code: anybody may redeem it.
    row(
        "POST",
        "/v1/connections",
        lambda w: Req("/v1/connections", json={"code": w.connection_code}),
        signed_in=201,
    ),
    row("GET", "/v1/me/connections", lambda w: Req("/v1/me/connections"), signed_in=200),
    # The requester's connection with the friend: nobody else is connected to them.
    row(
        "DELETE",
        "/v1/connections/{user_id}",
        lambda w: Req(f"/v1/connections/{w.friend}"),
        signed_in=404,
        requester=204,
    ),
    row("GET", "/v1/me/blocks", lambda w: Req("/v1/me/blocks"), signed_in=200),
    row(
        "POST",
        "/v1/me/blocks",
        lambda w: Req("/v1/me/blocks", json={"user_id": w.stranger}),
        signed_in=201,
    ),
    # The requester's block: nobody else has blocked that user.
    row(
        "DELETE",
        "/v1/me/blocks/{user_id}",
        lambda w: Req(f"/v1/me/blocks/{w.blocked}"),
        signed_in=404,
        requester=204,
    ),
]
CELLS = cells(ROWS)


@pytest.mark.parametrize("cell", CELLS, ids=[c.id for c in CELLS])
def test_cell(cell, run_cell):
    run_cell(cell)
