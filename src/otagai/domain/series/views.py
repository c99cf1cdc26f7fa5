"""A series as its readers get it: the rule, its dates and, per date, the request and the
match made for it (ids and statuses: a request's own answer says the rest, at the
detail its reader may see). No children, no places, no notes here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from otagai.domain.matches.models import Match
from otagai.domain.people.queries import people_by_id
from otagai.domain.people.views import person
from otagai.domain.requests.models import ShareRequest
from otagai.domain.requests.status import effective_status
from otagai.domain.series.models import SeriesOffer, ShareSeries
from otagai.domain.series.services import HOUSEHOLD, occurrences_of
from otagai.extensions.db import session


def series_view(series: ShareSeries, role: str, now: datetime | None = None) -> dict[str, Any]:
    occurrences = occurrences_of(series.id)
    request_ids = [o.request_id for o in occurrences if o.request_id is not None]
    requests = {
        r.id: r
        for r in session.scalars(select(ShareRequest).where(ShareRequest.id.in_(request_ids)))
    }
    matches = {
        m.request_id: m
        for m in session.scalars(select(Match).where(Match.request_id.in_(request_ids)))
    }
    offers = (
        list(
            session.scalars(
                select(SeriesOffer)
                .where(SeriesOffer.series_id == series.id)
                .order_by(SeriesOffer.created_at, SeriesOffer.id)
            )
        )
        if role == HOUSEHOLD
        else []
    )
    people = people_by_id(
        [series.requester_id, series.supporter_id, *(o.supporter_id for o in offers)]
    )
    out = []
    for o in occurrences:
        request = requests.get(o.request_id) if o.request_id is not None else None
        match = matches.get(o.request_id) if o.request_id is not None else None
        out.append(
            {
                "date": o.on_date,
                "starts_at": o.starts_at,
                "ends_at": o.ends_at,
                "status": o.status,
                "moved": o.moved,
                "failure": o.failure,
                "request_id": o.request_id,
                "request_status": effective_status(request, now) if request else None,
                "match_id": match.id if match else None,
                "match_status": match.status if match else None,
            }
        )
    return {
        "id": series.id,
        "kind": series.kind,
        "title": series.title,
        "community_id": series.community_id,
        "rrule": series.rrule,
        "include_holidays": series.include_holidays,
        "starts_at": series.starts_at,
        "ends_at": series.ends_at,
        "status": series.status,
        "viewer_role": role,
        "requester": person(series.requester_id, people.get(series.requester_id)),
        "supporter": (
            person(series.supporter_id, people.get(series.supporter_id))
            if series.supporter_id
            else None
        ),
        "occurrences": out,
        "offers": [
            {
                "id": f.id,
                "supporter": person(f.supporter_id, people.get(f.supporter_id)),
                "note": f.note,
                "status": f.status,
                "created_at": f.created_at,
            }
            for f in offers
        ],
        "created_at": series.created_at,
        "ended_at": series.ended_at,
    }


def series_offer_view(offer: SeriesOffer) -> dict[str, Any]:
    people = people_by_id([offer.supporter_id])
    return {
        "id": offer.id,
        "series_id": offer.series_id,
        "supporter": person(offer.supporter_id, people.get(offer.supporter_id)),
        "note": offer.note,
        "status": offer.status,
        "created_at": offer.created_at,
    }
