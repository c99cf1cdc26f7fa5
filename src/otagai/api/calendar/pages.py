"""The calendar feed, ``GET /ical/<token>.ics``: for calendar apps, which subscribe with a
URL and no account, so the token is the only credential (docs/share-series.md). A plain
Flask blueprint outside /v1 (text/calendar is not in the OpenAPI spec), like the pass
page. Private: not stored by caches, not indexed, no referrer. An unknown, revoked or
malformed token is the same bare 404, whoever asks.
"""

from __future__ import annotations

from flask import Blueprint, Response
from flask.views import MethodView

from otagai.domain import clock
from otagai.domain.calendar.feed import calendar_of
from otagai.domain.calendar.tokens import user_of_token
from otagai.errors import DomainError
from otagai.extensions.db import transactional
from otagai.extensions.limits import budgeted

pages = Blueprint("calendar_pages", __name__)


@pages.after_request
def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@pages.errorhandler(DomainError)
def _error(error: DomainError) -> Response:
    return Response("", status=error.status, mimetype="text/plain")


class CalendarFeed(MethodView):
    decorators = [transactional]

    @budgeted("calendar-feed")
    def get(self, token: str) -> Response:
        user = user_of_token(token)
        if user is None:
            return Response("Not found\n", status=404, mimetype="text/plain")
        body = calendar_of(user, clock.now())
        response = Response(body, mimetype="text/calendar")
        response.headers["Content-Disposition"] = 'inline; filename="otagai.ics"'
        return response


pages.add_url_rule(
    "/ical/<string(maxlength=100):token>.ics", view_func=CalendarFeed.as_view("calendar_feed")
)
