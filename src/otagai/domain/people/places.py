"""Public points: how the service measures distances to a home or a request without ever
letting anybody but its household learn where it is.

The promise (PRODUCT.md, "Location privacy"): from any sequence of API calls, nobody but
the owner can estimate a member's home, or the point of a request they are not matched
on, closer than about 100 m, and the estimate does not sharpen as calls add up. Rounding a
distance does not give this when one end of the distance can be moved: "the shown
distance is at most L" is exactly "the point lies within L of me", and that disc's edge
can be bisected to a centimetre (tests/privacy/ does it).

So no computation about another person ever touches their exact point. Every point a
household tells us — a member's home, a request's location — is mapped to a **place** of
that household (``household_places``): an exact *anchor* and a *public point*, drawn once
at a random bearing and a random distance of 150–300 m (uniform over that ring's area)
from the anchor, with PostgreSQL's strong random source, and stored. A later point within
40 m of an anchor of the same household reuses that place, so:

- a home saved again, nudged by GPS, or shared by the second parent has ONE public point,
  however often it is sent: there is nothing to average;
- a request posted from home has the home's public point, so it adds nothing either;
- a point more than 40 m from every anchor of the household (a nursery, a move) gets a
  fresh, independent draw: knowing one place's public point says nothing of another's.

What the rest of the service uses (``users.public_home``, ``share_requests.
public_location``, both copies of their place's public point, both GiST-indexed):

- candidacy (rule 3, in the candidate list, the feed, request visibility, offers and
  the new-request pushes) is "the supporter's public home within the radius of the
  request's public point": both ends are public points;
- a distance shown to somebody runs from a point of their own, exact (the requester's
  request location; the supporter's home or the feed's ``lat``/``lng``), to the other
  side's public point.

Whatever an attacker measures, then, converges to public points, and every public point is
at least 150 − 40 = 110 m from any point that maps to it. Only the household and the
matched supporter see exact points.

What it costs matching: a public point is at most 300 + 40 = 340 m from its true point,
so a person's distance to a request as the radius test sees it differs from the true one
by at most 680 m (both ends displaced), typically by much less (README: the figures). The
shown distance, with one end exact, is off by at most 340 m.

The places are assigned by database triggers (see the migration), not by the services: a
BEFORE trigger on ``users.home`` and on ``share_requests.location`` sets the public
column through ``otagai_public_point(household, point)``, which takes the household's row
lock so two writers cannot draw two places for one point. No code path — the API, the
seeds, a bulk load, a migration — can store a home or a request without its public point,
nor set one of its own choosing.
"""

from __future__ import annotations

import uuid
from typing import Any

from geoalchemy2 import Geography
from sqlalchemy import BigInteger, ForeignKey, Identity, delete, update
from sqlalchemy.orm import Mapped, mapped_column

from otagai.extensions.db import Base, CreatedAt, session

# The public point's distance from its anchor (metres), drawn uniformly over the ring's
# area, and how close a new point must be to an anchor to reuse its place. The SQL
# function otagai_public_point in the migration uses the same figures (a test checks).
MIN_DISPLACEMENT_M = 150
MAX_DISPLACEMENT_M = 300
REUSE_WITHIN_M = 40
# The bound the service promises: no estimate of a true point closer than this.
GUARANTEED_ERROR_M = MIN_DISPLACEMENT_M - REUSE_WITHIN_M
# How far a public point can be from the true point it stands for.
MAX_OFFSET_M = MAX_DISPLACEMENT_M + REUSE_WITHIN_M


class HouseholdPlace(CreatedAt, Base):
    """A point a household told us, and the public point everybody else is measured to."""

    __tablename__ = "household_places"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    household_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("households.id", ondelete="CASCADE"), index=True
    )
    # Exact: never leaves the server.
    anchor: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=False))
    public_point: Mapped[Any] = mapped_column(Geography("POINT", srid=4326, spatial_index=False))


def move_places(from_household: uuid.UUID, to_household: uuid.UUID) -> None:
    """A parent joining another household brings their places: their home keeps its
    public point, and a point near it later still maps to it."""
    session.execute(
        update(HouseholdPlace)
        .where(HouseholdPlace.household_id == from_household)
        .values(household_id=to_household)
    )


def forget_places(household_id: uuid.UUID) -> None:
    """The anchors are exact points of the household: they go when its last member does."""
    session.execute(delete(HouseholdPlace).where(HouseholdPlace.household_id == household_id))
