"""/v1/municipalities/{code}/...: what a partner municipality's systems call with their API
key (operators with their token). A public blueprint, because a key caller carries no
Firebase token; every view starts with ``require_municipal_reader``."""

from __future__ import annotations

from typing import Any

from flask import current_app, request

from otagai.api.partners.schemas import DashboardLinkSchema
from otagai.config import Settings
from otagai.domain.partners import dashboard_links
from otagai.domain.partners.keys import require_municipality
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.partner_auth import partner_security, require_municipal_reader

blp = Blueprint(
    "partners",
    __name__,
    url_prefix="/municipalities",
    public=True,
    description="Partner municipalities: their API key (X-API-Key) or an operator's token",
)


@blp.route("/<string(maxlength=32):code>/dashboard-links")
class DashboardLinksViews(Resource):
    @partner_security(blp)
    @blp.response(201, DashboardLinkSchema)
    @blp.problem(404, "No municipality with this code.", code="municipality_not_found")
    def post(self, code: str) -> dict[str, Any]:
        """A signed link to the municipality's dashboard page (valid 15 minutes)

        For municipal staff to open in a browser, which cannot send an API key. The
        municipality's own key or an operator's token. Each call signs a new link; a
        retry does no harm, so no Idempotency-Key is needed.
        """
        require_municipal_reader(code)
        require_municipality(code)
        settings: Settings = current_app.config["OTAGAI"]
        token, expires_at = dashboard_links.make_link(
            code, secret=settings.dashboard_link_signing_secret
        )
        url = f"{request.host_url}municipalities/{code}/dashboard?token={token}"
        return {"url": url, "expires_at": expires_at}
