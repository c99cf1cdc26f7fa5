"""Loads the demo data in seeds/ (YAML). Idempotent: ids derive from the files' keys, and
rows that exist are left as they are, so a second run changes nothing."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert

from otagai.domain.communities.models import (
    ROLE_COORDINATOR,
    ROLE_MEMBER,
    Community,
    CommunityMember,
    Municipality,
)
from otagai.domain.people.models import Child, Household, User
from otagai.extensions.db import session
from otagai.extensions.geo import LatLng

NAMESPACE = uuid.UUID("6f1c7e58-3b0a-4f55-9a51-0d7c2f3e8a10")


def seed_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(parts))


def default_seeds_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "seeds"


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, inserted: bool) -> None:
        self.created[kind] = self.created.get(kind, 0) + int(inserted)


def _load(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _geojson(value: dict[str, Any]) -> Any:
    return func.ST_SetSRID(func.ST_GeomFromGeoJSON(json.dumps(value)), 4326)


def _insert(report: SeedReport, kind: str, model: Any, **values: Any) -> None:
    table = model.__table__
    stmt = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    report.add(kind, session.execute(stmt).first() is not None)


def _user(report: SeedReport, member: dict[str, Any], household_id: uuid.UUID) -> uuid.UUID:
    user_id = seed_id("user", member["uid"])
    home = member.get("home")
    _insert(
        report,
        "users",
        User,
        id=user_id,
        firebase_uid=member["uid"],
        display_name=member["display_name"],
        locale=member.get("locale", "ja"),
        household_id=household_id,
        home=LatLng(home["lat"], home["lng"]).to_element() if home else None,
    )
    return user_id


def load_seeds(directory: Path | None = None) -> SeedReport:
    directory = directory or default_seeds_dir()
    report = SeedReport()
    for item in _load(directory / "municipalities.yaml")["municipalities"]:
        _insert(
            report,
            "municipalities",
            Municipality,
            code=item["code"],
            name_ja=item["name_ja"],
            name_en=item["name_en"],
            boundary=func.ST_Multi(_geojson(item["boundary"])),
        )
    communities: dict[str, uuid.UUID] = {}
    for item in _load(directory / "communities.yaml")["communities"]:
        communities[item["key"]] = seed_id("community", item["key"])
        _insert(
            report,
            "communities",
            Community,
            id=communities[item["key"]],
            municipality_code=item["municipality_code"],
            name=item["name"],
            description=item.get("description"),
            area=_geojson(item["area"]),
        )
    people = _load(directory / "households.yaml")
    for operator in people.get("operators", []):
        household_id = seed_id("household", "operator", operator["uid"])
        _insert(report, "households", Household, id=household_id)
        _user(report, operator, household_id)
    for household in people["households"]:
        household_id = seed_id("household", household["key"])
        _insert(report, "households", Household, id=household_id)
        for member in household["members"]:
            user_id = _user(report, member, household_id)
            coordinator_of = set(member.get("coordinator_of") or [])
            for key in set(member.get("communities") or []) | coordinator_of:
                _insert(
                    report,
                    "community_members",
                    CommunityMember,
                    community_id=communities[key],
                    user_id=user_id,
                    role=ROLE_COORDINATOR if key in coordinator_of else ROLE_MEMBER,
                )
        for child in household.get("children") or []:
            _insert(
                report,
                "children",
                Child,
                id=seed_id("child", household["key"], child["nickname"]),
                household_id=household_id,
                nickname=child["nickname"],
                birth_date=child["birth_date"],
                notes=child.get("notes"),
            )
    session.flush()
    return report


def demo_uids() -> list[str]:
    return list(
        session.scalars(
            select(User.firebase_uid)
            .where(User.firebase_uid.like("demo-%"))
            .order_by(User.firebase_uid)
        )
    )
