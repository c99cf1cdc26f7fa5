"""Concurrency of offers and matches, for real: a database of this module's own, real
commits, and requests fired together from threads (each with its own test client),
released at once by a barrier. Every race runs ten times (or twenty) on fresh data. Each
attempt asserts that the loser lost the way it should (a 409 with its code), not merely
that nothing broke; each test asserts that most attempts really raced (the calls were in
flight together, see ``Tally``) and, where either call may win, that both won.

What must hold whoever wins:
- two accepts on one request: exactly one match, the other caller gets 409;
- accept against the requester's cancel: never a confirmed match on a cancelled request;
- accept against withdraw of the same offer: one or the other, never both;
- one supporter accepted on two overlapping requests at once: one match, one 409;
- one supporter offering twice at once: one offer, one 409 (never a 500).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from otagai.domain.matches.models import Match
from otagai.domain.people.models import User
from otagai.domain.requests.models import Offer, ShareRequest
from tests.helpers import ApiClient
from tests.races.world import Tally, arrange, codes, committed_app

ATTEMPTS = range(10)
# Races with two possible winners: each wins about a third of the time or more, so in 20
# attempts both are seen but for a chance of about 0.1 %.
SWEEP = range(20)


@pytest.fixture(scope="module")
def app() -> Iterator[Any]:
    with committed_app("otagai_races") as app:
        yield app


def _poster(app: Any, user: User, path: str, body: dict[str, Any] | None) -> Any:
    project = app.config["OTAGAI"].firebase_project_id
    client = ApiClient(app.test_client(), user.firebase_uid or "", project)
    return lambda: client.post(path, json=body)


def _race(
    app: Any, tally: Tally, *calls: tuple[User, str, dict[str, Any] | None], stagger: float = 0.0
) -> list[Any]:
    """POST every ``(user, path, body)`` at the same moment (the last one ``stagger``
    seconds later); the answers, in order."""
    return tally.race(*(_poster(app, *call) for call in calls), stagger=stagger)


def _race_sweeping(
    app: Any,
    tally: Tally,
    attempt: int,
    first: tuple[User, str, dict[str, Any] | None],
    second: tuple[User, str, dict[str, Any] | None],
) -> list[Any]:
    """``_race`` of two calls where, over the attempts, one and then the other starts up
    to 4 ms late (the calls take tens of milliseconds, so they still overlap), sweeping
    the interleavings; answers in the order given."""
    stagger = (attempt // 2) % 5 * 0.001
    if attempt % 2 == 0:
        return _race(app, tally, first, second, stagger=stagger)
    return _race(app, tally, second, first, stagger=stagger)[::-1]


def _state(engine: Any, request_id: uuid.UUID) -> SimpleNamespace:
    with Session(engine) as s:
        offers = s.execute(select(Offer.id, Offer.status).where(Offer.request_id == request_id))
        matches = s.execute(
            select(Match.offer_id, Match.status).where(Match.request_id == request_id)
        )
        return SimpleNamespace(
            request=s.get_one(ShareRequest, request_id).status,
            offers={offer_id: status for offer_id, status in offers},
            matches=[(offer_id, status) for offer_id, status in matches],
        )


def test_two_accepts_on_one_request_make_exactly_one_match(app, engine, community_id):
    tally = Tally()
    for _ in ATTEMPTS:
        w = arrange(engine, community_id, supporters=2)
        parent, [request] = w.parents[0], w.requests
        first, second = w.offers.values()
        answers = _race(app, tally, (parent, f"/v1/offers/{first}/accept", None),
                        (parent, f"/v1/offers/{second}/accept", None))  # fmt: skip
        assert sorted(codes(answers)) == [(201, None), (409, "share_request_not_open")]
        winner = first if answers[0].status_code == 201 else second
        loser = second if winner == first else first
        state = _state(engine, request)
        assert state.request == "matched"
        assert state.matches == [(winner, "confirmed")]
        assert state.offers == {winner: "accepted", loser: "declined"}
    tally.check()


def test_accept_racing_cancel_leaves_no_confirmed_match_on_cancelled_request(
    app, engine, community_id
):
    tally = Tally()
    for attempt in SWEEP:
        w = arrange(engine, community_id, supporters=1)
        parent, [request], [offer] = w.parents[0], w.requests, w.offers.values()
        # The cancel locks the request sooner than the accept does; giving one or the other
        # a head start of a few milliseconds on some attempts sweeps the interleavings.
        accept, cancel = _race_sweeping(app, tally, attempt,
                                        (parent, f"/v1/offers/{offer}/accept", None),
                                        (parent, f"/v1/share-requests/{request}/cancel",
                                         {"reason": "予定が変わりました"}))  # fmt: skip
        # Cancelling a matched request is allowed (its match is cancelled with it), so the
        # cancel always succeeds; the accept succeeds only if it got the request first.
        assert cancel.status_code == 200, cancel.get_json()
        state = _state(engine, request)
        assert state.request == "cancelled"
        if accept.status_code == 201:
            tally.won("accept")
            assert state.matches == [(offer, "cancelled")]
            assert state.offers == {offer: "accepted"}
        else:
            tally.won("cancel")
            assert codes([accept]) == [(409, "share_request_not_open")]
            assert state.matches == []
            assert state.offers == {offer: "declined"}
    tally.check("accept", "cancel")


def test_accept_racing_withdraw_of_same_offer_one_wins(app, engine, community_id):
    tally = Tally()
    for attempt in SWEEP:
        w = arrange(engine, community_id, supporters=1)
        parent, supporter = w.parents[0], w.supporters[0]
        [request], [offer] = w.requests, w.offers.values()
        accept_path, withdraw_path = f"/v1/offers/{offer}/accept", f"/v1/offers/{offer}/withdraw"
        accept, withdraw = _race_sweeping(
            app, tally, attempt, (parent, accept_path, None), (supporter, withdraw_path, None)
        )
        state = _state(engine, request)
        if accept.status_code == 201:
            tally.won("accept")
            assert codes([withdraw]) == [(409, "offer_not_pending")]
            assert (state.request, state.offers) == ("matched", {offer: "accepted"})
            assert state.matches == [(offer, "confirmed")]
        else:
            tally.won("withdraw")
            assert codes([accept, withdraw]) == [(409, "offer_not_pending"), (200, None)]
            assert (state.request, state.offers) == ("open", {offer: "withdrawn"})
            assert state.matches == []
    tally.check("accept", "withdraw")


def test_one_supporter_accepted_on_two_overlapping_requests_gets_one_match(
    app, engine, community_id
):
    tally = Tally()
    for _ in ATTEMPTS:
        w = arrange(engine, community_id, parents=2, supporters=1)
        supporter = w.supporters[0]
        calls = [(p, f"/v1/offers/{w.offers[(r, supporter.id)]}/accept", None)
                 for p, r in zip(w.parents, w.requests, strict=True)]  # fmt: skip
        answers = _race(app, tally, *calls)
        assert sorted(codes(answers)) == [(201, None), (409, "supporter_unavailable")]
        states = [_state(engine, r) for r in w.requests]
        assert sorted(s.request for s in states) == ["matched", "open"]
        assert sum(len(s.matches) for s in states) == 1
    tally.check()


def test_one_supporter_offering_twice_at_once_makes_one_offer(app, engine, community_id):
    tally = Tally()
    for _ in ATTEMPTS:
        w = arrange(engine, community_id, supporters=1, offers=False)
        supporter, [request] = w.supporters[0], w.requests
        path = f"/v1/share-requests/{request}/offers"
        answers = _race(
            app, tally, (supporter, path, {"note": "a"}), (supporter, path, {"note": "b"})
        )
        assert sorted(codes(answers)) == [(201, None), (409, "already_offered")]
        assert list(_state(engine, request).offers.values()) == ["pending"]
    tally.check()
