"""Operators manage insurance policies: create (version 1), edit (a new version), read, list.
Everybody else gets 403; invalid terms get 422 and write nothing; every change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from otagai.domain.audit.models import AuditEntry
from otagai.domain.insurance.models import InsurancePolicy
from tests.factories import InsurancePolicyFactory, UserFactory
from tests.helpers import assert_problem, unchanged

URL = "/v1/insurance-policies"
BODY = {
    "insurer": "お互いさま損害保険",
    "policy_number": "OTG-2026-0001",
    "name": "子育てシェア賠償責任保険",
    "valid_from": "2026-04-01",
    "valid_to": "2027-03-31",
    "kinds": ["babysitting", "pickup"],
    "limits": {"bodily_injury_jpy": 100000000, "property_damage_jpy": 20000000},
}


@pytest.fixture
def operator(client_as, db):
    return client_as(UserFactory(), operator=True)


def _rows(db) -> int:
    return db.scalar(select(func.count()).select_from(InsurancePolicy))


def test_create_policy_as_operator_is_201_version_1_with_defaults(operator, db):
    response = operator.post(URL, json=BODY)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["version"] == 1
    assert body["kinds"] == ["pickup", "babysitting"]
    assert (body["min_child_age"], body["max_child_age"]) == (1, 18)
    assert body["limits"] == BODY["limits"]
    entry = db.scalars(select(AuditEntry).where(AuditEntry.target_id == body["id"])).one()
    assert (entry.action, entry.actor_role) == ("insurance_policy.create", "operator")


def test_create_policy_as_member_is_403_and_writes_nothing(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post(URL, json=BODY)
    assert_problem(response, 403, "operator_only")
    assert _rows(db) == 0


@pytest.mark.parametrize(
    "change",
    [
        {"valid_to": "2026-04-01"},
        {"kinds": []},
        {"kinds": ["cooking"]},
        {"min_child_age": -1},
        {"max_child_age": 19},
        {"min_child_age": 5, "max_child_age": 4},
        {"limits": {"bodily_injury_jpy": -1}},
        {"limits": {"bodily_injury_jpy": 1.5}},
        {"limits": {"bodily_injury_jpy": "100"}},
    ],
)
def test_create_policy_with_invalid_terms_is_422_and_writes_nothing(operator, db, change):
    with unchanged(db):
        response = operator.post(URL, json={**BODY, **change})
    assert_problem(response, 422, "validation_failed")
    assert _rows(db) == 0


def test_update_policy_creates_next_version_and_keeps_the_old(operator, db):
    policy = InsurancePolicyFactory()
    response = operator.patch(f"{URL}/{policy.id}", json={"kinds": ["lending"]})
    assert response.status_code == 200, response.json
    assert (response.json["id"], response.json["version"]) == (str(policy.id), 2)
    assert response.json["kinds"] == ["lending"]
    assert response.json["policy_number"] == policy.policy_number
    old = operator.get(f"{URL}/{policy.id}?version=1").json
    assert old["kinds"] == ["pickup", "babysitting"]
    assert operator.get(f"{URL}/{policy.id}").json["version"] == 2
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.target_id == str(policy.id)))
    assert list(actions) == ["insurance_policy.update"]


def test_update_policy_with_inverted_validity_is_422_and_adds_no_version(operator, db):
    policy = InsurancePolicyFactory()
    with unchanged(db):
        response = operator.patch(
            f"{URL}/{policy.id}", json={"valid_to": policy.valid_from.isoformat()}
        )
    assert_problem(response, 422, "validation_failed")
    assert _rows(db) == 1


def test_update_policy_without_changes_adds_no_version(operator, db):
    policy = InsurancePolicyFactory()
    response = operator.patch(f"{URL}/{policy.id}", json={"name": policy.name})
    assert response.status_code == 200
    assert response.json["version"] == 1
    assert _rows(db) == 1


def test_update_policy_as_member_is_403(client_as, db):
    policy = InsurancePolicyFactory()
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).patch(f"{URL}/{policy.id}", json={"name": "x"})
    assert_problem(response, 403, "operator_only")
    assert _rows(db) == 1


def test_get_unknown_policy_or_version_is_404(operator, db):
    policy = InsurancePolicyFactory()
    assert_problem(operator.get(f"{URL}/{policy.id}?version=2"), 404, "insurance_policy_not_found")
    missing = "00000000-0000-4000-8000-000000000000"
    assert_problem(operator.get(f"{URL}/{missing}"), 404, "insurance_policy_not_found")
    with unchanged(db):
        assert_problem(
            operator.patch(f"{URL}/{missing}", json={"name": "x"}),
            404,
            "insurance_policy_not_found",
        )


def test_list_policies_shows_latest_versions_paged(operator, db):
    first, second = InsurancePolicyFactory(), InsurancePolicyFactory()
    operator.patch(f"{URL}/{first.id}", json={"name": "改定"})
    page = operator.get(f"{URL}?limit=1").json
    assert len(page["items"]) == 1 and page["next_cursor"]
    rest = operator.get(f"{URL}?limit=1&cursor={page['next_cursor']}").json
    items = {i["id"]: i for i in page["items"] + rest["items"]}
    assert set(items) == {str(first.id), str(second.id)}
    assert items[str(first.id)]["version"] == 2 and items[str(first.id)]["name"] == "改定"
    assert rest["next_cursor"] is None


def test_list_policies_as_member_is_403(client_as, db):
    assert_problem(client_as(UserFactory()).get(URL), 403, "operator_only")
