"""Matches (成立) after they are made: the two parties (and the requester's household)
read them. Accepting an offer, which makes one, is ``sharing/acceptance.py``."""

from __future__ import annotations

import uuid

from otagai.domain.actors import Actor, require_user
from otagai.domain.matches.models import Match
from otagai.errors import NotFound
from otagai.extensions.db import session


def get_match(actor: Actor, match_id: uuid.UUID) -> Match:
    """A match I am a party to: its supporter, or the requester (and their household).
    Anybody else gets 404."""
    user = require_user(actor)
    match = session.get(Match, match_id)
    if match is None or not (
        user.id in (match.requester_id, match.supporter_id)
        or user.household_id == match.requester_household_id
    ):
        raise NotFound("match_not_found")
    return match
