"""Domain errors: raised by services and policies, rendered as problem+json in one place.

Each error carries a stable snake_case ``code`` that the mobile app can switch on; the
human text for it lives in :mod:`otagai.messages`, in Japanese and English.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    status = 400
    code = "bad_request"

    def __init__(
        self,
        code: str | None = None,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        keep_record: bool = False,
        **params: Any,
    ) -> None:
        self.code = code or self.code
        # A refusal that must itself be remembered (a wrong handover code counts toward
        # the lock): the request's transaction commits instead of rolling back. The
        # service has written that record and nothing else before raising.
        self.keep_record = keep_record
        self.errors = errors
        # Extra response headers the answer needs (e.g. Retry-After on a 429).
        self.headers = dict(headers or {})
        self.params = params
        super().__init__(self.code)


class BadRequest(DomainError):
    status = 400
    code = "bad_request"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    status = 409
    code = "conflict"


class RuleViolation(DomainError):
    """The request is well formed but breaks a rule of the domain (422)."""

    status = 422
    code = "rule_violation"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class TooManyRequests(DomainError):
    status = 429
    code = "too_many_requests"


class NotAcceptable(DomainError):
    """None of the media types the Accept header allows can be answered."""

    status = 406
    code = "not_acceptable"


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"


class ServiceUnavailable(DomainError):
    """Our side cannot answer right now (answered with Retry-After)."""

    status = 503
    code = "service_unavailable"


def require(condition: bool, code: str) -> None:
    """Policies answer yes/no; services turn a no into a 403 with a stable code."""
    if not condition:
        raise Forbidden(code)
