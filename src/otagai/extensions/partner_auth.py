"""Who may read a municipality's figures: that municipality's systems with its API key
(``X-API-Key``), or an operator with a Firebase ID token.

Partner endpoints live on a public blueprint (a key caller has no Firebase token), so each
view calls ``require_municipal_reader(code)`` first; ``partner_security`` documents the
two ways in on the operation.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import g, request

from otagai.domain.actors import Actor
from otagai.domain.communities.roles import require_operator
from otagai.domain.partners.keys import authenticate_key
from otagai.errors import Unauthorized, require
from otagai.extensions import auth
from otagai.extensions.api import API_KEY_HEADER, API_KEY_SECURITY_SCHEME, SECURITY_SCHEME
from otagai.extensions.limits import BUDGETS, count_api_key_failure, document_429

PARTNER_SECURITY: list[dict[str, list[str]]] = [
    {API_KEY_SECURITY_SCHEME: []},
    {SECURITY_SCHEME: []},
]
_CHALLENGE_API_KEY = 'ApiKey realm="otagai"'
_CHALLENGE_BOTH = f'Bearer realm="otagai", {_CHALLENGE_API_KEY}'

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Reader:
    """A caller allowed to read one municipality: by its key, or as an operator."""

    municipality_code: str
    api_key_id: uuid.UUID | None = None
    actor: Actor | None = None

    @property
    def via(self) -> str:
        return "api_key" if self.api_key_id is not None else "operator"


def require_municipal_reader(code: str) -> Reader:
    """The caller, if they may read municipality ``code``; else 401 or 403.

    An ``X-API-Key`` header decides alone, even next to a token: a key that is unknown or
    revoked is 401 ``invalid_api_key``, one of another municipality 403
    ``api_key_wrong_municipality``. Otherwise the Firebase token: an operator reads any
    municipality, anyone else signed in is 403 ``operator_only``. Unknown keys count
    against the caller's address: past its budget they answer 429 instead of 401.
    """
    if API_KEY_HEADER in request.headers:
        key = authenticate_key(request.headers[API_KEY_HEADER].strip())
        if key is None:
            count_api_key_failure()  # 429 once this address has failed too often
            raise Unauthorized("invalid_api_key", headers={"WWW-Authenticate": _CHALLENGE_API_KEY})
        require(key.municipality_code == code, "api_key_wrong_municipality")
        return Reader(code, api_key_id=key.id)
    if g.get("actor") is None:
        if "Authorization" not in request.headers:
            raise Unauthorized("token_missing", headers={"WWW-Authenticate": _CHALLENGE_BOTH})
        auth.authenticate_request()
    actor = auth.current_actor()
    require_operator(actor)
    return Reader(code, actor=actor)


def partner_security(blp: Any) -> Callable[[F], F]:
    """Document an operation of a public blueprint as open to a municipality's API key
    or an operator's token, with its 401 and 403 answers."""

    def decorator(view: F) -> F:
        view = document_429(
            blp,
            "Too many unknown or revoked API keys from this client address "
            f"(`too_many_requests`; {BUDGETS['partner-key-failures'].per_ip} by default, "
            "see docs/rate-limits.md). A valid key is never refused for it.",
        )(view)
        view = blp.problem(
            403,
            "The API key belongs to another municipality (`api_key_wrong_municipality`), "
            "or the signed-in caller is not an operator (`operator_only`).",
            code="api_key_wrong_municipality",
        )(view)
        view = blp.problem(
            401,
            "No credentials (`token_missing`), an unknown or revoked API key "
            "(`invalid_api_key`), or an invalid or expired ID token.",
            code="invalid_api_key",
        )(view)
        documented: F = blp.doc(security=PARTNER_SECURITY)(view)
        return documented

    return decorator
