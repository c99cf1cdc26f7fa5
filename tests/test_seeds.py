"""The demo data (seeds/*.yaml): loads, loads again without changing anything, and makes
geographic sense. Each test loads it inside its own rolled-back transaction."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select, text

from otagai.domain.clock import today_tokyo
from otagai.domain.communities.models import Community, CommunityMember, Municipality
from otagai.domain.events.models import Event, EventAttendance
from otagai.domain.insurance.models import InsurancePolicy
from otagai.domain.matches.models import Match
from otagai.domain.people.ages import age_on
from otagai.domain.people.models import Child, Household, User
from otagai.domain.requests.models import Offer, ShareRequest, ShareRequestChild
from otagai.domain.requests.status import effective_status
from otagai.domain.trust.models import Block, Certification, CertificationChange, Connection
from otagai.extensions.db import session
from otagai.seeding import default_seeds_dir, load_seeds

MODELS = {
    "municipalities": Municipality,
    "communities": Community,
    "households": Household,
    "users": User,
    "community_members": CommunityMember,
    "children": Child,
    "certifications": Certification,
    "certification_changes": CertificationChange,
    "events": Event,
    "event_attendances": EventAttendance,
    "connections": Connection,
    "blocks": Block,
    "insurance_policies": InsurancePolicy,
    "share_requests": ShareRequest,
    "share_request_children": ShareRequestChild,
    "offers": Offer,
    "matches": Match,
}
# seeds/households.yaml states its ages as of this day.
REFERENCE_DAY = dt.date(2026, 11, 23)


def _yaml(name: str) -> Any:
    return yaml.safe_load((default_seeds_dir() / name).read_text(encoding="utf-8"))


def _load() -> dict[str, int]:
    """What ``flask seed`` does: load, then commit (here: release the app's savepoint)."""
    created = load_seeds().created
    session.commit()
    return created


def _counts(db: Any) -> dict[str, int]:
    return {kind: db.scalar(select(func.count()).select_from(m)) for kind, m in MODELS.items()}


def _trust_counts(trust: dict[str, Any]) -> dict[str, int]:
    certifications = trust["certifications"]
    return {
        "certifications": len(certifications),
        # a grant each, and a revocation for the revoked ones
        "certification_changes": len(certifications)
        + sum(1 for c in certifications if c.get("revoked")),
        "events": len(trust["events"]),
        "event_attendances": sum(len(e.get("attendees") or []) for e in trust["events"]),
        "connections": len(trust["connections"]),
        "blocks": len(trust["blocks"]),
    }


def _request_counts(data: dict[str, Any]) -> dict[str, int]:
    requests = data["requests"]
    return {
        "share_requests": len(requests),
        "share_request_children": sum(len(r.get("children") or []) for r in requests),
        # listed offers, plus the accepted offer behind each match
        "offers": sum(len(r.get("offers") or []) + bool(r.get("match")) for r in requests),
        "matches": sum(1 for r in requests if r.get("match")),
    }


@pytest.fixture
def seeded(app_context, db) -> dict[str, int]:
    """Loads the seeds once; answers what the load created."""
    return _load()


def test_load_seeds_creates_every_row_of_the_files(app_context, db):
    before = _counts(db)
    created = _load()
    people = _yaml("households.yaml")
    households = people["households"]
    assert created == {
        "municipalities": len(_yaml("municipalities.yaml")["municipalities"]),
        "communities": len(_yaml("communities.yaml")["communities"]),
        "households": len(households) + len(people["operators"]),
        "users": sum(len(h["members"]) for h in households) + len(people["operators"]),
        "community_members": sum(
            len(set(m.get("communities") or []) | set(m.get("coordinator_of") or []))
            for h in households
            for m in h["members"]
        ),
        "children": sum(len(h.get("children") or []) for h in households),
        **_trust_counts(_yaml("trust.yaml")),
        **_request_counts(_yaml("requests.yaml")),
        "insurance_policies": len(_yaml("insurance.yaml")["policies"]),
    }
    after = _counts(db)
    assert {kind: after[kind] - before[kind] for kind in MODELS} == created


def test_load_seeds_second_run_creates_nothing(seeded, db):
    counts = _counts(db)
    again = _load()
    assert set(again) == set(MODELS)
    assert all(n == 0 for n in again.values()), again
    assert _counts(db) == counts


def test_seeds_have_about_thirty_households_with_children(seeded, db):
    assert 25 <= seeded["households"] <= 40
    with_children = db.scalar(select(func.count(func.distinct(Child.household_id))))
    assert with_children >= 20


def test_seeded_municipality_is_saitama_with_a_valid_boundary(seeded, db):
    (city,) = db.scalars(select(Municipality)).all()
    assert (city.code, city.name_ja, city.name_en) == ("111007", "さいたま市", "Saitama")
    valid, reason = db.execute(
        select(func.ST_IsValid(Municipality.boundary), func.ST_IsValidReason(Municipality.boundary))
    ).one()
    assert valid, reason


def test_seeded_communities_lie_within_their_municipality(seeded, db):
    rows = db.execute(
        select(
            Community.name,
            func.ST_IsValid(Community.area),
            func.ST_Within(Community.area, Municipality.boundary),
        ).join(Municipality, Municipality.code == Community.municipality_code)
    ).all()
    assert len(rows) == seeded["communities"] >= 2
    assert [name for name, valid, within in rows if not (valid and within)] == []


def test_seeded_homes_lie_within_the_municipality(seeded, db):
    rows = db.execute(
        text(
            "SELECT u.firebase_uid, ST_Within(u.home::geometry, m.boundary) "
            "FROM users u CROSS JOIN municipalities m WHERE u.home IS NOT NULL"
        )
    ).all()
    assert len(rows) >= 30
    outside = [uid for uid, within in rows if not within]
    assert len(outside) <= len(rows) // 10, outside


def test_seeded_homes_and_requests_have_public_points_at_least_110_m_off(seeded, db):
    offsets = (
        db.execute(
            text(
                "SELECT ST_Distance(home, public_home) FROM users WHERE home IS NOT NULL "
                "UNION ALL SELECT ST_Distance(location, public_location) FROM share_requests"
            )
        )
        .scalars()
        .all()
    )
    assert len(offsets) >= 30
    assert all(110 <= m <= 340 for m in offsets), sorted(offsets)[:3]


def test_seeded_children_have_varied_ages(seeded, db):
    births = db.scalars(select(Child.birth_date)).all()
    ages = sorted(age_on(b, REFERENCE_DAY) for b in births)
    assert len(set(ages)) >= 10, ages
    assert ages[0] <= 1  # babies
    assert any(3 <= a <= 5 for a in ages)  # nursery
    assert any(6 <= a <= 12 for a in ages)  # primary school
    assert ages[-1] <= 18


def test_seeded_users_are_all_demo_accounts(seeded, db):
    uids = db.scalars(select(User.firebase_uid)).all()
    assert all(uid.startswith("demo-") for uid in uids)
    assert "demo-operator" in uids
    assert "demo-sato-mika" in uids


def test_flask_seed_command_prints_what_it_created(app, connection):
    result = app.test_cli_runner().invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    assert re.fullmatch(r"seed: created (\w+=\d+)(, \w+=\d+)*", line), line
    created = dict(pair.split("=") for pair in line.removeprefix("seed: created ").split(", "))
    assert set(created) == set(MODELS)
    assert created["municipalities"] == "1"
    assert int(created["households"]) >= 25


def test_flask_seed_command_second_run_prints_all_zeros(app, connection):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed"]).exit_code == 0
    result = runner.invoke(args=["seed"])
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    counts = dict(pair.split("=") for pair in line.removeprefix("seed: created ").split(", "))
    assert set(counts) == set(MODELS)
    assert set(counts.values()) == {"0"}


def test_seeded_certifications_show_every_state_today(seeded, db):
    today = today_tokyo()
    certifications = db.scalars(select(Certification)).all()
    valid = [c for c in certifications if c.valid_on(today)]
    revoked = [c for c in certifications if c.revoked_at is not None]
    expired = [c for c in certifications if c.revoked_at is None and c.expires_on < today]
    assert len(valid) >= 10
    assert len(revoked) == 1
    assert len(expired) >= 2
    # the SQL form of the rule agrees with the Python one on the seeded rows
    in_sql = db.scalars(select(Certification.id).where(Certification.valid_on(today))).all()
    assert set(in_sql) == {c.id for c in valid}


def test_seeded_events_include_past_and_upcoming(seeded, db):
    now = dt.datetime.now(dt.UTC)
    starts = db.scalars(select(Event.starts_at)).all()
    assert any(s < now for s in starts) and any(s > now for s in starts)


def test_seeded_requests_show_every_state_today(seeded, db):
    statuses = {effective_status(r) for r in db.scalars(select(ShareRequest))}
    assert statuses == {"open", "matched", "completed", "cancelled", "expired"}


def test_seeded_matches_carry_an_insurance_tag_of_the_demo_policy(seeded, db):
    demo = db.scalars(select(InsurancePolicy)).one()
    tags = db.execute(
        select(ShareRequest.kind, Match.insurance).join(
            ShareRequest, ShareRequest.id == Match.request_id
        )
    ).all()
    assert tags and all(t["policy_id"] == str(demo.id) for _, t in tags)
    assert all(t["policy_version"] == demo.version for _, t in tags)
    # lending is not in the demo policy; the other seeded matches are covered
    assert {kind: t["covered"] for kind, t in tags} == {
        "pickup": True,
        "babysitting": True,
        "lending": False,
    }
    assert all(t["reasons"] == ["kind_not_covered"] for kind, t in tags if kind == "lending")
