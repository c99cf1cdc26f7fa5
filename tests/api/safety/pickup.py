"""A pickup with its times chosen for the safety tests: tomorrow evening, 22:00 to 23:30
in Tokyo (inside the default quiet hours, so an urgent push shows it goes through them),
with two children and a second parent in the requester's household."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from otagai.domain.clock import TOKYO
from tests.factories import (
    CertificationFactory,
    ChildFactory,
    CommunityMemberFactory,
    ShareRequestFactory,
    UserFactory,
    add_match,
    match_world,
)


def pickup_world(**kwargs: object) -> SimpleNamespace:
    tomorrow = dt.datetime.now(TOKYO).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(22, 0), tzinfo=TOKYO).astimezone(dt.UTC)
    kwargs.setdefault("starts_at", start)
    kwargs.setdefault("ends_at", start + dt.timedelta(minutes=90))
    kwargs.setdefault("birth_dates", (dt.date(2021, 4, 1), dt.date(2023, 9, 1)))
    world = match_world(started=False, **kwargs)
    world.partner = UserFactory(household=world.parent.household)
    world.start, world.end = world.match.starts_at, world.match.ends_at
    return world


def other_child(world: SimpleNamespace) -> object:
    """A child of the household who is not part of the request."""
    return ChildFactory(household=world.parent.household, nickname="ひみつ")


def another_pickup(world: SimpleNamespace) -> SimpleNamespace:
    """Another family's pickup at the same time in the same community, with its own
    supporter: match B beside ``world``'s match A."""
    parent = UserFactory()
    CommunityMemberFactory(community=world.community, user=parent)
    child = ChildFactory(household=parent.household)
    supporter = UserFactory()
    CertificationFactory(community=world.community, user=supporter)
    request = ShareRequestFactory(
        requester=parent,
        community=world.community,
        children=[child],
        starts_at=world.start,
        ends_at=world.end,
    )
    match = add_match(request, supporter)
    return SimpleNamespace(
        parent=parent,
        children=[child],
        supporter=supporter,
        request=request,
        match=match,
        start=world.start,
        end=world.end,
    )
