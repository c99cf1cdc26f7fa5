"""The municipal dashboard page (issue 7): municipal staff open a signed link in a browser
and see their municipality's monthly figures, charts and a CSV download.

A plain Flask blueprint, not part of the JSON API (HTML is not in the OpenAPI spec). The
link's token is the only credential (a browser sends no API key), so every answer here is
private: not stored, no referrer, and a Content-Security-Policy that lets the page load
nothing but its own scripts and styles. The charts are drawn by a vendored, version-pinned
Chart.js (static/vendor/README.md), never a CDN. A suppressed figure (``null`` in the
report) stays a gap in the charts and reads 非公開 in the tables: it is not a zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for

from otagai.api.statistics.routes import csv_download
from otagai.config import Settings
from otagai.domain.clock import TOKYO, today_tokyo
from otagai.domain.partners.dashboard_links import MAX_AGE, verify_link
from otagai.domain.statistics.definitions import COLUMN_LABELS, KIND_LABELS, pick
from otagai.domain.statistics.months import Month
from otagai.domain.statistics.service import municipal_statistics
from otagai.domain.statistics.suppression import TOTAL
from otagai.errors import BadRequest, DomainError, Forbidden
from otagai.extensions.db import reads_from_replica
from otagai.messages import detail_for, title_for_status

pages = Blueprint(
    "dashboard_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/dashboard-static",
)

CHART_JS = "vendor/chart.js-4.6.1.umd.min.js"
# Only this origin's scripts and styles; no inline script or style, no frames, no forms
# elsewhere. The chart data travels in a <script type="application/json"> block, which
# is data, not script.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DEFAULT_MONTHS = 12
LANGS = ("ja", "en")

UNITS: dict[str, str] = {
    "resolution_rate": "%",
    "households_registered": "世帯",
    "households_active": "世帯",
    "certified_supporters": "人",
    "events_held": "回",
    "event_attendances": "人",
    "thank_you_total_jpy": "円",
}
# The latest month's totals shown as numbers at the top of the page.
KEY_FIGURES = (
    "requests_posted",
    "requests_matched",
    "resolution_rate",
    "households_registered",
    "certified_supporters",
    "events_held",
)
# (id, metric, title): one line chart per metric, one line per kind.
CHARTS = (
    ("requests", "requests_posted", "依頼の投稿数（種類別）"),
    ("matches", "requests_matched", "成立した依頼の数（種類別）"),
    ("resolution", "resolution_rate", "解決率（種類別、成立 ÷ 投稿）"),
)


@pages.after_request
def _private(response: Response) -> Response:
    """The token is in the URL: nothing here may be cached or leak through a Referer."""
    if request.endpoint != "dashboard_pages.static":
        response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@pages.errorhandler(DomainError)
def _error_page(error: DomainError) -> tuple[str, int]:
    """Errors of these pages are pages too (the API's problem+json is for programs)."""
    html = render_template(
        "dashboard/error.html",
        status=error.status,
        title=title_for_status(error.status, "ja"),
        detail=detail_for(error.code, "ja"),
        link_invalid=error.status == 403,
        link_minutes=int(MAX_AGE.total_seconds() // 60),
    )
    return html, error.status


@pages.get("/municipalities/<string(maxlength=32):code>/dashboard")
@reads_from_replica
def dashboard(code: str) -> Response:
    token = _require_link(code)
    first, last = requested_range(request.args, today=today_tokyo())
    report = municipal_statistics(code, first, last, lang="ja")
    # "from" is a Python keyword: the query goes in as a dict.
    query: dict[str, Any] = {"token": token, "from": str(first), "to": str(last), "lang": "ja"}
    csv_url = url_for(".dashboard_csv", code=code, **query)
    html = render_template(
        "dashboard/page.html",
        chart_js=CHART_JS,
        csv_url=csv_url,
        token=token,
        **dashboard_context(report, now=datetime.now(TOKYO)),
    )
    return Response(html, mimetype="text/html")


@pages.get("/municipalities/<string(maxlength=32):code>/dashboard.csv")
@reads_from_replica
def dashboard_csv(code: str) -> Response:
    _require_link(code)
    first, last = requested_range(request.args, today=today_tokyo())
    lang = request.args.get("lang", "ja")
    if lang not in LANGS:
        raise BadRequest()
    return csv_download(municipal_statistics(code, first, last, lang=lang), lang)


def _require_link(code: str) -> str:
    """The request's token, when it is a valid, unexpired link to this municipality."""
    token = request.args.get("token", "")
    settings: Settings = current_app.config["OTAGAI"]
    if not token or not verify_link(token, code, secret=settings.dashboard_link_signing_secret):
        raise Forbidden()
    return token


def requested_range(args: Mapping[str, str], *, today: date) -> tuple[Month, Month]:
    """``from`` and ``to`` (``YYYY-MM``): by default the last 12 months up to the current
    month (``today`` is a date in Asia/Tokyo); a missing ``from`` is 11 months before
    ``to``. Whether the range is allowed is the statistics' rule, not this page's."""
    first, last = _month_arg(args, "from"), _month_arg(args, "to")
    last = last or Month(today.year, today.month)
    return first or last.plus(1 - DEFAULT_MONTHS), last


def _month_arg(args: Mapping[str, str], name: str) -> Month | None:
    value = args.get(name)
    if not value:
        return None
    try:
        return Month.parse(value)
    except ValueError:
        raise BadRequest() from None


def dashboard_context(report: Mapping[str, Any], *, now: datetime) -> dict[str, Any]:
    """What the template shows, from a statistics report (see domain/statistics): the
    latest month's key figures, one chart per metric in CHARTS, and the definitions.
    ``None`` stays ``None`` all the way to the browser; a cell the report lists in
    ``suppressed`` is told apart from one that has no value (a rate without requests)."""
    months: list[Mapping[str, Any]] = report["months"]
    hidden = set(report.get("suppressed", []))
    kinds = list(months[0]["by_kind"]) if months else []
    latest = months[-1] if months else None
    charts = [_chart(spec, months, kinds, hidden) for spec in CHARTS]
    labels = [m["month"] for m in months]
    return {
        "municipality": report["municipality"],
        "first": report["from"],
        "last": report["to"],
        "month_labels": labels,
        "latest_month": latest["month"] if latest else None,
        "latest_is_current": bool(latest and latest["month"] == f"{now:%Y-%m}"),
        "key_figures": [_key_figure(metric, latest, hidden) for metric in KEY_FIGURES],
        "charts": charts,
        "chart_data": {"months": labels, "charts": charts},
        "definitions": [
            (label(metric), text) for metric, text in report.get("definitions", {}).items()
        ],
        "suppression": report.get("suppression"),
        "suppressed_count": len(hidden),
    }


def label(metric: str) -> str:
    """A figure's Japanese name, as the CSV's column header has it."""
    return pick(COLUMN_LABELS[metric], "ja")


def _key_figure(metric: str, latest: Mapping[str, Any] | None, hidden: set[str]) -> dict[str, Any]:
    value = latest["total"].get(metric) if latest else None
    return {
        "metric": metric,
        "label": label(metric),
        "value": format_value(metric, value),
        "suppressed": latest is not None and f"{latest['month']}.{TOTAL}.{metric}" in hidden,
        "missing": value is None,
        "unit": UNITS.get(metric, "件"),
    }


def _chart(
    spec: tuple[str, str, str],
    months: list[Mapping[str, Any]],
    kinds: list[str],
    hidden: set[str],
) -> dict[str, Any]:
    chart_id, metric, title = spec
    return {
        "id": chart_id,
        "metric": metric,
        "title": title,
        "unit": UNITS.get(metric, "件"),
        "series": [
            {
                "kind": kind,
                "label": pick(KIND_LABELS[kind], "ja"),
                "values": [_chart_value(metric, m["by_kind"][kind].get(metric)) for m in months],
                "suppressed": [f"{m['month']}.{kind}.{metric}" in hidden for m in months],
            }
            for kind in kinds
        ],
    }


def _chart_value(metric: str, value: float | None) -> float | None:
    if value is None:
        return None
    return round(value * 100, 1) if metric == "resolution_rate" else value


def format_value(metric: str, value: float | None) -> str:
    """A figure of the report as the page writes it: counts with thousands separators,
    rates as percentages; a suppressed figure as a dash (never as 0)."""
    if value is None:
        return "—"
    if metric == "resolution_rate":
        return f"{value * 100:.1f}"
    return f"{value:,}"


def chart_cell(value: float | None, unit: str) -> str:
    """A value of a chart's series (rates are already percentages) as its table writes it."""
    if value is None:
        return "—"
    return f"{value:.1f}" if unit == "%" else f"{value:,}"


def month_label(month: str) -> str:
    """``2026-04`` → ``2026年4月``."""
    year, number = month.split("-")
    return f"{int(year)}年{int(number)}月"


pages.add_app_template_filter(month_label, "dashboard_month")
pages.add_app_template_filter(chart_cell, "dashboard_cell")
