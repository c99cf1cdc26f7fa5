"""Share series (定期のお願い): post a recurring request, read it, change one date, end it;
a supporter offers on the whole series, the requester accepts, the supporter may leave.
The rules: docs/share-series.md."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from flask import current_app

from otagai.api.share_series.schemas import (
    OccurrenceChangeSchema,
    SeriesLeaveSchema,
    SeriesOfferCreateSchema,
    SeriesOfferSchema,
    ShareSeriesCreateSchema,
    ShareSeriesSchema,
)
from otagai.domain.actors import require_user
from otagai.domain.series import occurrences, offers, services
from otagai.domain.series.models import ShareSeries
from otagai.domain.series.views import series_offer_view, series_view
from otagai.errors import NotFound
from otagai.extensions.api import Blueprint, Resource
from otagai.extensions.auth import current_actor
from otagai.extensions.idempotency import idempotent
from otagai.extensions.keyset import Page, aware_created_and_id, paginate
from otagai.extensions.limits import limited
from otagai.extensions.pagination import PageQueryArgsSchema, page_schema

blp = Blueprint("share_series", __name__, description="Share series (定期のお願い)")

NOT_VISIBLE = "No such series, or not one you may see."


def _horizon() -> timedelta:
    return timedelta(days=current_app.config["OTAGAI"].series_horizon_days)


def _view(series_id: uuid.UUID) -> dict[str, Any]:
    series, role = services.get_share_series(current_actor(), series_id)
    return series_view(series, role)


@blp.route("/share-series")
class ShareSeriesViews(Resource):
    @blp.arguments(PageQueryArgsSchema, location="query")
    @blp.response(200, page_schema(ShareSeriesSchema))
    @blp.problem(403, "Create your profile first.")
    def get(self, args: dict[str, Any]) -> Page[dict[str, Any]]:
        """My series: my household's, and those I support

        Newest first, each as `GET /v1/share-series/{id}` shows it to me.
        """
        user = require_user(current_actor())
        page = paginate(
            services.my_share_series_query(user),
            keys=[ShareSeries.created_at, ShareSeries.id],
            limit=args["limit"],
            cursor=args["cursor"],
            after=aware_created_and_id,
            descending=True,
        )

        # The query finds only these two: my household's, or one I support.
        def role(series: ShareSeries) -> str:
            mine = series.household_id == user.household_id
            return services.HOUSEHOLD if mine else services.SUPPORTER

        return page.map(lambda items: [series_view(s, role(s)) for s in items])

    @limited(blp, "share-requests")
    @idempotent
    @blp.arguments(
        ShareSeriesCreateSchema,
        examples={
            "weekly pickup": {
                "value": {
                    "kind": "pickup",
                    "community_id": "3f0c9a52-7a51-4d7e-9a0e-2b1f0c7d8e91",
                    "title": "毎週月曜の保育園のお迎え",
                    "starts_at": "2027-01-04T17:30:00+09:00",
                    "ends_at": "2027-01-04T18:30:00+09:00",
                    "location": {"lat": 35.8587, "lng": 139.6571},
                    "dropoff": {"lat": 35.8601, "lng": 139.6555},
                    "child_ids": ["8c1d3b4e-2f6a-4b7c-9d0e-1f2a3b4c5d6e"],
                    "rrule": "FREQ=WEEKLY;BYDAY=MO;UNTIL=20270329T235959Z",
                }
            }
        },
    )
    @blp.response(201, ShareSeriesSchema)
    @blp.problem(403, "No profile yet, or not a member of the community.")
    @blp.problem(404, "No such community.")
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Post a recurring request

        The fields of a share request (its times are the first occurrence's, in
        Asia/Tokyo) and a bounded RFC 5545 `rrule`. Japanese public holidays are skipped
        unless `include_holidays`. The dates within the next few weeks become share
        requests at once, later ones as they come near. Every broken rule is listed in
        `errors` (422).
        """
        series = services.create_share_series(current_actor(), horizon=_horizon(), **data)
        return series_view(series, services.HOUSEHOLD)


@blp.route("/share-series/<uuid:series_id>")
class ShareSeriesByIdViews(Resource):
    @blp.response(200, ShareSeriesSchema)
    @blp.problem(403, "Create your profile first.")
    @blp.problem(404, NOT_VISIBLE)
    def get(self, series_id: uuid.UUID) -> dict[str, Any]:
        """One series, its dates and their requests and matches

        For the requester's household, the series' supporter and a supporter with a live
        offer on it (offers are listed for the household only); anybody else gets 404.
        """
        return _view(series_id)


@blp.route("/share-series/<uuid:series_id>/occurrences/<string(length=10):on_date>")
class SeriesOccurrenceViews(Resource):
    @blp.arguments(
        OccurrenceChangeSchema,
        examples={
            "skip": {"value": {"skip": True}},
            "move": {
                "value": {
                    "starts_at": "2027-01-19T17:30:00+09:00",
                    "ends_at": "2027-01-19T18:30:00+09:00",
                }
            },
        },
    )
    @blp.response(200, ShareSeriesSchema)
    @blp.problem(403, "Not the requester (or no profile).")
    @blp.problem(404, NOT_VISIBLE + " Or no such date in it.")
    @blp.problem(409, "The series has ended, or the date has started or was cancelled.")
    def patch(self, data: dict[str, Any], series_id: uuid.UUID, on_date: str) -> Any:
        """Skip or move one date

        `{"skip": true}` skips it (its request, and a match on it, are cancelled);
        `{"skip": false}` puts a skipped date (or a public holiday) back. New `starts_at`
        and `ends_at` move it: its request is cancelled and a fresh one made, matched to
        the series' supporter when there is one. The date (YYYY-MM-DD) stays the one the
        rule gave.
        """
        try:
            day = date.fromisoformat(on_date)
        except ValueError:
            raise NotFound("series_occurrence_not_found") from None
        occurrences.change_occurrence(current_actor(), series_id, day, horizon=_horizon(), **data)
        return _view(series_id)


@blp.route("/share-series/<uuid:series_id>/end")
class SeriesEndViews(Resource):
    @blp.response(200, ShareSeriesSchema)
    @blp.problem(403, "Not the requester (or no profile).")
    @blp.problem(404, NOT_VISIBLE)
    @blp.problem(409, "Already ended.")
    def post(self, series_id: uuid.UUID) -> Any:
        """End the series

        Every date not yet started is cancelled, with its request and match; pending
        offers on the series are declined.
        """
        occurrences.end_series(current_actor(), series_id)
        return _view(series_id)


@blp.route("/share-series/<uuid:series_id>/offers")
class SeriesOffersViews(Resource):
    @limited(blp, "offers")
    @idempotent
    @blp.arguments(SeriesOfferCreateSchema, examples={"offer": {"value": {"note": "毎週行けます"}}})
    @blp.response(201, SeriesOfferSchema)
    @blp.problem(403, "Not a candidate of the series' next request (or no profile).")
    @blp.problem(404, NOT_VISIBLE)
    @blp.problem(409, "The series has a supporter, has ended, or you already offered.")
    def post(self, data: dict[str, Any], series_id: uuid.UUID) -> dict[str, Any]:
        """Offer to take the whole series

        Only a candidate of its next open request may (as for that request).
        """
        offer = offers.make_series_offer(current_actor(), series_id, note=data.get("note"))
        return series_offer_view(offer)


@blp.route("/share-series/<uuid:series_id>/offers/<uuid:offer_id>/accept")
class SeriesOfferAcceptViews(Resource):
    @blp.response(200, ShareSeriesSchema)
    @blp.problem(403, "Not the requester (or no profile).")
    @blp.problem(404, NOT_VISIBLE + " Or no such offer on it.")
    @blp.problem(409, "The series already has a supporter or ended, or the offer is not pending.")
    def post(self, series_id: uuid.UUID, offer_id: uuid.UUID) -> Any:
        """Accept an offer on the whole series

        One match per open date, each made like any accepted offer (with its own
        insurance tag, on its own date); dates made later are matched to the supporter as
        they come. A date the supporter cannot take stays open for others.
        """
        offers.accept_series_offer(current_actor(), series_id, offer_id)
        return _view(series_id)


@blp.route("/share-series/<uuid:series_id>/offers/<uuid:offer_id>/withdraw")
class SeriesOfferWithdrawViews(Resource):
    @blp.response(200, SeriesOfferSchema)
    @blp.problem(403, "Not the supporter who made the offer (or no profile).")
    @blp.problem(404, NOT_VISIBLE + " Or no such offer on it.")
    @blp.problem(409, "The offer is not pending.")
    def post(self, series_id: uuid.UUID, offer_id: uuid.UUID) -> Any:
        """Withdraw my pending offer on a series"""
        return series_offer_view(offers.withdraw_series_offer(current_actor(), series_id, offer_id))


@blp.route("/share-series/<uuid:series_id>/offers/<uuid:offer_id>/decline")
class SeriesOfferDeclineViews(Resource):
    @blp.response(200, SeriesOfferSchema)
    @blp.problem(403, "Not the requester (or no profile).")
    @blp.problem(404, NOT_VISIBLE + " Or no such offer on it.")
    @blp.problem(409, "The offer is not pending.")
    def post(self, series_id: uuid.UUID, offer_id: uuid.UUID) -> Any:
        """Decline a pending offer on my series (its supporter is told)"""
        return series_offer_view(offers.decline_series_offer(current_actor(), series_id, offer_id))


@blp.route("/share-series/<uuid:series_id>/leave")
class SeriesLeaveViews(Resource):
    @blp.arguments(SeriesLeaveSchema)
    @blp.response(200, ShareSeriesSchema)
    @blp.problem(403, "Not the series' supporter (or no profile).")
    @blp.problem(404, NOT_VISIBLE)
    def post(self, data: dict[str, Any], series_id: uuid.UUID) -> Any:
        """Leave a series I support

        My matches on dates not yet started are cancelled with my reason (the requester
        is told) and those dates get fresh open requests.
        """
        series = offers.leave_series(current_actor(), series_id, reason=data["reason"])
        return series_view(series, services.SUPPORTER)
