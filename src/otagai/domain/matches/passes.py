"""The pickup pass: what the supporter shows nursery staff, who have no account.

Nothing of a pass is stored. The token is the match id (16 bytes, base64url) signed with
itsdangerous (HMAC-SHA256, its own salt, so no other signature of the service's secret
passes for one); the human code, read aloud or compared with the app, is an HMAC of the
match id too. Whether a pass is valid is decided when it is opened, from the match as it
is then: from 30 minutes before the start to the end, while the match is confirmed and
the child has not been handed over. A cancelled match's pass stops working at once.

The handover code (``handover_code``) is the requester's half of the two-party
handover: six digits the requester's app shows, typed by the supporter at the door.
The secret is an argument: this layer does not know where settings live.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, Signer

from otagai.domain import clock
from otagai.domain.actors import Actor, require_user
from otagai.domain.codes import CODE_ALPHABET
from otagai.domain.matches import timeline
from otagai.domain.matches.models import CANCELLED, COMPLETED, CONFIRMED, Match
from otagai.domain.matches.services import get_match
from otagai.domain.people.access_log import VIA_PICKUP_PASS, log_child_reads
from otagai.domain.people.queries import people_by_id
from otagai.domain.requests.queries import request_children
from otagai.errors import Conflict, NotFound, require
from otagai.extensions.db import session

TOKEN_SALT = "pickup-pass"
PASS_CODE_SALT = b"pickup-pass-code"
HANDOVER_CODE_SALT = b"handover-code"
# A pass opens this long before the start (the supporter may be early at the gate).
EARLY = timedelta(minutes=30)
PASS_CODE_LENGTH = 6
HANDOVER_CODE_DIGITS = 6

VALID, NOT_YET_VALID, EXPIRED, CANCELLED_PASS = "valid", "not_yet_valid", "expired", "cancelled"
STATUSES = (VALID, NOT_YET_VALID, EXPIRED, CANCELLED_PASS)
# The kinds with a pass: somebody collects a child from somewhere.
PASS_KINDS = frozenset({"pickup"})


def _signer(secret: str) -> Signer:
    return Signer(secret, salt=TOKEN_SALT, digest_method=hashlib.sha256)


def make_token(match_id: uuid.UUID, *, secret: str) -> str:
    raw = base64.urlsafe_b64encode(match_id.bytes).rstrip(b"=").decode()
    return _signer(secret).sign(raw).decode()


def verify_token(token: str, *, secret: str) -> uuid.UUID | None:
    """The match id a token was signed for, or None (tampered, foreign, malformed)."""
    try:
        raw = _signer(secret).unsign(token.encode("ascii"))
        return uuid.UUID(bytes=base64.urlsafe_b64decode(raw + b"=" * (-len(raw) % 4)))
    except (BadSignature, UnicodeEncodeError, binascii.Error, ValueError):
        return None


def _digest(salt: bytes, match_id: uuid.UUID, secret: str) -> bytes:
    return hmac.new(secret.encode(), salt + b":" + match_id.bytes, hashlib.sha256).digest()


def pass_code(match_id: uuid.UUID, *, secret: str) -> str:
    """Six characters of CODE_ALPHABET (no 0/O, 1/I/L), the same every time."""
    number = int.from_bytes(_digest(PASS_CODE_SALT, match_id, secret), "big")
    chars = []
    for _ in range(PASS_CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def handover_code(match_id: uuid.UUID, *, secret: str) -> str:
    """Six digits, the same every time (10^6 values; guessing is stopped at 5 tries)."""
    number = int.from_bytes(_digest(HANDOVER_CODE_SALT, match_id, secret), "big")
    return f"{number % 10**HANDOVER_CODE_DIGITS:0{HANDOVER_CODE_DIGITS}d}"


def window(match: Match) -> tuple[datetime, datetime]:
    return match.starts_at - EARLY, match.ends_at


def pass_status(match: Match, at: datetime) -> str:
    """Whether the pass of ``match`` works at ``at``. A completed match, or a child
    already handed over, has nothing left to collect: its pass has expired."""
    if match.status == CANCELLED:
        return CANCELLED_PASS
    valid_from, valid_until = window(match)
    if at < valid_from:
        return NOT_YET_VALID
    if (
        at > valid_until
        or match.status == COMPLETED
        or timeline.has_event(match.id, timeline.HANDED_OVER)
    ):
        return EXPIRED
    return VALID


def get_pass(
    actor: Actor, match_id: uuid.UUID, *, secret: str, base_url: str, now: datetime | None = None
) -> dict[str, Any]:
    """The pass of a confirmed pickup, for its parties (the requester's household reads the
    code to tell the nursery who is coming)."""
    at = clock.now(now)
    match = get_match(actor, match_id)
    if match.kind not in PASS_KINDS:
        raise Conflict("pass_not_for_kind")
    if match.status != CONFIRMED:
        raise Conflict("match_not_confirmed")
    token = make_token(match.id, secret=secret)
    valid_from, valid_until = window(match)
    return {
        "match_id": match.id,
        "token": token,
        "url": f"{base_url.rstrip('/')}/pass/{token}",
        "code": pass_code(match.id, secret=secret),
        "valid_from": valid_from,
        "valid_until": valid_until,
        "status": pass_status(match, at),
    }


def open_pass(token: str, *, secret: str, now: datetime | None = None) -> dict[str, Any]:
    """What nursery staff see at ``/pass/{token}``, and the opening in the timeline
    (valid or not). Only while the pass is valid: the supporter's and the requester's
    display names, the children's nicknames, the time of the pickup and the code; otherwise the
    status alone. A token that does not verify is 404 ``pass_not_found``."""
    at = clock.now(now)
    match_id = verify_token(token, secret=secret)
    match = session.get(Match, match_id) if match_id else None
    if match is None or match.kind not in PASS_KINDS:
        raise NotFound("pass_not_found")
    status = pass_status(match, at)
    timeline.record(
        match, timeline.PASS_OPENED, at=at, data={"valid": status == VALID, "status": status}
    )
    if status != VALID:
        return {"status": status}
    people = people_by_id([match.supporter_id, match.requester_id])
    children = request_children([match.request_id])[match.request_id]
    # Nursery staff have no account: the child's access log shows the pass as the reader.
    log_child_reads(
        [c.id for c in children],
        reader_id=None,
        via=VIA_PICKUP_PASS,
        match_id=match.id,
        fields=("nickname",),
        at=at,
    )
    nicknames = [c.nickname for c in children]
    supporter, requester = people.get(match.supporter_id), people.get(match.requester_id)
    return {
        "status": status,
        "supporter_name": supporter.display_name if supporter else None,
        "requester_name": requester.display_name if requester else None,
        "children": [n for n in nicknames if n],
        "starts_at": match.starts_at,
        "ends_at": match.ends_at,
        "code": pass_code(match.id, secret=secret),
    }


def get_handover_code(actor: Actor, match_id: uuid.UUID, *, secret: str) -> dict[str, Any]:
    """The code the requester's household shows the supporter at the handover."""
    user = require_user(actor)
    match = get_match(actor, match_id)
    require(user.household_id == match.requester_household_id, "requester_only")
    if match.kind not in PASS_KINDS:
        raise Conflict("handover_not_for_kind")
    if match.status != CONFIRMED:
        raise Conflict("match_not_confirmed")
    return {"match_id": match.id, "code": handover_code(match.id, secret=secret)}
