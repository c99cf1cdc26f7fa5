"""Share requests and offers as the API shows them (plain data; the API schema renders
them): a request at the detail its reader may see (``visibility.py`` decides who that
is), and offers with the insurance preview."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from otagai.domain import clock
from otagai.domain.communities.queries import community_names
from otagai.domain.insurance.coverage import coverage_tag
from otagai.domain.matches.models import Match
from otagai.domain.matching.candidates import activity_day, count_candidates
from otagai.domain.matching.views import RequestChild, age_band, children_of, children_summary
from otagai.domain.people.access_log import VIA_SHARE_REQUEST, log_child_reads
from otagai.domain.people.ages import age_on
from otagai.domain.people.models import User
from otagai.domain.people.queries import people_by_id
from otagai.domain.people.views import person, stub
from otagai.domain.requests.ladder import rung_view
from otagai.domain.requests.models import AUDIENCE_WIDENING, OFFER_PENDING, Offer, ShareRequest
from otagai.domain.requests.queries import request_children
from otagai.domain.requests.status import effective_status, is_effectively_open
from otagai.domain.sharing.offers import effective_offer_status
from otagai.domain.sharing.visibility import (
    HOUSEHOLD,
    PAST_SUPPORTER,
    SUPPORTER,
    Viewer,
    notes_visible,
)
from otagai.domain.thanks.recommend import recommended_thank_you
from otagai.domain.trust.background_checks import confirmed_supporters
from otagai.extensions.db import session

# --- requests ----------------------------------------------------------------------------


def _children_detail(
    request: ShareRequest,
    children: Sequence[RequestChild],
    *,
    household: bool,
    notes: bool = True,
) -> dict[str, Any]:
    day = activity_day(request)
    items = []
    for c in children:
        age = age_on(c.birth_date, day) if c.birth_date is not None else None
        item: dict[str, Any] = {
            "id": c.id,
            "nickname": c.nickname,
            "age": age,
            "age_band": age_band(age) if age is not None else None,
        }
        if household or notes:
            item["notes"] = c.notes
        if household:
            item["birth_date"] = c.birth_date
        items.append(item)
    return {**children_summary(request, children), "list": items}


def _pending_offer_counts(request_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, int]:
    ids = set(request_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(Offer.request_id, func.count())
        .where(Offer.request_id.in_(ids), Offer.status == OFFER_PENDING)
        .group_by(Offer.request_id)
    )
    return {request_id: n for request_id, n in rows}


def _matches_of(request_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Match]:
    ids = set(request_ids)
    if not ids:
        return {}
    return {
        m.request_id: m for m in session.scalars(select(Match).where(Match.request_id.in_(ids)))
    }


def _item(request: ShareRequest) -> dict[str, Any] | None:
    if request.item_category is None:
        return None
    return {"category": request.item_category, "description": request.item_description}


def _common(
    request: ShareRequest,
    role: str,
    users: dict[uuid.UUID, User],
    names: dict[uuid.UUID, str],
    now: datetime | None,
) -> dict[str, Any]:
    """What every reader sees."""
    recommended = recommended_thank_you(request.kind, request.starts_at, request.ends_at)
    return {
        "id": request.id,
        "viewer_role": role,
        "kind": request.kind,
        "status": effective_status(request, now),
        "title": request.title,
        "details": request.details,
        "starts_at": request.starts_at,
        "ends_at": request.ends_at,
        "item": _item(request),
        "audience": request.audience,
        "intended_thank_you_jpy": request.intended_thank_you_jpy,
        "recommended_thank_you": recommended,
        "requester": person(request.requester_id, users.get(request.requester_id)),
        "community": {"id": request.community_id, "name": names.get(request.community_id)},
        "created_at": request.created_at,
    }


def household_views(
    requests: Sequence[ShareRequest],
    *,
    now: datetime | None = None,
    with_candidate_count: bool = False,
) -> list[dict[str, Any]]:
    """Full views for the requester's household, batched for a page of requests."""
    ids = [r.id for r in requests]
    children = children_of(ids)
    matches = _matches_of(ids)
    offers = _pending_offer_counts(ids)
    users = people_by_id(
        [r.requester_id for r in requests] + [m.supporter_id for m in matches.values()]
    )
    names = community_names(r.community_id for r in requests)
    views = []
    for r in requests:
        match = matches.get(r.id)
        view = {
            **_common(r, HOUSEHOLD, users, names, now),
            "location": r.location,
            "dropoff": r.dropoff,
            "radius_m": r.radius_m,
            "children": _children_detail(r, children.get(r.id, []), household=True),
            "offers_count": offers.get(r.id, 0),
            "match_id": match.id if match else None,
            "supporter": person(match.supporter_id, users.get(match.supporter_id))
            if match
            else None,
            "cancel_reason": r.cancel_reason,
            "cancelled_at": r.cancelled_at,
            "series_id": r.series_id,
        }
        if r.audience == AUDIENCE_WIDENING:
            view["rung"] = rung_view(r)
        if with_candidate_count and is_effectively_open(r, now):
            view["candidate_count"] = count_candidates(r)
        views.append(view)
    return views


def request_view(request: ShareRequest, viewer: Viewer, now: datetime | None = None) -> Any:
    """One request as ``viewer`` may see it."""
    if viewer.role == HOUSEHOLD:
        return household_views([request], now=now, with_candidate_count=True)[0]
    users = people_by_id([request.requester_id])
    names = community_names([request.community_id])
    children = children_of([request.id]).get(request.id, [])
    view = _common(request, viewer.role, users, names, now)
    view["series_id"] = request.series_id
    if viewer.role == SUPPORTER:
        assert viewer.match is not None
        at = clock.now(now)
        with_notes = notes_visible(request, at)
        # Logged before the answer is built: if the log cannot be written, nothing shows.
        log_child_reads(
            [c.id for c in children],
            reader_id=viewer.match.supporter_id,
            via=VIA_SHARE_REQUEST,
            match_id=viewer.match.id,
            fields=("nickname", "age", "notes") if with_notes else ("nickname", "age"),
            at=at,
        )
        view.update(
            location=request.location,
            dropoff=request.dropoff,
            children=_children_detail(request, children, household=False, notes=with_notes),
            match_id=viewer.match.id,
        )
    else:
        view["children"] = children_summary(request, children)
        if viewer.role == PAST_SUPPORTER:
            assert viewer.match is not None
            view["match_id"] = viewer.match.id
        if viewer.candidate is not None:
            view["distance_m"] = viewer.candidate.distance_m
            if viewer.candidate.trust_tier == "friend_of_friend":
                # The same path read from their side: "a friend of <intermediary>".
                view["requester"] = stub(request.requester_id, None)
                view["friend_of"] = viewer.candidate.friend_of
    return view


# --- offers ------------------------------------------------------------------------------


def offer_views(
    request: ShareRequest,
    offers: Sequence[Offer],
    *,
    with_preview: bool = False,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """Offers as the API shows them. ``with_preview`` adds ``insurance_preview``: for a
    pending offer, the insurance tag accepting it would give (null otherwise)."""
    at = clock.now(now)
    people = people_by_id(o.supporter_id for o in offers)
    checked = confirmed_supporters(
        (o.supporter_id for o in offers), request.community_id, activity_day(request)
    )
    children = request_children([request.id]).get(request.id, []) if with_preview else []
    views = []
    for offer in offers:
        status = effective_offer_status(offer, request, at)
        view: dict[str, Any] = {
            "id": offer.id,
            "request_id": offer.request_id,
            "supporter": person(offer.supporter_id, people.get(offer.supporter_id)),
            "background_check_confirmed": offer.supporter_id in checked,
            "note": offer.note,
            "status": status,
            "created_at": offer.created_at,
            "decided_at": offer.decided_at,
        }
        if with_preview:
            view["insurance_preview"] = (
                coverage_tag(request, offer.supporter_id, children=children, computed_at=at)
                if status == OFFER_PENDING
                else None
            )
        views.append(view)
    return views


def offer_view(offer: Offer, now: datetime | None = None) -> dict[str, Any]:
    request = session.get_one(ShareRequest, offer.request_id)
    return offer_views(request, [offer], now=now)[0]
