"""``Idempotency-Key`` on creating POSTs: the same key and body replay the first answer
for 24 h; the same key with another body is a 422. Keys are per signed-in identity."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from copy import deepcopy
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar, cast

from flask import Response, current_app, request
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain.idempotency import MAX_KEY_LENGTH, IdempotencyRecord
from otagai.errors import DomainError, RuleViolation
from otagai.extensions.auth import current_actor
from otagai.extensions.db import session
from otagai.extensions.problems import handle_domain_error

HEADER = "Idempotency-Key"

PARAMETER_DOC = {
    "in": "header",
    "name": HEADER,
    "required": False,
    # Printable ASCII, no white space at either end (HTTP drops it): a UUID is typical.
    "schema": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_KEY_LENGTH,
        "pattern": r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$",
    },
    "description": (
        "Retry-safe creation: the same key and body within 24 h replay the first "
        "response (with `Idempotent-Replayed: true`); the same key with another body is 422."
    ),
}


def _request_hash() -> str:
    raw = request.get_data(cache=True)
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    digest = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), canonical):
        digest.update(part + b"\0")
    return digest.hexdigest()


def _claim(owner: str, key: str, request_hash: str) -> Any:
    """Insert the key, or wait for a concurrent holder of it to finish (unique index)."""
    stmt = (
        insert(IdempotencyRecord)
        .values(owner_uid=owner, key=key, request_hash=request_hash)
        .on_conflict_do_nothing(index_elements=["owner_uid", "key"])
        .returning(IdempotencyRecord.id)
    )
    return session.execute(stmt).scalar_one_or_none()


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(
        record.body or "", status=record.status_code, content_type=record.content_type
    )
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


F = TypeVar("F", bound=Callable[..., Any])


def idempotent(view: F) -> F:
    """Put above ``@blp.response`` so the serialized answer is what gets stored."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if key is None:
            return view(*args, **kwargs)
        if not 0 < len(key) <= MAX_KEY_LENGTH or not key.isprintable():
            raise RuleViolation(
                "validation_failed",
                errors={HEADER: [f"1 to {MAX_KEY_LENGTH} printable characters."]},
            )
        owner = current_actor().uid
        request_hash = _request_hash()
        ttl = timedelta(hours=current_app.config["OTAGAI"].idempotency_ttl_hours)
        for _ in range(2):
            record_id = _claim(owner, key, request_hash)
            if record_id is not None:
                break
            # created_at is the database's clock, so the age is measured by it too.
            record, expired = session.execute(
                select(IdempotencyRecord, IdempotencyRecord.created_at < func.now() - ttl).where(
                    IdempotencyRecord.owner_uid == owner, IdempotencyRecord.key == key
                )
            ).one()
            if expired:
                session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id == record.id))
                continue
            if record.request_hash != request_hash:
                raise RuleViolation("idempotency_key_reused")
            return _replay(record)
        try:
            response: Response = view(*args, **kwargs)
        except DomainError as refusal:
            if not refusal.keep_record:
                raise  # rolled back with the claim: a retry runs afresh
            # A refusal that commits its own record (a wrong handover code) commits the
            # claim too: it keeps the refusal's answer, so a retry replays it and is not
            # counted a second time.
            _store(record_id, handle_domain_error(refusal))
            raise
        _store(record_id, response)
        return response

    apidoc = deepcopy(getattr(view, "_apidoc", {}))
    apidoc["idempotent"] = True
    wrapper._apidoc = apidoc  # type: ignore[attr-defined]
    return cast(F, wrapper)


def _store(record_id: Any, response: Response) -> None:
    record = session.get_one(IdempotencyRecord, record_id)
    record.status_code = response.status_code
    record.content_type = response.content_type
    record.location = response.headers.get("Location")
    record.body = response.get_data(as_text=True)
    session.flush()


def add_idempotency_doc(doc: dict[str, Any], doc_info: dict[str, Any], **_: Any) -> dict[str, Any]:
    if doc_info.get("idempotent"):
        doc.setdefault("parameters", []).append(deepcopy(PARAMETER_DOC))
    return doc
