"""Loads the demo data in seeds/ (YAML). Idempotent: ids derive from the files' keys, and
rows that exist are left as they are, so a second run changes nothing."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from otagai.domain.communities.attribution import attribute_households_in
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
from otagai.seeding.base import SeedReport, geojson, insert_once, load_yaml, seed_id
from otagai.seeding.insurance import load_insurance
from otagai.seeding.requests import load_requests
from otagai.seeding.trust import load_trust


def _user(report: SeedReport, member: dict[str, Any], household_id: uuid.UUID) -> uuid.UUID:
    user_id = seed_id("user", member["uid"])
    home = member.get("home")
    insert_once(
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


def default_seeds_dir() -> Path:
    return Path(__file__).resolve().parents[3] / "seeds"


def load_seeds(directory: Path | None = None) -> SeedReport:
    directory = directory or default_seeds_dir()
    report = SeedReport()
    for item in load_yaml(directory / "municipalities.yaml")["municipalities"]:
        insert_once(
            report,
            "municipalities",
            Municipality,
            code=item["code"],
            name_ja=item["name_ja"],
            name_en=item["name_en"],
            boundary=func.ST_Multi(geojson(item["boundary"])),
        )
    communities: dict[str, uuid.UUID] = {}
    for item in load_yaml(directory / "communities.yaml")["communities"]:
        communities[item["key"]] = seed_id("community", item["key"])
        insert_once(
            report,
            "communities",
            Community,
            id=communities[item["key"]],
            municipality_code=item["municipality_code"],
            name=item["name"],
            description=item.get("description"),
            area=geojson(item["area"]),
        )
    people = load_yaml(directory / "households.yaml")
    for operator in people.get("operators", []):
        household_id = seed_id("household", "operator", operator["uid"])
        insert_once(report, "households", Household, id=household_id)
        _user(report, operator, household_id)
    for household in people["households"]:
        household_id = seed_id("household", household["key"])
        insert_once(report, "households", Household, id=household_id)
        for member in household["members"]:
            user_id = _user(report, member, household_id)
            coordinator_of = set(member.get("coordinator_of") or [])
            for key in set(member.get("communities") or []) | coordinator_of:
                insert_once(
                    report,
                    "community_members",
                    CommunityMember,
                    community_id=communities[key],
                    user_id=user_id,
                    role=ROLE_COORDINATOR if key in coordinator_of else ROLE_MEMBER,
                )
        for child in household.get("children") or []:
            insert_once(
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
    for code in session.scalars(select(Municipality.code)):
        attribute_households_in(code)
    trust_file = directory / "trust.yaml"
    if trust_file.exists():
        load_trust(report, load_yaml(trust_file), communities)
        session.flush()
    insurance_file = directory / "insurance.yaml"
    if insurance_file.exists():
        load_insurance(report, load_yaml(insurance_file))
    requests_file = directory / "requests.yaml"
    if requests_file.exists():
        load_requests(report, load_yaml(requests_file), communities)
    return report


def demo_uids() -> list[str]:
    return list(
        session.scalars(
            select(User.firebase_uid)
            .where(User.firebase_uid.like("demo-%"))
            .order_by(User.firebase_uid)
        )
    )
