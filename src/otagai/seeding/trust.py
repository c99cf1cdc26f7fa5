"""Demo trust network: certifications (with their history), events, attendance,
connections and blocks, dated relative to the day the seed runs."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from otagai.domain.clock import TOKYO, today_tokyo
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.trust.models import Block, Certification, CertificationChange, Connection
from otagai.extensions.geo import LatLng
from otagai.seeding.base import SeedReport, insert_once, seed_id


def _user(uid: str) -> uuid.UUID:
    return seed_id("user", uid)


def _at(day: date, clock: str = "10:00") -> datetime:
    hour, minute = (int(p) for p in clock.split(":"))
    return datetime.combine(day, time(hour, minute), TOKYO).astimezone(UTC)


def _certifications(
    report: SeedReport, items: list[dict[str, Any]], communities: Any, today: date
) -> None:
    for item in items:
        cert_id = seed_id("certification", item["community"], item["user"])
        trained_on = today - timedelta(days=item["trained_days_ago"])
        granted_at = _at(trained_on, "17:00")
        revoked = item.get("revoked")
        terms = {
            "kinds": item["kinds"],
            "trained_on": trained_on.isoformat(),
            "expires_on": (today + timedelta(days=item["expires_in_days"])).isoformat(),
        }
        revoked_at = _at(today - timedelta(days=revoked["days_ago"])) if revoked else None
        insert_once(
            report,
            "certifications",
            Certification,
            id=cert_id,
            community_id=communities[item["community"]],
            user_id=_user(item["user"]),
            kinds=item["kinds"],
            trained_on=trained_on,
            expires_on=date.fromisoformat(terms["expires_on"]),
            granted_by_id=_user(item["granted_by"]),
            granted_at=granted_at,
            revoked_at=revoked_at,
            revoked_by_id=_user(revoked["by"]) if revoked else None,
            revoke_reason=revoked["reason"] if revoked else None,
        )
        insert_once(
            report,
            "certification_changes",
            CertificationChange,
            id=seed_id("certification-change", str(cert_id), "granted"),
            certification_id=cert_id,
            action="granted",
            actor_id=_user(item["granted_by"]),
            at=granted_at,
            details=terms,
        )
        if revoked:
            insert_once(
                report,
                "certification_changes",
                CertificationChange,
                id=seed_id("certification-change", str(cert_id), "revoked"),
                certification_id=cert_id,
                action="revoked",
                actor_id=_user(revoked["by"]),
                at=revoked_at,
                details={"reason": revoked["reason"]},
            )


def _events(
    report: SeedReport, items: list[dict[str, Any]], communities: Any, today: date
) -> dict[str, uuid.UUID]:
    events: dict[str, uuid.UUID] = {}
    for item in items:
        event_id = events[item["key"]] = seed_id("event", item["key"])
        starts_at = _at(today - timedelta(days=item["starts_days_ago"]), item["start_time"])
        place = item["place"]
        insert_once(
            report,
            "events",
            Event,
            id=event_id,
            community_id=communities[item["community"]],
            title=item["title"],
            description=item.get("description"),
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=item["duration_hours"]),
            place=LatLng(place["lat"], place["lng"]).to_element(),
            place_name=item.get("place_name"),
            created_by_id=_user(item["created_by"]),
        )
        for uid in item.get("attendees") or []:
            insert_once(
                report,
                "event_attendances",
                EventAttendance,
                event_id=event_id,
                user_id=_user(uid),
                recorded_by_id=_user(item["created_by"]),
                recorded_at=starts_at + timedelta(hours=1),
            )
    return events


def load_trust(report: SeedReport, data: dict[str, Any], communities: Any) -> None:
    today = today_tokyo()
    _certifications(report, data.get("certifications") or [], communities, today)
    events = _events(report, data.get("events") or [], communities, today)
    for item in data.get("connections") or []:
        low, high = sorted(_user(uid) for uid in item["users"])
        insert_once(
            report,
            "connections",
            Connection,
            user_low_id=low,
            user_high_id=high,
            event_id=events[item["event"]] if item.get("event") else None,
        )
    for item in data.get("blocks") or []:
        insert_once(
            report,
            "blocks",
            Block,
            blocker_id=_user(item["blocker"]),
            blocked_id=_user(item["blocked"]),
        )
