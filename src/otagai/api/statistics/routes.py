"""GET /v1/municipalities/{code}/stats: a partner municipality's monthly figures."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from otagai.api.statistics.schemas import StatsQuerySchema, StatsReportSchema
from otagai.domain.statistics.csv_export import csv_filename, report_csv
from otagai.domain.statistics.service import municipal_statistics
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.db import reads_from_replica
from otagai.extensions.partner_auth import partner_security, require_municipal_reader

blp = Blueprint(
    "statistics",
    __name__,
    url_prefix="/municipalities",
    public=True,
    description="Municipal statistics (API key of the municipality, or an operator)",
)

CSV = "text/csv"


@blp.before_request
def _reader_first() -> None:
    """Who is asking is settled before the query is even read: a caller without the
    right key or token learns nothing, not even which parameters were wrong."""
    code = (request.view_args or {}).get("code")
    if code is not None:
        require_municipal_reader(code)


def csv_download(report: dict[str, Any], lang: str) -> Response:
    """The report as a CSV attachment (also the dashboard page's download)."""
    response = Response(report_csv(report, lang), mimetype=CSV)  # text/*: charset=utf-8
    response.headers["Content-Disposition"] = f'attachment; filename="{csv_filename(report)}"'
    return response


def wants_csv(args: dict[str, Any]) -> bool:
    if args["format"]:
        return bool(args["format"] == "csv")
    best = request.accept_mimetypes.best_match(["application/json", CSV])
    return best == CSV


@blp.route("/<string(maxlength=32):code>/stats")
class MunicipalStatsViews(Resource):
    @partner_security(blp)
    @blp.arguments(StatsQuerySchema, location="query")
    @blp.response(200, StatsReportSchema)
    @blp.doc(
        responses={
            "200": {
                "content": {
                    "application/json": {"schema": StatsReportSchema},
                    CSV: {
                        "schema": {"type": "string"},
                        "example": "\ufeff月,種類,依頼数,...\r\n2026-04,合計,12,...\r\n",
                    },
                }
            }
        }
    )
    @blp.problem(404, "No municipality with this code.", code="municipality_not_found")
    @blp.problem(
        422,
        "`from`/`to` are not months as YYYY-MM, `to` is before `from`, the range is longer "
        "than 36 months (`statistics_range_too_long`), or `kind`/`format`/`lang` is unknown.",
    )
    @reads_from_replica
    def get(self, args: dict[str, Any], code: str) -> Any:
        """Monthly figures of a municipality

        Per month (Asia/Tokyo) from `from` to `to`, per kind and in total: every figure
        named in `definitions`, which says how each is counted. Activity counts where the
        household lived at the time. Counts from 1 to 4 are withheld (`null`, listed in
        `suppressed`), with a second count where a total would give one away, and rates
        and amounts built from them. CSV (UTF-8 with BOM) with `Accept: text/csv` or
        `format=csv`; `lang=ja` gives Japanese headers.
        """
        report = municipal_statistics(
            code, args["first"], args["last"], kind=args["kind"], lang=args["lang"]
        )
        if not wants_csv(args):
            return report
        response = Response(report_csv(report, args["lang"]), mimetype=CSV)
        response.headers["Content-Type"] = "text/csv; charset=utf-8"
        response.headers["Content-Disposition"] = f'attachment; filename="{csv_filename(report)}"'
        return response
