"""Late escalation (issue 14; docs/late-escalation.md): the worker's job, run again and
again under a test-controlled clock, takes each step once, in order (the requester's
household, the supporter, the coordinators), and stops when the check-in comes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from otagai.config import ConfigError, Settings
from otagai.domain.matches.escalation import STEPS
from otagai.domain.notifications.models import Notification
from otagai.worker import run_once
from tests.api.safety.pickup import pickup_world
from tests.factories import CommunityMemberFactory, UserFactory, match_world

pytestmark = pytest.mark.usefixtures("app_context")


@pytest.fixture
def world(db):
    world = pickup_world()
    world.coordinator = UserFactory()
    CommunityMemberFactory(community=world.community, user=world.coordinator, role="coordinator")
    return world


def _run(clock, at):
    """Set the clock to ``at`` and run the worker three times there (ticks repeat)."""
    clock.set(at)
    for _ in range(3):
        run_once(at)


def _steps(client_as, world):
    items = client_as(world.parent).get(f"/v1/matches/{world.match.id}/timeline").get_json()
    return [
        (item["data"]["missing"], item["data"]["step"], item["at"])
        for item in items["items"]
        if item["type"] == "late_escalation"
    ]


def _checkin(client_as, world, type, **body):
    response = client_as(world.supporter).post(
        f"/v1/matches/{world.match.id}/checkins", json={"type": type, **body}
    )
    assert response.status_code == 201, response.get_json()


def _alerts(db):
    return list(
        db.scalars(
            select(Notification)
            .where(Notification.type == "late_alert")
            .order_by(Notification.next_attempt_at, Notification.id)
        )
    )


def _walk(clock, start, until, every=timedelta(minutes=5)):
    at = start
    while at <= until:
        _run(clock, at)
        at += every


def test_late_pickup_escalates_through_all_three_steps_once_each_in_order(
    client_as, world, db, clock
):
    start = world.start
    _run(clock, start + timedelta(minutes=14, seconds=59))
    assert _steps(client_as, world) == []
    _run(clock, start + timedelta(minutes=15))
    assert [s[1] for s in _steps(client_as, world)] == ["requester"]
    _run(clock, start + timedelta(minutes=24))
    assert [s[1] for s in _steps(client_as, world)] == ["requester"]
    _run(clock, start + timedelta(minutes=25))
    _run(clock, start + timedelta(minutes=35))
    # Far beyond the end: nothing more (the end's chain waits for the pickup's check-in).
    _walk(
        clock, start + timedelta(minutes=40), world.end + timedelta(hours=2), timedelta(minutes=7)
    )
    steps = _steps(client_as, world)
    assert [(missing, step) for missing, step, _ in steps] == [
        ("picked_up", "requester"),
        ("picked_up", "supporter"),
        ("picked_up", "coordinators"),
    ]
    assert [at for *_, at in steps] == [
        (start + timedelta(minutes=m)).isoformat() for m in (15, 25, 35)
    ]


def test_late_pickup_tells_each_step_its_people_urgently_through_quiet_hours(
    client_as, world, db, clock
):
    for minutes in (15, 25, 35):
        _run(clock, world.start + timedelta(minutes=minutes))
    alerts = _alerts(db)
    told = {step: {a.user_id for a in alerts if a.data["step"] == step} for step in STEPS}
    assert told == {
        "requester": {world.parent.id, world.partner.id},
        "supporter": {world.supporter.id},
        "coordinators": {world.coordinator.id},
    }
    assert len(alerts) == 4
    # 22:00 in Tokyo is inside the default quiet hours: nothing is held.
    assert all(a.urgent for a in alerts)
    held = {a.data["step"]: a.next_attempt_at for a in alerts}
    assert held == {
        step: world.start + timedelta(minutes=m)
        for step, m in zip(STEPS, (15, 25, 35), strict=True)
    }
    assert {a.data["missing"] for a in alerts} == {"picked_up"}


def test_on_time_pickup_never_escalates(client_as, world, db, clock):
    clock.set(world.start + timedelta(minutes=5))
    _checkin(client_as, world, "picked_up")
    _checkin(client_as, world, "arrived")
    code = client_as(world.parent).get(f"/v1/matches/{world.match.id}/handover-code").get_json()
    _checkin(client_as, world, "handed_over", code=code["code"])
    _walk(clock, world.start, world.end + timedelta(hours=3))
    assert _steps(client_as, world) == []
    assert _alerts(db) == []


def test_cancelled_match_never_escalates(client_as, world, db, clock):
    clock.set(world.start - timedelta(hours=1))
    response = client_as(world.parent).post(
        f"/v1/matches/{world.match.id}/cancel", json={"reason": "熱が出たため"}
    )
    assert response.status_code == 200
    _walk(clock, world.start, world.end + timedelta(hours=3))
    assert _steps(client_as, world) == []
    assert _alerts(db) == []


def test_checkin_stops_further_steps(client_as, world, db, clock):
    _run(clock, world.start + timedelta(minutes=15))
    clock.set(world.start + timedelta(minutes=18))
    _checkin(client_as, world, "picked_up")
    _walk(clock, world.start + timedelta(minutes=20), world.end + timedelta(minutes=29))
    assert [(m, s) for m, s, _ in _steps(client_as, world)] == [("picked_up", "requester")]


def test_missing_handover_escalates_from_30_minutes_after_the_end(client_as, world, db, clock):
    clock.set(world.start + timedelta(minutes=5))
    _checkin(client_as, world, "picked_up")
    _walk(clock, world.start, world.end + timedelta(minutes=29))
    assert _steps(client_as, world) == []
    _run(clock, world.end + timedelta(minutes=30))
    assert [(m, s) for m, s, _ in _steps(client_as, world)] == [("handed_over", "requester")]


def test_babysitting_not_ended_escalates_after_the_end(client_as, db, clock):
    world = match_world(kind="babysitting", dropoff=None)
    _walk(clock, world.match.starts_at, world.match.ends_at + timedelta(minutes=25))
    assert _steps(client_as, world) == []  # nothing watched at babysitting's start
    _run(clock, world.match.ends_at + timedelta(minutes=30))
    assert [(m, s) for m, s, _ in _steps(client_as, world)] == [("ended", "requester")]


def test_completed_match_never_escalates(client_as, world, db, clock):
    clock.set(world.start + timedelta(minutes=1))
    response = client_as(world.parent).post(f"/v1/matches/{world.match.id}/complete")
    assert response.status_code == 200, response.get_json()
    _walk(clock, world.start, world.end + timedelta(hours=1))
    assert _steps(client_as, world) == []


# --- LATE_ESCALATION ---------------------------------------------------------------------


def test_late_escalation_setting_overrides_a_kind_and_keeps_the_rest(settings):
    configured = Settings.from_env(
        {"OTAGAI_ENV": "development", "LATE_ESCALATION": '{"pickup": {"step_minutes": 5}}'},
        database_url=settings.database_url,
    )
    assert configured.late_escalation["pickup"] == {
        "start_grace_minutes": 15,
        "end_grace_minutes": 30,
        "step_minutes": 5,
    }
    assert configured.late_escalation["babysitting"]["end_grace_minutes"] == 30


@pytest.mark.parametrize(
    "value",
    [
        "not json",
        '{"lending": {"step_minutes": 5}}',
        '{"pickup": {"step_minutes": 0}}',
        '{"pickup": {"step_minutes": null}}',
        '{"pickup": {"grace": 5}}',
        '{"pickup": 5}',
    ],
)
def test_late_escalation_setting_that_makes_no_sense_is_refused(value):
    with pytest.raises(ConfigError, match="LATE_ESCALATION"):
        Settings.from_env({"OTAGAI_ENV": "development", "LATE_ESCALATION": value})


def test_tick_takes_the_windows_it_is_given(world, db, clock, client_as):
    from otagai.domain.notifications.jobs import tick

    windows = {"pickup": {"start_grace_minutes": 5, "end_grace_minutes": None, "step_minutes": 2}}
    clock.set(world.start + timedelta(minutes=5))
    assert tick(clock.at, windows).late_escalations == 1
    assert tick(clock.at, windows).late_escalations == 0
    clock.advance(minutes=2)
    assert tick(clock.at, windows).late_escalations == 1
    assert [s for _, s, _ in _steps(client_as, world)] == ["requester", "supporter"]
