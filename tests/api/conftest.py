"""Fixtures shared by the community API tests."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.factories import (
    CommunityFactory,
    CommunityMemberFactory,
    MunicipalityFactory,
    UserFactory,
)


@pytest.fixture
def town(db) -> SimpleNamespace:
    """Two communities of one municipality: A with a coordinator and a member, B with a
    coordinator of its own (``other``); and an operator's profile coordinating nothing."""
    municipality = MunicipalityFactory()
    a, b = (CommunityFactory(municipality=municipality) for _ in range(2))
    coordinator, member, other = UserFactory(), UserFactory(), UserFactory()
    CommunityMemberFactory(community=a, user=coordinator, role="coordinator")
    CommunityMemberFactory(community=a, user=member)
    CommunityMemberFactory(community=b, user=other, role="coordinator")
    return SimpleNamespace(
        a=a, b=b, coordinator=coordinator, member=member, other=other, operator=UserFactory()
    )
