"""Bodies of the partner municipalities' endpoints."""

from __future__ import annotations

import marshmallow as ma


class DashboardLinkSchema(ma.Schema):
    url = ma.fields.String(
        metadata={
            "description": "The municipality's dashboard page, with its signed token; open it "
            "in a browser within 15 minutes. Anyone holding it can view the page until then.",
            "example": "https://api.otagai.jp/municipalities/111007/dashboard?token=…",
        },
        required=True,
    )
    expires_at = ma.fields.AwareDateTime(
        metadata={"description": "When the link stops working (15 minutes from now)."},
        required=True,
    )
