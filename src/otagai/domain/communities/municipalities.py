"""Municipalities, and which municipality a household belongs to. Services flush; the
request commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain.actors import Actor
from otagai.domain.audit.services import record
from otagai.domain.communities.attribution import attribute_households_in
from otagai.domain.communities.geometry import (
    as_geojson,
    loads_geojson,
    require_valid_geometry,
    to_geometry,
)
from otagai.domain.communities.jis import check_digit, is_valid_code, is_well_formed
from otagai.domain.communities.models import Municipality
from otagai.domain.communities.roles import OPERATOR, require_operator
from otagai.domain.communities.views import MunicipalityView
from otagai.errors import Conflict, NotFound, RuleViolation
from otagai.extensions.db import session
from otagai.extensions.keyset import Page, one_string, paginate


def code_problem(code: str) -> str | None:
    """Why ``code`` is not a JIS local government code, for people; None if it is one."""
    if not is_well_formed(code):
        return "Must be 6 digits (JIS local government code)."
    if not is_valid_code(code):
        return f"Wrong check digit: expected {check_digit(code[:5])}."
    return None


def _municipality_query() -> Any:
    return select(
        Municipality.code,
        Municipality.name_ja,
        Municipality.name_en,
        Municipality.created_at,
    )


def get_municipality(code: str) -> MunicipalityView:
    row = session.execute(
        _municipality_query()
        .add_columns(as_geojson(Municipality.boundary))
        .where(Municipality.code == code)
    ).one_or_none()
    if row is None:
        raise NotFound("municipality_not_found")
    code_, name_ja, name_en, created_at, boundary = row
    return MunicipalityView(code_, name_ja, name_en, created_at, boundary=loads_geojson(boundary))


def list_municipalities(*, limit: int, cursor: str | None) -> Page[MunicipalityView]:
    """By code (prefecture first, as JIS orders them); boundaries only in the detail."""
    page = paginate(
        _municipality_query(),
        keys=[Municipality.code],
        after=one_string,
        limit=limit,
        cursor=cursor,
        mappings=True,
    )
    return page.map(
        lambda rows: [
            MunicipalityView(row["code"], row["name_ja"], row["name_en"], row["created_at"])
            for row in rows
        ]
    )


def create_municipality(
    actor: Actor, *, code: str, name_ja: str, name_en: str, boundary: dict[str, Any]
) -> MunicipalityView:
    """Create a municipality, then attribute the households already living inside it."""
    require_operator(actor)
    problem = code_problem(code)
    if problem is not None:
        raise RuleViolation("validation_failed", errors={"code": [problem]})
    require_valid_geometry(boundary, "boundary")
    inserted = session.execute(
        insert(Municipality)
        .values(
            code=code,
            name_ja=name_ja,
            name_en=name_en,
            boundary=func.ST_Multi(to_geometry(boundary)),
        )
        # Concurrent creations of one code: the loser gets the 409, not a 500.
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(Municipality.code)
    ).first()
    if inserted is None:
        raise Conflict("municipality_exists")
    attributed = attribute_households_in(code)
    record(
        actor,
        role=OPERATOR,
        action="municipality.create",
        target_type="municipality",
        target_id=code,
        municipality_code=code,
        details={"name_ja": name_ja, "name_en": name_en, "households_attributed": attributed},
    )
    return get_municipality(code)
