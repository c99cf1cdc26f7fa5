"""/v1/municipalities: the local governments communities belong to (operators create)."""

from __future__ import annotations

from typing import Any

from otagai.api.municipalities.schemas import (
    EXAMPLE_POLYGON,
    MunicipalityCreateSchema,
    MunicipalitySchema,
    MunicipalitySummarySchema,
)
from otagai.domain.communities import municipalities
from otagai.domain.communities.views import MunicipalityView
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page
from otagai.extensions.pagination import PageQueryArgsSchema, page_schema

blp = Blueprint(
    "municipalities",
    __name__,
    url_prefix="/municipalities",
    description="Municipalities: created by operators, readable by everyone signed in",
)


@blp.route("")
class MunicipalitiesViews(Resource):
    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(MunicipalitySummarySchema))
    def get(self, args: dict[str, Any]) -> Page[MunicipalityView]:
        """Municipalities, by code (boundaries are in each one's detail)"""
        return municipalities.list_municipalities(limit=args["limit"], cursor=args["cursor"])

    @idempotent
    @blp.arguments(
        MunicipalityCreateSchema,
        examples={
            "setagaya": {
                "value": {
                    "code": "131121",
                    "name_ja": "世田谷区",
                    "name_en": "Setagaya",
                    "boundary": EXAMPLE_POLYGON,
                }
            }
        },
    )
    @blp.response(201, MunicipalitySchema)
    @blp.problem(403, "Operators only.")
    @blp.problem(409, "A municipality with this code exists.")
    def post(self, data: dict[str, Any]) -> MunicipalityView:
        """Create a municipality (operators)

        The code's check digit is verified and the boundary must be a valid geometry
        (422 with the reason otherwise). Households whose home lies inside and that had no
        municipality yet are attributed to it.
        """
        return municipalities.create_municipality(current_actor(), **data)


@blp.route("/<string(maxlength=32):code>")
class MunicipalityByCodeViews(Resource):
    @blp.response(200, MunicipalitySchema)
    @blp.problem(404, "No municipality with this code.")
    def get(self, code: str) -> MunicipalityView:
        """A municipality, with its boundary"""
        return municipalities.get_municipality(code)
