"""Partner API keys: made, listed and revoked by operators from the CLI, checked on every
request a municipality's systems send with ``X-API-Key``.

A key is ``otagai_mk_`` plus 32 random bytes, so it is recognizable in a leaked config
file or a secret scanner. Only its SHA-256 is stored, with a short display prefix to tell
keys apart; the plaintext exists once, in what ``create_key`` returns. Services flush; the
CLI command or the request commits.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from otagai.domain.communities.models import Municipality
from otagai.domain.partners.models import ApiKey
from otagai.errors import Conflict, NotFound, RuleViolation
from otagai.extensions.db import session

KEY_PREFIX = "otagai_mk_"
KEY_RANDOM_BYTES = 32
# "otagai_mk_" and four random characters: enough to tell a town's keys apart in a list,
# far too little to guess the rest from.
DISPLAY_PREFIX_LENGTH = 14
# A header longer than any key we issue is not worth hashing.
MAX_KEY_LENGTH = 128
LABEL_MAX_LENGTH = 100
# last_used_at is written at most this often per key, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_key(plaintext: str) -> bytes:
    return hashlib.sha256(plaintext.encode()).digest()


def require_municipality(code: str) -> None:
    """NotFound (``municipality_not_found``) unless a municipality has this code."""
    # Only the key column: the boundary is a large geometry nobody here needs.
    if session.scalar(select(Municipality.code).where(Municipality.code == code)) is None:
        raise NotFound("municipality_not_found")


def _clean_label(label: str) -> str:
    cleaned = " ".join(label.split())
    if not cleaned:
        raise RuleViolation("validation_failed", errors={"label": ["Must not be blank."]})
    if len(cleaned) > LABEL_MAX_LENGTH:
        raise RuleViolation(
            "validation_failed",
            errors={"label": [f"Longer than maximum length {LABEL_MAX_LENGTH}."]},
        )
    return cleaned


def create_key(code: str, label: str) -> tuple[ApiKey, str]:
    """A new key for the municipality ``code``: the row, and the plaintext to hand over
    (it cannot be recovered later)."""
    label = _clean_label(label)
    require_municipality(code)
    plaintext = KEY_PREFIX + secrets.token_urlsafe(KEY_RANDOM_BYTES)
    key = ApiKey(
        municipality_code=code,
        label=label,
        prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
        key_hash=hash_key(plaintext),
    )
    session.add(key)
    session.flush()
    return key, plaintext


def list_keys(code: str | None = None) -> list[ApiKey]:
    """Every key (of one municipality, if ``code`` is given), revoked ones included,
    by municipality and then oldest first."""
    stmt = select(ApiKey).order_by(ApiKey.municipality_code, ApiKey.created_at, ApiKey.id)
    if code is not None:
        require_municipality(code)
        stmt = stmt.where(ApiKey.municipality_code == code)
    return list(session.scalars(stmt))


def _find_key(id_or_prefix: str) -> ApiKey:
    try:
        key_id = uuid.UUID(id_or_prefix)
    except ValueError:
        matches = list(session.scalars(select(ApiKey).where(ApiKey.prefix == id_or_prefix)))
        if len(matches) > 1:
            raise Conflict("api_key_prefix_ambiguous") from None
        found = matches[0] if matches else None
    else:
        found = session.get(ApiKey, key_id)
    if found is None:
        raise NotFound("api_key_not_found")
    return found


def revoke_key(id_or_prefix: str, *, now: datetime | None = None) -> ApiKey:
    """Revoke the key with this id or display prefix. Revoking a revoked key changes
    nothing (its first revocation time stays)."""
    key = _find_key(id_or_prefix.strip())
    if key.revoked_at is None:
        key.revoked_at = now or datetime.now(UTC)
        session.flush()
    return key


def authenticate_key(plaintext: str, *, now: datetime | None = None) -> ApiKey | None:
    """The live key ``plaintext`` is, or None (unknown, malformed or revoked). Notes its
    use, at most once per LAST_USED_RESOLUTION, so a busy key is not a write per request."""
    if not plaintext.startswith(KEY_PREFIX) or len(plaintext) > MAX_KEY_LENGTH:
        return None
    key = session.scalars(
        select(ApiKey).where(ApiKey.key_hash == hash_key(plaintext), ApiKey.revoked_at.is_(None))
    ).one_or_none()
    if key is None:
        return None
    now = now or datetime.now(UTC)
    if key.last_used_at is None or key.last_used_at <= now - LAST_USED_RESOLUTION:
        key.last_used_at = now
        session.flush()
    return key
