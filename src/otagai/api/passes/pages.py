"""The pickup pass page (issue 14): nursery staff, who have no account, scan the
supporter's QR code or open its link and see who is coming for which child, and when.

A plain Flask blueprint, not part of the JSON API (HTML is not in the OpenAPI spec), like
the municipal dashboard. The token in the URL is the only credential, so the page is
private: not stored, no referrer, not indexed, and a Content-Security-Policy that lets it
load nothing but its own stylesheet. While the pass is valid it shows only the
supporter's and the requester's display names, the children's nicknames, the window
(Asia/Tokyo) and the code; otherwise why it is not valid, and no names at all. Every
opening of a genuine token is recorded in the match's timeline (``passes.open_pass``).
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, current_app, render_template, request
from flask.views import MethodView

from otagai.config import Settings
from otagai.domain.clock import TOKYO
from otagai.domain.matches import passes
from otagai.errors import DomainError
from otagai.extensions.db import transactional
from otagai.extensions.limits import budgeted
from otagai.messages import title_for_status

pages = Blueprint(
    "pass_pages",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/pass-static",
)

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'none'; form-action 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
# Why a pass does not work, as the page says it.
NOT_VALID = {
    passes.NOT_YET_VALID: "まだ有効ではありません",
    passes.EXPIRED: "有効期限が切れました",
    passes.CANCELLED_PASS: "取り消されました",
}
WEEKDAYS = "月火水木金土日"


@pages.after_request
def _private(response: Response) -> Response:
    """The token is in the URL: nothing here may be cached, indexed or leak as a Referer."""
    if request.endpoint != "pass_pages.static":
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@pages.errorhandler(DomainError)
def _error_page(error: DomainError) -> tuple[str, int]:
    return (
        render_template(
            "passes/error.html", status=error.status, title=title_for_status(error.status, "ja")
        ),
        error.status,
    )


def tokyo_time(at: datetime) -> str:
    """``2026年12月3日(木) 15:00`` in Asia/Tokyo."""
    local = at.astimezone(TOKYO)
    return f"{local.year}年{local.month}月{local.day}日({WEEKDAYS[local.weekday()]}) {local:%H:%M}"


def tokyo_clock(at: datetime) -> str:
    return f"{at.astimezone(TOKYO):%H:%M}"


class PassPage(MethodView):
    decorators = [transactional]

    @budgeted("pass-page")
    def get(self, token: str) -> Response:
        settings: Settings = current_app.config["OTAGAI"]
        shown = passes.open_pass(token, secret=settings.pass_signing_secret)
        if shown["status"] != passes.VALID:
            html = render_template("passes/not_valid.html", reason=NOT_VALID[shown["status"]])
        else:
            html = render_template("passes/page.html", **shown)
        return Response(html, mimetype="text/html")


pages.add_url_rule("/pass/<string(maxlength=200):token>", view_func=PassPage.as_view("pass_page"))
pages.add_app_template_filter(tokyo_time, "pass_time")
pages.add_app_template_filter(tokyo_clock, "pass_clock")
