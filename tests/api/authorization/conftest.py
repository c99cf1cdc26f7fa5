"""The world every cell of the authorization matrix runs in, and running a cell.

The world is built once for the package, inside an outer transaction of its own
connection (never committed). Every cell then runs inside a savepoint of that connection
that is rolled back after it: each cell sees the world exactly as built, whatever the
cells before it changed (a successful cancel, delete or accept), at a fraction of the
cost of building ~40 rows and a Stripe payment per cell.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import delete, text
from sqlalchemy.engine import Connection, Engine

from otagai.domain.clock import TOKYO
from otagai.domain.partners.keys import create_key
from otagai.domain.trust.models import RateLimitHit
from otagai.extensions.db import session as app_session
from otagai.extensions.geo import LatLng
from tests import factories
from tests.api.authorization.matrix import Cell
from tests.conftest import bound_to
from tests.factories import (
    AuthorisedAdultFactory,
    BlockFactory,
    CertificationFactory,
    ChildFactory,
    CommunityFactory,
    CommunityMemberFactory,
    ConnectionFactory,
    EventFactory,
    InsurancePolicyFactory,
    MunicipalityFactory,
    ShareRequestFactory,
    UserFactory,
    add_match,
    add_offer,
    add_thank_you,
)
from tests.helpers import ApiClient
from tests.stripe_local import LocalStripe

OTHER_TOWN = "131121"  # Setagaya: the municipality of ``key_other``
SETAGAYA_BOX = (
    "SRID=4326;MULTIPOLYGON(((139.6 35.6,139.7 35.6,139.7 35.66,139.6 35.66,139.6 35.6)))"
)
# Community B: north of Urawa, in the same municipality.
B_BOX = "SRID=4326;POLYGON((139.65 35.85,139.66 35.85,139.66 35.86,139.65 35.86,139.65 35.85))"
# Far from every request: the requester's connection who is nobody's candidate.
FAR = LatLng(35.9500, 139.5600)
DEVICE_TOKEN = "fcm-token-of-the-requester:APA91b"
# Where the requests are, with digits no other point of the world has: who may not see a
# request's exact points must find them in no answer.
OPEN_POINT = LatLng(35.85913, 139.65771)
MATCHED_POINT = LatLng(35.85927, 139.65787)
CANCELLED_POINT = LatLng(35.85939, 139.65793)

# Not part of "nothing changed": Alembic's and PostGIS' own tables, and the failed-attempt
# counters, which a refusal writes on purpose on a connection of its own (committed).
# The audit log is included: no refusal writes it.
DIGEST_EXCLUDED = {"alembic_version", "spatial_ref_sys", "rate_limit_hits"}
# Columns a refused call may touch legitimately (none so far).
DIGEST_EXCLUDED_COLUMNS: dict[str, set[str]] = {}


@dataclass
class World:
    """Ids of everything the matrix calls (strings, ready for paths and bodies)."""

    uids: dict[str, str]  # role -> firebase uid
    ids: dict[str, str]  # role -> user id
    keys: dict[str, str]  # key_own / key_other -> plaintext API key
    town: str
    other_town: str
    community: str
    other_community: str
    child: str
    adult: str  # an authorised adult of the child
    open_request: str
    matched_request: str
    cancelled_request: str  # its match (of the past supporter) was cancelled
    pending_offer: str
    declined_offer: str
    match: str  # confirmed, started an hour ago, no thank-you yet
    no_show_match: str  # five days ago; the requester recorded the supporter absent
    cash_thank_you: str  # recorded, on a completed match
    card_thank_you: str  # pending_payment, on another completed match
    certification: str  # the candidate's, in the community
    event: str  # of the community, started an hour ago
    policy: str
    report_month: str  # YYYY-MM (Tokyo) of the match's start: its report is in that CSV
    claim: str  # the insurance claim the match's report (with an incident) opened
    friend: str  # the requester's connection (far away: nobody's candidate)
    blocked: str  # blocked by the requester (the ``blocked`` role)
    stranger: str  # anybody may block them or redeem their code
    invite_code: str  # the requester's household invite
    connection_code: str  # the stranger's
    series: str  # the requester's weekly pickup (three dates, each an open request)
    series_offer: str  # the offerer's pending offer on the whole series
    series_date: str  # its first date
    secrets: dict[str, tuple[str, frozenset[str]]]  # name -> (value, roles who may see it)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def _build(app: Any, settings: Any, stripe: LocalStripe) -> World:
    town = MunicipalityFactory()
    MunicipalityFactory(
        code=OTHER_TOWN, name_ja="世田谷区", name_en="Setagaya", boundary=SETAGAYA_BOX
    )
    a = CommunityFactory(municipality=town)
    b = CommunityFactory(municipality=town, area=B_BOX)

    requester = UserFactory()
    same_household = UserFactory(household=requester.household)
    supporter = UserFactory()
    people = {
        "member": UserFactory(),
        "requester": requester,
        "same_household": same_household,
        "other_household": UserFactory(),
        "candidate": UserFactory(),
        "offerer": UserFactory(),
        "blocked": UserFactory(),
        "declined_offerer": UserFactory(),
        "supporter": supporter,
        "supporter_household": UserFactory(household=supporter.household),
        "past_supporter": UserFactory(),
        "coordinator_here": UserFactory(),
        "coordinator_elsewhere": UserFactory(),
        "operator": UserFactory(),
    }
    for role in ("requester", "other_household", "declined_offerer", "supporter"):
        CommunityMemberFactory(community=a, user=people[role])
    CommunityMemberFactory(community=a, user=people["coordinator_here"], role="coordinator")
    CommunityMemberFactory(community=b, user=people["coordinator_elsewhere"], role="coordinator")
    # With a confirmed background check, whose details only the community's coordinators
    # and the candidate may see (others: background_check_confirmed alone).
    certification = CertificationFactory(
        community=a,
        user=people["candidate"],
        granted_by=people["coordinator_here"],
        background_check_scheme="equivalent",
        background_check_confirmed_on=dt.date(2026, 11, 17),
        background_check_confirmed_by_id=people["coordinator_here"].id,
        background_check_recorded_at=_now() - dt.timedelta(days=1),
    )
    CertificationFactory(community=a, user=people["offerer"], granted_by=people["coordinator_here"])

    child = ChildFactory(household=requester.household, notes="卵アレルギー")
    adult = AuthorisedAdultFactory(child=child, name="お迎え担当の祖母", relation="母方の祖母")
    ChildFactory(household=people["other_household"].household)

    friend, stranger = UserFactory(home=FAR.to_element()), UserFactory()
    blocked = people["blocked"]
    ConnectionFactory(a=requester, b=friend)
    CertificationFactory(community=a, user=blocked, granted_by=people["coordinator_here"])
    BlockFactory(blocker=requester, blocked=blocked)

    def at(point: LatLng) -> dict[str, Any]:
        dropoff = LatLng(point.lat + 0.00111, point.lng - 0.00111)
        return {"location": point.to_element(), "dropoff": dropoff.to_element()}

    open_request = ShareRequestFactory(
        requester=requester, community=a, children=[child], **at(OPEN_POINT)
    )
    pending = add_offer(open_request, people["offerer"])

    def past(days: float) -> dict[str, dt.datetime]:
        start = _now() - dt.timedelta(days=days)
        return {"starts_at": start, "ends_at": start + dt.timedelta(minutes=90)}

    matched_request = ShareRequestFactory(
        requester=requester, community=a, children=[child], **past(1 / 24), **at(MATCHED_POINT)
    )
    declined = add_offer(matched_request, people["declined_offerer"], status="declined")
    match = add_match(matched_request, people["supporter"])
    thanked = ShareRequestFactory(requester=requester, community=a, children=[child], **past(2))
    cash = add_thank_you(add_match(thanked, people["supporter"], status="completed"))
    paid_by_card = ShareRequestFactory(
        requester=requester, community=a, children=[child], **past(3)
    )
    card_match = add_match(paid_by_card, people["supporter"], status="completed")
    cancelled_request = ShareRequestFactory(
        requester=requester, community=a, children=[child], **past(4), **at(CANCELLED_POINT)
    )
    cancelled_match = add_match(cancelled_request, people["past_supporter"], status="cancelled")
    cancelled_request.status = "cancelled"
    no_show_request = ShareRequestFactory(
        requester=requester, community=a, children=[child], **past(5)
    )
    no_show_match = add_match(no_show_request, people["supporter"])

    event = EventFactory(
        community=a, created_by=people["coordinator_here"], starts_at=_now() - dt.timedelta(hours=1)
    )
    policy = InsurancePolicyFactory()
    factories.TestSession.commit()

    with app.app_context():
        keys = {
            "key_own": create_key(town.code, "統計システム")[1],
            "key_other": create_key(OTHER_TOWN, "世田谷区の統計")[1],
        }
        app_session.commit()

    client = app.test_client()

    def as_(user: Any) -> ApiClient:
        return ApiClient(client, user.firebase_uid, settings.firebase_project_id)

    def ok(response: Any, status: int = 201) -> dict[str, Any]:
        assert response.status_code == status, response.get_data(as_text=True)
        body: dict[str, Any] = response.get_json()
        return body

    ok(as_(requester).post("/v1/me/devices", json={"token": DEVICE_TOKEN, "platform": "ios"}))
    invite_code = ok(as_(requester).post("/v1/me/household/invites"))["code"]
    connection_code = ok(as_(stranger).post("/v1/me/connection-codes", json={}))["code"]
    # A card thank-you awaiting payment: the supporter onboarded with Stripe first.
    ok(as_(people["supporter"]).post("/v1/me/payout-account"), 200)
    account = stripe.complete_onboarding(list(stripe.accounts)[-1])
    payload = json.dumps(stripe.event("account.updated", account))
    ok(
        client.post(
            "/v1/webhooks/stripe",
            data=payload,
            content_type="application/json",
            headers={"Stripe-Signature": LocalStripe.sign(payload)},
        ),
        200,
    )
    ok(
        as_(requester).post(
            f"/v1/matches/{no_show_match.id}/no-show", json={"reason": "来られませんでした"}
        )
    )
    card = ok(
        as_(requester).post(
            f"/v1/matches/{card_match.id}/thank-yous", json={"amount_jpy": 1400, "method": "card"}
        )
    )
    # The confirmed match's activity report, a draft telling of an incident: its claim.
    ok(
        as_(supporter).post(
            f"/v1/matches/{match.id}/report",
            json={
                "started_at": match.starts_at.isoformat(),
                "ended_at": (_now() - dt.timedelta(minutes=1)).isoformat(),
                "activities": "保育園へお迎えに行きました。",
                "incident": True,
                "incident_text": "転んで膝をすりむきました。",
            },
        )
    )
    operator_client = ApiClient(
        client, people["operator"].firebase_uid, settings.firebase_project_id, operator=True
    )
    (claim,) = ok(operator_client.get("/v1/insurance-claims"), 200)["items"]
    series_start = _now().replace(second=0) + dt.timedelta(days=3)
    series = ok(
        as_(requester).post(
            "/v1/share-series",
            json={
                "kind": "pickup",
                "community_id": str(a.id),
                "title": "毎週のお迎え",
                "starts_at": series_start.isoformat(),
                "ends_at": (series_start + dt.timedelta(hours=1)).isoformat(),
                "location": {"lat": OPEN_POINT.lat, "lng": OPEN_POINT.lng},
                "dropoff": {"lat": OPEN_POINT.lat + 0.00111, "lng": OPEN_POINT.lng - 0.00111},
                "child_ids": [str(child.id)],
                "rrule": "FREQ=WEEKLY;COUNT=3",
                "include_holidays": True,
            },
            headers={"Idempotency-Key": "matrix-series"},
        )
    )
    series_offer = ok(
        as_(people["offerer"]).post(
            f"/v1/share-series/{series['id']}/offers",
            json={},
            headers={"Idempotency-Key": "matrix-series-offer"},
        )
    )

    household = frozenset({"requester", "same_household"})
    parties = household | {"supporter"}
    secrets = {
        "child id": (str(child.id), parties | {"operator"}),
        "child notes": (child.notes, parties),
        "incident text": ("転んで膝をすりむきました。", parties | {"operator"}),
        "open request": (str(open_request.id), household | {"candidate", "offerer"}),
        "matched request": (str(matched_request.id), parties),
        "pending offer": (str(pending.id), household | {"offerer"}),
        "declined offer": (str(declined.id), household | {"declined_offerer"}),
        # Coordinators export their community's reports with their match ids; operators
        # handle the claim an incident opened, which names its match and covered children.
        "match": (str(match.id), parties | {"coordinator_here", "operator"}),
        "thanked request": (str(thanked.id), parties),
        "cash thank-you": (str(cash.id), parties),
        "card-paid request": (str(paid_by_card.id), parties),
        "card match": (str(card_match.id), parties),
        "card thank-you": (card["id"], parties),
        "cancelled request": (str(cancelled_request.id), household | {"past_supporter"}),
        "cancelled match": (str(cancelled_match.id), household | {"past_supporter"}),
        "open request's point": (str(OPEN_POINT.lat), household),
        "open request's drop-off": (str(round(OPEN_POINT.lng - 0.00111, 5)), household),
        "matched request's point": (str(MATCHED_POINT.lng), parties),
        "cancelled request's point": (str(CANCELLED_POINT.lat), household),
        "device token": (DEVICE_TOKEN, frozenset({"requester"})),
        "background check's day": ("2026-11-17", frozenset({"candidate", "coordinator_here"})),
        # Household-private: not even the supporter who collects the child.
        "authorised adult": (str(adult.id), household),
        "authorised adult's name": (adult.name, household),
        "authorised adult's relation": (adult.relation, household),
        "household invite": (invite_code, household),
        "series": (series["id"], household | {"offerer"}),
    }
    return World(
        uids={"no_profile": "matrix-no-profile-yet"}
        | {role: user.firebase_uid for role, user in people.items()},
        ids={role: str(user.id) for role, user in people.items()},
        keys=keys,
        town=town.code,
        other_town=OTHER_TOWN,
        community=str(a.id),
        other_community=str(b.id),
        child=str(child.id),
        adult=str(adult.id),
        open_request=str(open_request.id),
        matched_request=str(matched_request.id),
        cancelled_request=str(cancelled_request.id),
        pending_offer=str(pending.id),
        declined_offer=str(declined.id),
        match=str(match.id),
        no_show_match=str(no_show_match.id),
        cash_thank_you=str(cash.id),
        card_thank_you=card["id"],
        certification=str(certification.id),
        event=str(event.id),
        policy=str(policy.id),
        report_month=f"{match.starts_at.astimezone(TOKYO):%Y-%m}",
        claim=claim["id"],
        friend=str(friend.id),
        blocked=str(blocked.id),
        stranger=str(stranger.id),
        invite_code=invite_code,
        connection_code=connection_code,
        series=series["id"],
        series_offer=series_offer["id"],
        series_date=series["occurrences"][0]["date"],
        secrets=secrets,
    )


@pytest.fixture(scope="package")
def world_connection(
    app: Any, engine: Engine, settings: Any, stripe_server: LocalStripe
) -> Iterator[tuple[Connection, World]]:
    conn = engine.connect()
    outer = conn.begin()
    factories.TestSession.configure(bind=conn, join_transaction_mode="create_savepoint")
    try:
        with bound_to(app, conn):
            world = _build(app, settings, stripe_server)
            factories.TestSession.remove()
            yield conn, world
    finally:
        factories.TestSession.registry.clear()
        outer.rollback()
        conn.close()
        # Failed code redemptions are counted on a connection of their own (committed).
        with engine.begin() as cleanup:
            cleanup.execute(
                delete(RateLimitHit).where(RateLimitHit.bucket.like("connection-redeem:%"))
            )


@pytest.fixture
def world(world_connection: tuple[Connection, World]) -> World:
    return world_connection[1]


@pytest.fixture
def connection(world_connection: tuple[Connection, World]) -> Iterator[Connection]:
    """Overrides the suite's: the cell runs in a savepoint of the world's transaction,
    rolled back after it."""
    conn = world_connection[0]
    savepoint = conn.begin_nested()
    try:
        yield conn
    finally:
        factories.TestSession.registry.clear()
        if savepoint.is_active:
            savepoint.rollback()


def _tables(conn: Connection) -> list[tuple[str, list[str]]]:
    rows = conn.execute(
        text(
            "SELECT c.table_name, array_agg(c.column_name::text ORDER BY c.ordinal_position) "
            "FROM information_schema.columns c JOIN information_schema.tables t "
            "USING (table_schema, table_name) "
            "WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE' "
            "GROUP BY c.table_name ORDER BY c.table_name"
        )
    ).all()
    return [
        (name, [c for c in columns if c not in DIGEST_EXCLUDED_COLUMNS.get(name, set())])
        for name, columns in rows
        if name not in DIGEST_EXCLUDED
    ]


@pytest.fixture(scope="package")
def digest_sql(world_connection: tuple[Connection, World]) -> str:
    """One query: per app table, its row count and a hash of all its rows."""
    parts = []
    for name, columns in _tables(world_connection[0]):
        row = "ROW(" + ", ".join(f't."{c}"' for c in columns) + ")::text"
        parts.append(
            f"SELECT '{name}' AS t, count(*) AS n, "
            f"md5(coalesce(string_agg(md5({row}), '' ORDER BY md5({row})), '')) AS h "
            f'FROM "{name}" t'
        )
    return " UNION ALL ".join(parts)


def digest(conn: Connection, sql: str) -> dict[str, tuple[int, str]]:
    return {t: (n, h) for t, n, h in conn.execute(text(sql))}


@pytest.fixture(scope="package")
def world_digest(world_connection: tuple[Connection, World], digest_sql: str) -> Any:
    """The digest of the world as built: what every cell starts from (the savepoint of
    the cell before was rolled back), so it is taken once."""
    return digest(world_connection[0], digest_sql)


def _assert_no_leak(cell: Cell, request: Any, response: Any, world: World) -> None:
    """A successful answer carries nothing of the requester's that this role may not see
    (ids of requests, offers, matches, thank-yous; the child; the device; the invite),
    unless the caller sent it in the call itself."""
    body = response.get_data(as_text=True)
    sent = f"{request.path} {request.json} {request.data}"
    leaked = [
        name
        for name, (value, allowed) in world.secrets.items()
        if cell.role not in allowed and value not in sent and value in body
    ]
    assert not leaked, f"{cell.id} answered {leaked}: {body[:500]}"


@pytest.fixture
def run_cell(
    world: World,
    client: Any,
    connection: Connection,
    settings: Any,
    digest_sql: str,
    world_digest: dict[str, tuple[int, str]],
) -> Any:
    """``run_cell(cell)``: call the cell's operation as its role; the status must be the
    table's, a refusal must be problem+json and must leave every app table as it was
    (as the world was built)."""

    def run(cell: Cell) -> Any:
        request = cell.row.build(world)
        headers = dict(request.headers)
        if cell.row.method == "post":
            # Creating POSTs claim the key before they run: a refusal must not keep it.
            headers.setdefault("Idempotency-Key", f"matrix-{uuid.uuid4()}")
        if cell.role in ("key_own", "key_other"):
            headers["X-API-Key"] = world.keys[cell.role]
        elif cell.role != "anonymous":
            token = ApiClient(
                client,
                world.uids[cell.role],
                settings.firebase_project_id,
                **({"operator": True} if cell.role == "operator" else {}),
            ).token
            headers["Authorization"] = f"Bearer {token}"
        kwargs: dict[str, Any] = {"headers": headers}
        if request.data is not None:
            kwargs.update(data=request.data, content_type="application/json")
        elif request.json is not None:
            kwargs["json"] = request.json
        refused = cell.expected >= 400
        response = getattr(client, cell.row.method)(request.path, **kwargs)
        assert response.status_code == cell.expected, (
            f"{cell.id}: {response.status_code} {response.get_data(as_text=True)[:500]}"
        )
        if refused:
            assert response.mimetype == "application/problem+json"
            after = digest(connection, digest_sql)
            changed = sorted(t for t in after if after[t] != world_digest.get(t))
            assert not changed, f"{cell.id} was refused but changed {changed}"
        else:
            _assert_no_leak(cell, request, response, world)
        return response

    return run
