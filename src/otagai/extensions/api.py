"""flask-smorest glue: the Api with problem+json errors and local Swagger UI, and a
Blueprint whose views require a signed-in caller unless the blueprint is public."""

from __future__ import annotations

import http
from typing import Any

import flask_smorest
import openapi_ui_bundles.swagger_ui
from apispec.ext.marshmallow import MarshmallowPlugin
from apispec.ext.marshmallow.openapi import OpenAPIConverter
from flask import Blueprint as FlaskBlueprint
from flask import Flask
from flask.views import MethodView
from flask_smorest.utils import prepare_response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from otagai.errors import DomainError
from otagai.extensions import auth
from otagai.extensions.db import transactional
from otagai.extensions.idempotency import add_idempotency_doc
from otagai.extensions.problems import (
    PROBLEM_MIMETYPE,
    STATUS_CODES,
    ProblemSchema,
    handle_database_error,
    handle_domain_error,
    handle_http_exception,
)
from otagai.messages import detail_for, title_for_status

SECURITY_SCHEME = "firebase"
# Partner municipalities' systems (see extensions/partner_auth.py).
API_KEY_SECURITY_SCHEME = "apiKey"
API_KEY_HEADER = "X-API-Key"
SWAGGER_STATIC = "/docs/static/swagger-ui/"


def _schema_name_resolver(schema: Any) -> str:
    name = schema.__name__ if isinstance(schema, type) else type(schema).__name__
    if name.endswith("Schema") and len(name) > len("Schema"):
        name = name[: -len("Schema")]
    partial = getattr(schema, "partial", False) if not isinstance(schema, type) else False
    return name + ("Partial" if partial else "")


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def __init__(self, app: Flask | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("spec_kwargs", {})
        super().__init__(app, **kwargs)

    def init_app(self, app: Flask, *args: Any, **kwargs: Any) -> None:
        app.config.setdefault("API_TITLE", "Otagai API")
        app.config.setdefault("API_VERSION", "v1")
        app.config.setdefault("OPENAPI_VERSION", "3.0.3")
        app.config.setdefault("OPENAPI_URL_PREFIX", "/")
        app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
        app.config.setdefault("OPENAPI_SWAGGER_UI_PATH", "/docs")
        app.config.setdefault("OPENAPI_SWAGGER_UI_URL", SWAGGER_STATIC)
        app.config.setdefault(
            "API_SPEC_OPTIONS",
            {
                "info": {
                    "description": (
                        "Otagai (お互いさま): neighbourhood childcare sharing. Every /v1 call "
                        "except webhooks needs `Authorization: Bearer <Firebase ID token>` "
                        "(partner municipalities' endpoints: or `X-API-Key` instead). "
                        "Errors are application/problem+json (RFC 9457), localized by "
                        "Accept-Language (ja default, en). Every call counts against a "
                        "ceiling per signed-in user (else per client address); past it, and "
                        "past the budgets of the operations that document a 429, the answer "
                        "is 429 `too_many_requests` with `Retry-After` (seconds)."
                    )
                },
                "components": {
                    "securitySchemes": {
                        SECURITY_SCHEME: {
                            "type": "http",
                            "scheme": "bearer",
                            "bearerFormat": "Firebase ID token (JWT)",
                        },
                        API_KEY_SECURITY_SCHEME: {
                            "type": "apiKey",
                            "in": "header",
                            "name": API_KEY_HEADER,
                            "description": "A partner municipality's key (`otagai_mk_…`), "
                            "made with `flask municipalities create-key`.",
                        },
                    }
                },
            },
        )
        kwargs.setdefault("spec_kwargs", {})
        super().init_app(app, *args, **kwargs)
        # The UI assets ship in a wheel: /docs works offline, with no CDN.
        app.register_blueprint(
            FlaskBlueprint(
                "swagger_ui_static",
                __name__,
                static_folder=str(openapi_ui_bundles.swagger_ui.static_path),
                static_url_path=SWAGGER_STATIC.rstrip("/"),
            )
        )
        app.register_error_handler(DomainError, handle_domain_error)
        # Database faults answer 503 whatever raised them (a view, signing in, a commit).
        app.register_error_handler(DBAPIError, handle_database_error)
        app.register_error_handler(PoolTimeout, handle_database_error)

    def _register_error_handlers(self) -> None:
        self._app.register_error_handler(HTTPException, handle_http_exception)

    def _register_responses(self) -> None:
        """Like flask-smorest's, but error responses are documented as problem+json."""
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, PROBLEM_MIMETYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (problem+json)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)
        response = {
            "description": (
                "`database_unavailable`: the database was briefly out of reach (a lost "
                "connection, a failover, a timeout). Try again after `Retry-After` seconds; "
                "a write with the same `Idempotency-Key`, as it may have been applied."
            ),
            "schema": self.ERROR_SCHEMA,
            "headers": {
                "Retry-After": {
                    "description": "Seconds to wait before trying again.",
                    "schema": {"type": "integer", "minimum": 1},
                }
            },
        }
        prepare_response(response, self.spec, PROBLEM_MIMETYPE)
        self.spec.components.response(DATABASE_UNAVAILABLE, response, lazy=True)


# apispec writes a nullable nested object, in OpenAPI 3.0, as ``anyOf: [{$ref}, {type:
# object, nullable: true}]``: its second branch admits any object at all, so a generated
# client types the field as "the schema, or any object", and fuzzers send any object.
# ``{nullable: true, enum: [null]}`` admits null only.
NULL_ONLY: dict[str, Any] = {"nullable": True, "enum": [None]}


class _Converter(OpenAPIConverter):
    def field2nullable(self, field: Any, ret: Any) -> dict[str, Any]:
        attributes: dict[str, Any] = super().field2nullable(field, ret)
        if "anyOf" in attributes:
            attributes["anyOf"] = [
                NULL_ONLY if branch == {"type": "object", "nullable": True} else branch
                for branch in attributes["anyOf"]
            ]
        return attributes


class _MarshmallowPlugin(MarshmallowPlugin):
    Converter = _Converter


def make_marshmallow_plugin() -> MarshmallowPlugin:
    return _MarshmallowPlugin(schema_name_resolver=_schema_name_resolver)


DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"


class Blueprint(flask_smorest.Blueprint):
    """Views need a verified Firebase ID token unless ``public=True``; the requirement and
    its 401 answer are documented on every operation."""

    def __init__(
        self, *args: Any, public: bool = False, rate_limited: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.public = public
        # False: exempt from the rate limits' ceiling (limits.UNLIMITED_PATHS), so no 429.
        self.rate_limited = rate_limited
        if not public:
            self.before_request(auth.authenticate_request)
        self._prepare_doc_cbks.append(self._prepare_auth_doc)
        self._prepare_doc_cbks.append(add_idempotency_doc)

    def _prepare_auth_doc(self, doc: dict[str, Any], doc_info: Any, **_: Any) -> dict[str, Any]:
        # Any operation may meet a database fault (extensions/db.py); one that documents
        # a 503 of its own (card payments unconfigured, /readyz) says so there.
        # So may the ceiling of rate limits (extensions/limits.py) answer 429; operations
        # with a budget of their own document it there.
        responses = doc.setdefault("responses", {})
        documented = [(503, DATABASE_UNAVAILABLE)]
        if self.rate_limited:
            documented.append((429, "TOO_MANY_REQUESTS"))
        for status, name in documented:
            if status not in responses and str(status) not in responses:  # ints: alt_response
                responses[str(status)] = name
        if self.public:
            doc["security"] = []
        else:
            doc["security"] = [{SECURITY_SCHEME: []}]
            doc.setdefault("responses", {}).setdefault("401", "UNAUTHORIZED")
        return doc

    def problem(self, status: int, description: str, code: str | None = None) -> Any:
        """Document an error answer of one operation (problem+json), with an example."""
        code = code or STATUS_CODES.get(status, "bad_request")
        example = {
            "type": f"urn:otagai:problem:{code}",
            "title": title_for_status(status, "ja"),
            "status": status,
            "detail": detail_for(code, "ja") or description,
            "code": code,
        }
        return self.alt_response(
            status,
            schema=ProblemSchema,
            description=description,
            content_type=PROBLEM_MIMETYPE,
            example=example,
        )


class Resource(MethodView):
    """Base of every view: one transaction per request."""

    decorators = [transactional]
