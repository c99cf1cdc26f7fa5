"""Insurance claims: an incident in an activity report opens one per match, tied to the
match's stored coverage tag; operators list them and move them along, every change
audited; nobody else may read or touch them."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from otagai.domain.audit.models import AuditEntry
from otagai.domain.insurance.models import InsuranceClaim
from tests.api.safety.pickup import another_pickup, pickup_world
from tests.api.safety.test_activity_report import decide, draft, timeline_types
from tests.factories import CommunityMemberFactory, InsurancePolicyFactory, UserFactory
from tests.helpers import assert_problem, unchanged

CLAIMS = "/v1/insurance-claims"
HURT = "公園で転んで膝をすりむきました。"


@pytest.fixture
def world(db, clock):
    """The pickup, tagged when confirmed with a policy covering the older child only."""
    world = pickup_world()
    policy = InsurancePolicyFactory()
    older, younger = world.children
    world.match.insurance = {
        "covered": False,
        "policy_id": str(policy.id),
        "policy_version": 1,
        "policy_name": policy.name,
        "policy_number": policy.policy_number,
        "kinds": ["pickup", "babysitting"],
        "limits": {"bodily_injury_jpy": 100_000_000},
        "computed_at": world.match.created_at.isoformat(),
        "children": [
            {"child_id": str(older.id), "age_on_activity_date": 5, "covered": True},
            {"child_id": str(younger.id), "age_on_activity_date": 0, "covered": False},
        ],
        "reasons": ["child_under_min_age"],
    }
    world.policy = policy
    db.flush()
    clock.set(world.end + timedelta(minutes=10))
    return world


@pytest.fixture
def operator(client_as):
    return client_as("claims-operator", operator=True)


def _claims(db, world) -> list[InsuranceClaim]:
    db.expire_all()
    return list(db.scalars(select(InsuranceClaim).where(InsuranceClaim.match_id == world.match.id)))


def _open(client_as, world, text=HURT):
    response = draft(client_as, world.supporter, world, incident=True, incident_text=text)
    assert response.status_code in (200, 201), response.get_json()


# --- an incident opens a claim -------------------------------------------------------------


def test_incident_opens_a_claim_tied_to_the_tag(client_as, world, db, clock):
    _open(client_as, world)
    (claim,) = _claims(db, world)
    assert (claim.status, claim.opened_at, claim.incident_text) == ("open", clock.at, HURT)
    assert (claim.policy_id, claim.policy_version) == (world.policy.id, 1)
    assert claim.covered is False
    assert claim.covered_child_ids == [world.children[0].id]
    assert timeline_types(client_as, world).count("incident_reported") == 1


def test_no_incident_no_claim(client_as, world, db):
    draft(client_as, world.supporter, world)
    assert _claims(db, world) == []
    assert "incident_reported" not in timeline_types(client_as, world)


def test_redrafted_incident_keeps_one_claim_with_the_latest_text(client_as, world, db, clock):
    _open(client_as, world)
    clock.advance(minutes=5)
    _open(client_as, world, text="膝をすりむき、病院で消毒してもらいました。")
    decide(client_as, world.parent, world)
    (claim,) = _claims(db, world)
    assert claim.incident_text == "膝をすりむき、病院で消毒してもらいました。"
    assert claim.opened_at == clock.at - timedelta(minutes=5)
    assert timeline_types(client_as, world).count("incident_reported") == 1


def test_submitted_claim_keeps_the_text_it_was_sent_with(client_as, world, db, operator):
    _open(client_as, world)
    (claim,) = _claims(db, world)
    operator.patch(f"{CLAIMS}/{claim.id}", json={"status": "submitted"})
    _open(client_as, world, text="書き換えた内容")
    assert _claims(db, world)[0].incident_text == HURT


def test_incident_on_a_later_draft_opens_the_claim_then(client_as, world, db):
    draft(client_as, world.supporter, world)
    _open(client_as, world)
    assert len(_claims(db, world)) == 1


# --- operators -----------------------------------------------------------------------------


def test_operator_lists_claims_with_the_tag_and_the_text(client_as, world, operator):
    _open(client_as, world)
    response = operator.get(CLAIMS)
    assert response.status_code == 200
    (item,) = response.get_json()["items"]
    assert item["match_id"] == str(world.match.id)
    assert (item["status"], item["kind"], item["incident_text"]) == ("open", "pickup", HURT)
    assert (item["policy_id"], item["policy_version"]) == (str(world.policy.id), 1)
    assert item["policy_number"] == world.policy.policy_number
    assert item["covered_child_ids"] == [str(world.children[0].id)]
    assert item["supporter"]["id"] == str(world.supporter.id)
    assert item["requester"]["id"] == str(world.parent.id)
    # What happened to the children was read outside the household: in their access log.
    for child in world.children:
        log = client_as(world.parent).get(f"/v1/me/children/{child.id}/access-log").get_json()
        assert [(i["via"], i["shown"]) for i in log["items"]] == [("insurance_claim", ["incident"])]


def test_claims_are_filtered_by_status_and_paged_newest_first(client_as, world, operator, clock):
    _open(client_as, world)
    for other in (another_pickup(world), another_pickup(world)):
        clock.advance(minutes=1)
        _open(client_as, other)
    first = operator.get(f"{CLAIMS}?limit=2").get_json()
    second = operator.get(f"{CLAIMS}?limit=2&cursor={first['next_cursor']}").get_json()
    ids = [i["match_id"] for i in first["items"] + second["items"]]
    assert len(ids) == 3 and second["next_cursor"] is None
    assert ids[-1] == str(world.match.id)  # opened first, listed last
    claim = first["items"][0]["id"]
    operator.patch(f"{CLAIMS}/{claim}", json={"status": "rejected"})
    rejected = operator.get(f"{CLAIMS}?status=rejected").get_json()["items"]
    assert [i["id"] for i in rejected] == [claim]
    assert len(operator.get(f"{CLAIMS}?status=open").get_json()["items"]) == 2


def test_operator_moves_a_claim_along_and_each_change_is_audited(client_as, world, db, operator):
    _open(client_as, world)
    (claim,) = _claims(db, world)
    submitted = operator.patch(
        f"{CLAIMS}/{claim.id}",
        json={"status": "submitted", "insurer_reference": "事故受付番号 2026-123456"},
    )
    assert submitted.status_code == 200
    assert submitted.get_json()["status"] == "submitted"
    assert submitted.get_json()["updated_at"] is not None
    closed = operator.patch(f"{CLAIMS}/{claim.id}", json={"status": "closed", "note": "支払済み"})
    assert (closed.get_json()["status"], closed.get_json()["note"]) == ("closed", "支払済み")
    entries = list(
        db.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_id == str(claim.id))
            .order_by(AuditEntry.created_at, AuditEntry.id)
        )
    )
    assert [e.action for e in entries] == ["insurance_claim.update"] * 2
    assert {tuple(e.details["changed"]) for e in entries} == {
        ("status", "insurer_reference"),
        ("status", "note"),
    }
    assert all(e.actor_role == "operator" and e.target_type == "insurance_claim" for e in entries)
    assert {e.details["to"]["status"] for e in entries} == {"submitted", "closed"}


def test_patch_changing_nothing_audits_nothing(client_as, world, db, operator):
    _open(client_as, world)
    (claim,) = _claims(db, world)
    # The claim and the audit log stay as they were (the answer's read is in the children's
    # access log, as every read of a claim is).
    with unchanged(db, InsuranceClaim, AuditEntry):
        response = operator.patch(f"{CLAIMS}/{claim.id}", json={"status": "open"})
    assert response.status_code == 200


def test_closed_claim_status_is_final(client_as, world, db, operator):
    _open(client_as, world)
    (claim,) = _claims(db, world)
    operator.patch(f"{CLAIMS}/{claim.id}", json={"status": "closed"})
    with unchanged(db):
        response = operator.patch(f"{CLAIMS}/{claim.id}", json={"status": "open"})
    assert_problem(response, 409, "insurance_claim_finished")
    # Its note may still be kept up to date.
    assert operator.patch(f"{CLAIMS}/{claim.id}", json={"note": "再確認済み"}).status_code == 200


def test_submitted_claim_cannot_go_back_to_open(client_as, world, db, operator):
    _open(client_as, world)
    (claim,) = _claims(db, world)
    operator.patch(f"{CLAIMS}/{claim.id}", json={"status": "submitted"})
    with unchanged(db):
        response = operator.patch(f"{CLAIMS}/{claim.id}", json={"status": "open"})
    assert_problem(response, 422, "insurance_claim_status_invalid")


@pytest.mark.parametrize(
    "body", [{"status": "paid"}, {"insurer_reference": ""}, {"note": "x" * 2001}, {"match_id": "x"}]
)
def test_patch_with_an_invalid_body_is_422(client_as, world, db, operator, body):
    _open(client_as, world)
    (claim,) = _claims(db, world)
    with unchanged(db):
        response = operator.patch(f"{CLAIMS}/{claim.id}", json=body)
    assert_problem(response, 422, "validation_failed")


def test_patch_of_an_unknown_claim_is_404(operator, db):
    assert_problem(operator.patch(f"{CLAIMS}/{uuid.uuid4()}", json={"note": "x"}), 404)


# --- nobody else ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["supporter", "parent", "partner", "coordinator", "stranger"])
def test_claims_are_operators_only(client_as, world, db, who):
    _open(client_as, world)
    (claim,) = _claims(db, world)
    user = getattr(world, who, None)
    if who == "coordinator":
        user = UserFactory()
        CommunityMemberFactory(community=world.community, user=user, role="coordinator")
    user = user or UserFactory()
    assert_problem(client_as(user).get(CLAIMS), 403, "operator_only")
    with unchanged(db):
        response = client_as(user).patch(f"{CLAIMS}/{claim.id}", json={"status": "closed"})
    assert_problem(response, 403, "operator_only")
    # Not even an unknown id tells a non-operator anything.
    assert_problem(client_as(user).patch(f"{CLAIMS}/{uuid.uuid4()}", json={}), 403)
    assert db.scalar(select(func.count()).select_from(InsuranceClaim)) == 1
