"""Supporter certifications (認定サポーター): coordinators certify, renew and revoke;
the full history is kept and shown with each certification."""

from __future__ import annotations

import uuid
from typing import Any

from otagai.api.certifications.schemas import (
    BackgroundCheckSetSchema,
    CertificationCreateSchema,
    CertificationQueryArgsSchema,
    CertificationRenewSchema,
    CertificationRevokeSchema,
    CertificationSchema,
    MyCertificationQueryArgsSchema,
)
from otagai.domain.trust import background_checks as checks
from otagai.domain.trust import certifications as certs
from otagai.domain.trust.models import Certification
from otagai.domain.trust.views import certification_views
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page, paginate
from otagai.extensions.pagination import page_schema

blp = Blueprint("certifications", __name__, description="Supporter certifications (認定サポーター)")

CREATE_EXAMPLE = {
    "value": {
        "user_id": "3f0c9a52-7a51-4d7e-9a0e-2b1f0c7d8e91",
        "kinds": ["pickup", "babysitting"],
        "trained_on": "2026-10-01",
        "expires_on": "2027-10-01",
    }
}


def _paginate(stmt: Any, args: dict[str, Any]) -> Page[dict[str, Any]]:
    return paginate(
        stmt,
        keys=[Certification.created_at, Certification.id],
        limit=args["limit"],
        cursor=args["cursor"],
    ).map(lambda items: certification_views(current_actor(), items))


@blp.route("/communities/<uuid:community_id>/certifications")
class CommunityCertificationsViews(Resource):
    @blp.arguments(CertificationQueryArgsSchema, location="query")
    @blp.response(200, page_schema(CertificationSchema))
    @blp.problem(403, "Not a coordinator of this community (nor an operator).")
    @blp.problem(404, "No such community.")
    def get(self, args: dict[str, Any], community_id: uuid.UUID) -> Page[dict[str, Any]]:
        """Certifications of a community, each with its history

        Revoked and expired ones included; filter with `status` and `user_id`.
        """
        stmt = certs.community_certifications(
            current_actor(), community_id, status=args.get("status"), user_id=args.get("user_id")
        )
        return _paginate(stmt, args)

    @idempotent
    @blp.arguments(CertificationCreateSchema, examples={"certify": CREATE_EXAMPLE})
    @blp.response(201, CertificationSchema)
    @blp.problem(403, "Not a coordinator of this community.")
    @blp.problem(404, "No such community or user.")
    @blp.problem(409, "The member already holds a certification here: renew it.")
    def post(self, data: dict[str, Any], community_id: uuid.UUID) -> dict[str, Any]:
        """Certify a member as a supporter

        Only a coordinator of this community. The certification is valid from today
        through `expires_on` (default: one year after `trained_on`, at most three).
        """
        certification = certs.certify_member(current_actor(), community_id, **data)
        return certification_views(current_actor(), [certification])[0]


@blp.route("/certifications/<uuid:certification_id>")
class CertificationByIdViews(Resource):
    @blp.response(200, CertificationSchema)
    @blp.problem(404, "No such certification (or not yours to see).")
    def get(self, certification_id: uuid.UUID) -> dict[str, Any]:
        """One certification with its history

        For the coordinators of its community, operators and the certified member.
        """
        return certification_views(
            current_actor(), [certs.get_certification(current_actor(), certification_id)]
        )[0]


@blp.route("/certifications/<uuid:certification_id>/renew")
class CertificationRenewViews(Resource):
    @idempotent
    @blp.arguments(
        CertificationRenewSchema,
        examples={
            "one more year": {"value": {}},
            "after new training": {
                "value": {"trained_on": "2027-09-20", "expires_on": "2028-09-30"}
            },
        },
    )
    @blp.response(200, CertificationSchema)
    @blp.problem(403, "Not a coordinator of its community.")
    @blp.problem(404, "No such certification (or not yours to see).")
    @blp.problem(409, "The certification was revoked: certify the member again.")
    def post(self, data: dict[str, Any], certification_id: uuid.UUID) -> dict[str, Any]:
        """Renew (extend) a certification

        Without a body it runs one more year from today or from its current expiry,
        whichever is later, but never more than three years past training: record a new
        `trained_on` to go further.
        """
        certification = certs.renew_certification(current_actor(), certification_id, **data)
        return certification_views(current_actor(), [certification])[0]


@blp.route("/certifications/<uuid:certification_id>/revoke")
class CertificationRevokeViews(Resource):
    @idempotent
    @blp.arguments(
        CertificationRevokeSchema, examples={"revoke": {"value": {"reason": "活動を休止するため"}}}
    )
    @blp.response(200, CertificationSchema)
    @blp.problem(403, "Not a coordinator of its community.")
    @blp.problem(404, "No such certification (or not yours to see).")
    @blp.problem(409, "Already revoked.")
    def post(self, data: dict[str, Any], certification_id: uuid.UUID) -> dict[str, Any]:
        """Revoke a certification, with a reason

        It stops counting at once (the day of revocation is not a valid day) and stays in
        the history.
        """
        certification = certs.revoke_certification(
            current_actor(), certification_id, reason=data["reason"]
        )
        return certification_views(current_actor(), [certification])[0]


@blp.route("/certifications/<uuid:certification_id>/background-check")
class CertificationBackgroundCheckViews(Resource):
    @blp.arguments(
        BackgroundCheckSetSchema,
        examples={
            "equivalent": {"value": {"scheme": "equivalent", "confirmed_on": "2026-11-20"}},
            "Japanese DBS": {"value": {"scheme": "jp_dbs", "confirmed_on": "2027-01-15"}},
        },
    )
    @blp.response(200, CertificationSchema)
    @blp.problem(403, "Not a coordinator of its community.")
    @blp.problem(404, "No such certification (or not yours to see).")
    @blp.problem(409, "The certification was revoked.")
    def put(self, data: dict[str, Any], certification_id: uuid.UUID) -> dict[str, Any]:
        """Record that a criminal-record check was confirmed

        Only a coordinator of its community, for somebody else's certification. Stores
        the scheme, the day and the coordinator, nothing else (no certificate, no
        content); a second call replaces the first. Candidate and offer views show only
        `background_check_confirmed`.
        """
        certification = checks.confirm_background_check(current_actor(), certification_id, **data)
        return certification_views(current_actor(), [certification])[0]

    @blp.response(204)
    @blp.problem(403, "Not a coordinator of its community.")
    @blp.problem(404, "No such certification, or no check recorded on it.")
    @blp.problem(409, "The certification was revoked.")
    def delete(self, certification_id: uuid.UUID) -> None:
        """Withdraw the recorded check"""
        checks.withdraw_background_check(current_actor(), certification_id)


@blp.route("/me/certifications")
class MyCertificationsViews(Resource):
    @blp.arguments(MyCertificationQueryArgsSchema, location="query")
    @blp.response(200, page_schema(CertificationSchema))
    @blp.problem(403, "Create your profile first.")
    def get(self, args: dict[str, Any]) -> Page[dict[str, Any]]:
        """My certifications in every community, with their status and history"""
        stmt = certs.my_certifications(current_actor(), status=args.get("status"))
        return _paginate(stmt, args)
