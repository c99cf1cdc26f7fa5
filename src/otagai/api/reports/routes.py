"""援助活動報告書: a match's activity report (the supporter drafts, the requester's household
confirms or disputes; JSON or a one-page PDF), and the coordinators' monthly CSV."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Response, current_app, request

from otagai.api.reports.schemas import (
    ActivityReportSchema,
    ActivityReportsCsvQuerySchema,
    ReportDecisionSchema,
    ReportDraftSchema,
)
from otagai.config import Settings
from otagai.domain.actors import require_user
from otagai.domain.reports import services as reports
from otagai.domain.reports.csv_export import activity_reports_csv, csv_filename
from otagai.domain.reports.document import report_document
from otagai.domain.reports.pdf import render_pdf
from otagai.errors import NotAcceptable
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent

blp = Blueprint("reports", __name__, description="Activity reports (援助活動報告書)")

MATCH_NOT_VISIBLE = "No such match, or you are not a party to it."
JSON, PDF, CSV = "application/json", "application/pdf", "text/csv"

DRAFT_EXAMPLE = {
    "started_at": "2026-12-04T22:05:00+09:00",
    "ended_at": "2026-12-04T23:20:00+09:00",
    "activities": "保育園へお迎えに行き、自宅で絵本を読んで過ごしました。",
    "incident": False,
}
INCIDENT_EXAMPLE = {
    **DRAFT_EXAMPLE,
    "incident": True,
    "incident_text": "公園で転んで膝をすりむきました。消毒して絆創膏を貼りました。",
}


def _wants_pdf() -> bool:
    """JSON unless the Accept header prefers the PDF; 406 when it allows neither."""
    if not request.headers.get("Accept"):
        return False
    best = request.accept_mimetypes.best_match([JSON, PDF])
    if best is None:
        raise NotAcceptable()
    return best == PDF


@blp.route("/matches/<uuid:match_id>/report")
class MatchReportViews(Resource):
    @blp.response(200, ActivityReportSchema)
    @blp.doc(
        responses={
            "200": {
                "content": {
                    JSON: {"schema": ActivityReportSchema},
                    PDF: {"schema": {"type": "string", "format": "binary"}},
                }
            }
        }
    )
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, MATCH_NOT_VISIBLE + " Or no report yet (`report_not_found`).")
    @blp.problem(406, "The Accept header allows neither application/json nor application/pdf.")
    @blp.problem(
        503,
        "The PDF's Japanese font is missing on the server (`report_font_missing`); the "
        "JSON report still works.",
    )
    def get(self, match_id: uuid.UUID) -> Any:
        """The activity report of a match (援助活動報告書), as JSON or a PDF

        Both parties and the requester's household read it. With `Accept:
        application/pdf`, a one-page A4 PDF in Japanese: the community, the kind, the
        scheduled and actual times (Asia/Tokyo), both display names, the children's
        nicknames, what was done, the incident, and whether and when it was confirmed.
        No address, no child's notes.
        """
        pdf = _wants_pdf()
        actor = current_actor()
        report, match = reports.get_report(actor, match_id)
        if not pdf:
            return reports.report_view(report)
        settings: Settings = current_app.config["OTAGAI"]
        document = report_document(report, match, reader=require_user(actor))
        body = render_pdf(document, font_path=settings.report_font)
        response = Response(body, mimetype=PDF)
        response.headers["Content-Disposition"] = f'inline; filename="otagai-report-{match.id}.pdf"'
        return response

    @idempotent
    @blp.arguments(
        ReportDraftSchema,
        examples={"report": {"value": DRAFT_EXAMPLE}, "incident": {"value": INCIDENT_EXAMPLE}},
    )
    @blp.response(201, ActivityReportSchema)
    @blp.alt_response(200, schema=ActivityReportSchema, description="A redraft replaced the draft.")
    @blp.problem(403, "Only the supporter drafts the report (`supporter_only`), or no profile.")
    @blp.problem(404, MATCH_NOT_VISIBLE)
    @blp.problem(
        409,
        "Before the match's start (`report_too_early`), the match was cancelled "
        "(`report_match_cancelled`), or the report is confirmed (`report_already_confirmed`).",
    )
    @blp.problem(
        422,
        "Invalid body (incident_text required with an incident); times not after each "
        "other, more than 6 hours from the scheduled ones, or in the future "
        "(`report_times_invalid`).",
    )
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> Any:
        """Draft the activity report (supporter)

        Once the match's start has passed, the supporter reports the actual times, what
        was done, and whether an incident happened. A draft may be replaced (200) until
        the requester's household confirms it; the first answers 201. An incident opens
        the match's insurance claim (once per match). Each draft is in the timeline.
        """
        report, created = reports.draft_report(current_actor(), match_id, **data)
        return reports.report_view(report), 201 if created else 200


@blp.route("/matches/<uuid:match_id>/report/confirm")
class MatchReportConfirmViews(Resource):
    @blp.arguments(
        ReportDecisionSchema,
        examples={
            "confirm": {"value": {"decision": "confirmed"}},
            "dispute": {"value": {"decision": "disputed", "comment": "終了時刻は23:00でした。"}},
        },
    )
    @blp.response(200, ActivityReportSchema)
    @blp.problem(403, "Only the requester's household decides (`requester_only`), or no profile.")
    @blp.problem(404, MATCH_NOT_VISIBLE + " Or no report yet (`report_not_found`).")
    @blp.problem(409, "The report is already confirmed (`report_already_confirmed`).")
    @blp.problem(422, "Invalid body (a comment is required to dispute).")
    def post(self, data: dict[str, Any], match_id: uuid.UUID) -> dict[str, Any]:
        """Confirm or dispute the activity report (requester's household)

        `confirmed` is final: the report can no longer change. `disputed`, with a
        comment, sends it back to the supporter, who may redraft it. Either is in the
        timeline.
        """
        report = reports.decide_report(current_actor(), match_id, **data)
        return reports.report_view(report)


@blp.route("/communities/<uuid:community_id>/activity-reports.csv")
class CommunityActivityReportsCsvViews(Resource):
    @blp.arguments(ActivityReportsCsvQuerySchema, location="query")
    @blp.response(
        200,
        content_type=CSV,
        description="UTF-8 with BOM, one row per report.",
        example="\ufeffマッチID,種類,予定開始,...\r\n",
    )
    @blp.doc(responses={"200": {"content": {CSV: {"schema": {"type": "string"}}}}})
    @blp.problem(403, "Not a coordinator of this community (`coordinator_only`).")
    @blp.problem(404, "No such community.")
    @blp.problem(422, "month is not YYYY-MM (2000-01 to 2100-12), or lang is unknown.")
    def get(self, args: dict[str, Any], community_id: uuid.UUID) -> Response:
        """Activity reports of a community for a month, as CSV (coordinators)

        One row per report of a match of the community scheduled to start in the month
        (Asia/Tokyo): the match id, kind, scheduled and actual start and end (Tokyo
        time), the supporter's and the requester's display names, the report's status
        and its incident flag (1/0). Nothing of the children, no addresses, and not the
        incident's text (sensitive, and a CSV leaves the service: the report and the
        insurance claim keep it).
        """
        body = activity_reports_csv(current_actor(), community_id, args["month"], args["lang"])
        response = Response(body, mimetype=CSV)
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{csv_filename(community_id, args["month"])}"'
        )
        return response
