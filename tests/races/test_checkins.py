"""Concurrency of check-ins, for real (a database of this module's own, real commits,
calls released together by a barrier): the match row is locked for the checks and the
write, so

- the same check-in sent twice at once is recorded once, the other caller gets 409
  ``checkin_already_recorded``;
- a check-in racing the requester's cancel is either recorded before the cancel or
  refused (409 ``match_not_confirmed``): never a check-in after the cancellation.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from otagai.domain.matches.models import Match, MatchEvent
from tests.helpers import ApiClient
from tests.races.world import Tally, arrange, codes, committed_app

ATTEMPTS = range(10)


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    with committed_app("otagai_races_checkins") as app:
        yield app


def _client(app: Any, user: Any) -> ApiClient:
    return ApiClient(app.test_client(), user.firebase_uid, app.config["OTAGAI"].firebase_project_id)


def _match(app: Any, engine: Any, community_id: uuid.UUID) -> tuple[Any, Any, Match]:
    w = arrange(engine, community_id, supporters=1)
    parent, supporter, [offer] = w.parents[0], w.supporters[0], w.offers.values()
    accepted = _client(app, parent).post(f"/v1/offers/{offer}/accept")
    assert accepted.status_code == 201, accepted.get_json()
    with Session(engine) as s:
        match = s.get_one(Match, uuid.UUID(accepted.get_json()["id"]))
        s.expunge(match)
    return parent, supporter, match


def _events(engine: Any, match: Match) -> list[tuple[str, Any]]:
    with Session(engine) as s:
        rows = s.execute(
            select(MatchEvent.type, MatchEvent.at)
            .where(MatchEvent.match_id == match.id)
            .order_by(MatchEvent.at)
        )
        return [(type, at) for type, at in rows]


def test_same_checkin_twice_at_once_is_recorded_once(app, engine, community_id, clock):
    tally = Tally()
    for _ in ATTEMPTS:
        clock.stop()
        _, supporter, match = _match(app, engine, community_id)
        clock.set(match.starts_at - timedelta(minutes=10))
        path = f"/v1/matches/{match.id}/checkins"
        calls = [_client(app, supporter) for _ in range(2)]
        answers = tally.race(*(partial(c.post, path, json={"type": "picked_up"}) for c in calls))
        assert sorted(codes(answers)) == [(201, None), (409, "checkin_already_recorded")]
        assert [t for t, _ in _events(engine, match)] == ["picked_up"]
    tally.check()


def test_checkin_racing_cancel_is_never_recorded_after_it(app, engine, community_id, clock):
    tally = Tally()
    for attempt in ATTEMPTS:
        clock.stop()
        parent, supporter, match = _match(app, engine, community_id)
        clock.set(match.starts_at - timedelta(minutes=10))
        checkin = _client(app, supporter)
        cancel = _client(app, parent)
        calls = [
            partial(checkin.post, f"/v1/matches/{match.id}/checkins", json={"type": "picked_up"}),
            partial(cancel.post, f"/v1/matches/{match.id}/cancel", json={"reason": "予定変更"}),
        ]
        answers = tally.race(*(calls if attempt % 2 else calls[::-1]))
        if attempt % 2 == 0:
            answers = answers[::-1]
        checked, cancelled = codes(answers)
        assert cancelled == (200, None)
        assert checked in ((201, None), (409, "match_not_confirmed"))
        events = [t for t, _ in _events(engine, match)]
        assert events == (["picked_up"] if checked[0] == 201 else [])
        tally.won("checkin" if checked[0] == 201 else "cancel")
    tally.check()
