"""Demo share requests in every state (open, matched, completed, cancelled, expired),
with their offers and matches, dated relative to the day the seed runs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain.clock import TOKYO, today_tokyo
from otagai.domain.communities.attribution import municipality_of_user
from otagai.domain.insurance.coverage import coverage_tag
from otagai.domain.matches.models import CANCELLED as MATCH_CANCELLED
from otagai.domain.matches.models import COMPLETED as MATCH_COMPLETED
from otagai.domain.matches.models import Match
from otagai.domain.people.models import Child, User
from otagai.domain.requests.models import (
    AUDIENCE_COMMUNITY,
    OFFER_ACCEPTED,
    Offer,
    ShareRequest,
    ShareRequestChild,
)
from otagai.domain.requests.validation import DEFAULT_RADIUS_M
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng
from otagai.seeding.base import SeedReport, insert_once, seed_id


def _user(uid: str) -> uuid.UUID:
    return seed_id("user", uid)


def _at(day: date, clock: str) -> datetime:
    hour, minute = (int(p) for p in clock.split(":"))
    return datetime.combine(day, time(hour, minute), TOKYO).astimezone(UTC)


def _point(value: dict[str, float] | None) -> Any:
    return LatLng(value["lat"], value["lng"]).to_element() if value else None


def _children(requester: uuid.UUID, nicknames: list[str]) -> list[Child]:
    """The requester's household's children with these nicknames (seeded before)."""
    household_id = session.scalar(select(User.household_id).where(User.id == requester))
    found = {
        c.nickname: c
        for c in session.scalars(
            select(Child).where(Child.household_id == household_id, Child.nickname.in_(nicknames))
        )
    }
    missing = [n for n in nicknames if n not in found]
    if missing:
        raise ValueError(f"seeds/requests.yaml: unknown children {missing}")
    return [found[n] for n in nicknames]


def _insert_with_kind(report: SeedReport, model: Any, **values: Any) -> None:
    # insert_once's own ``kind`` parameter would swallow the row's kind column.
    stmt = insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    report.add(model.__tablename__, session.execute(stmt).first() is not None)


def offered_at_of(posted_at: datetime) -> datetime:
    return posted_at + timedelta(hours=3)


def _request(
    report: SeedReport, item: dict[str, Any], communities: Any, today: date, now: datetime
) -> None:
    key = item["key"]
    request_id = seed_id("share-request", key)
    requester = _user(item["requester"])
    day = today + timedelta(days=item["in_days"])
    starts_at = _at(day, item["start_time"])
    if "duration_days" in item:
        ends_at = starts_at + timedelta(days=item["duration_days"])
    else:
        ends_at = starts_at + timedelta(minutes=item["duration_minutes"])
    posted_at = min(now, starts_at) - timedelta(days=item["posted_days_ago"], hours=1)
    children = _children(requester, item.get("children") or [])
    household_id = session.scalar(select(User.household_id).where(User.id == requester))
    town = municipality_of_user(requester)
    town = municipality_of_user(requester)
    item_spec = item.get("item") or {}
    cancelled = item["status"] == "cancelled"
    _insert_with_kind(
        report,
        ShareRequest,
        id=request_id,
        requester_id=requester,
        household_id=household_id,
        community_id=communities[item["community"]],
        kind=item["kind"],
        title=item["title"],
        details=item.get("details"),
        starts_at=starts_at,
        ends_at=ends_at,
        location=_point(item["location"]),
        dropoff=_point(item.get("dropoff")),
        item_category=item_spec.get("category"),
        item_description=item_spec.get("description"),
        audience=item.get("audience", AUDIENCE_COMMUNITY),
        radius_m=item.get("radius_m", DEFAULT_RADIUS_M[item["kind"]]),
        intended_thank_you_jpy=item.get("intended_thank_you_jpy"),
        status=item["status"],
        municipality_code=town,
        matched_at=offered_at_of(posted_at) + timedelta(hours=2) if item.get("match") else None,
        cancel_reason=item.get("cancel_reason"),
        cancelled_at=posted_at + timedelta(days=1) if cancelled else None,
        created_at=posted_at,
    )
    for child in children:
        insert_once(
            report,
            "share_request_children",
            ShareRequestChild,
            request_id=request_id,
            child_id=child.id,
        )
    offered_at = offered_at_of(posted_at)
    for offer in item.get("offers") or []:
        insert_once(
            report,
            "offers",
            Offer,
            id=seed_id("offer", key, offer["supporter"]),
            request_id=request_id,
            supporter_id=_user(offer["supporter"]),
            municipality_code=municipality_of_user(_user(offer["supporter"])),
            note=offer.get("note"),
            status=offer["status"],
            decided_at=None if offer["status"] == "pending" else offered_at + timedelta(hours=2),
            created_at=offered_at,
        )
    match = item.get("match")
    if not match:
        return
    supporter = match["supporter"]
    offer_id = seed_id("offer", key, supporter)
    accepted_at = offered_at + timedelta(hours=2)
    insert_once(
        report,
        "offers",
        Offer,
        id=offer_id,
        request_id=request_id,
        supporter_id=_user(supporter),
        municipality_code=municipality_of_user(_user(supporter)),
        note=match.get("note"),
        status=OFFER_ACCEPTED,
        decided_at=accepted_at,
        created_at=offered_at,
    )
    insurance = coverage_tag(
        session.get_one(ShareRequest, request_id),
        _user(supporter),
        children=children,
        computed_at=accepted_at,
    )
    _insert_with_kind(
        report,
        Match,
        id=seed_id("match", key),
        request_id=request_id,
        offer_id=offer_id,
        requester_id=requester,
        requester_household_id=household_id,
        supporter_id=_user(supporter),
        starts_at=starts_at,
        ends_at=ends_at,
        status=match["status"],
        insurance=insurance,
        municipality_code=town,
        kind=item["kind"],
        insured=bool(insurance["covered"]),
        supporter_municipality_code=municipality_of_user(_user(supporter)),
        completed_at=ends_at if match["status"] == MATCH_COMPLETED else None,
        cancelled_at=posted_at + timedelta(days=1) if match["status"] == MATCH_CANCELLED else None,
        cancelled_by_id=requester if match["status"] == MATCH_CANCELLED else None,
        cancel_reason=item.get("cancel_reason") if match["status"] == MATCH_CANCELLED else None,
        created_at=accepted_at,
    )


def load_requests(report: SeedReport, data: dict[str, Any], communities: Any) -> None:
    today = today_tokyo()
    now = datetime.now(UTC)
    for item in data.get("requests") or []:
        _request(report, item, communities, today, now)
    session.flush()
