"""Liveness and readiness, outside /v1 and without authentication."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from sqlalchemy import text

from otagai.errors import ServiceUnavailable
from otagai.extensions.api import Blueprint
from otagai.extensions.db import session

blp = Blueprint("system", __name__, public=True, rate_limited=False, description="Health checks")


class HealthSchema(ma.Schema):
    # Only the status: versions (PostGIS, PostgreSQL, ours) would tell anybody which
    # known vulnerabilities to try.
    status = ma.fields.String(required=True, metadata={"example": "ok"})


@blp.route("/healthz")
@blp.response(200, HealthSchema)
def healthz() -> dict[str, Any]:
    """Liveness: the process answers"""
    return {"status": "ok"}


@blp.route("/readyz")
@blp.response(200, HealthSchema)
@blp.problem(503, "Database or PostGIS unreachable (`service_unavailable`).")
def readyz() -> dict[str, Any]:
    """Readiness: the database answers and PostGIS is installed

    `{"status": "ok"}`, and nothing else: no versions.
    """
    try:
        session.execute(text("SELECT postgis_version()")).scalar_one()
    except Exception as exc:  # any failure here means "not ready", never a 500
        session.rollback()
        raise ServiceUnavailable() from exc
    return {"status": "ok"}
