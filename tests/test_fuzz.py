"""Property-based fuzzing of every documented operation (schemathesis), in-process.

Cases come from the COMMITTED api_spec/openapi.json (the contract the mobile app sees),
are sent to the Flask app over WSGI with a real emulator token for a user who has a
profile, a child and a device, and each runs in a savepoint of the test's rolled-back
transaction. Checks: no 5xx, and status code, content type and body match the spec.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from otagai.domain.people.models import Child, Device, HouseholdInvite, User
from otagai.extensions.auth import mint_emulator_token
from tests.conftest import ROOT
from tests.factories import ChildFactory, UserFactory

pytestmark = pytest.mark.slow

# Loaded at import time: schemathesis' pytest fixture loader does not work on pytest 9.2.
SCHEMA = schemathesis.openapi.from_path(ROOT / "api_spec" / "openapi.json")
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
POSITIVE = schemathesis.GenerationMode.POSITIVE
NEGATIVE = schemathesis.GenerationMode.NEGATIVE


def _has_inputs(operation: Any) -> bool:
    """Something a negative case can break (our token always replaces Authorization)."""
    headers = [h for h in operation.headers if h.name.lower() != "authorization"]
    return bool(operation.body or operation.query or operation.path_parameters or headers)


CASES = [(op, POSITIVE) for op in OPERATIONS] + [
    (op, NEGATIVE) for op in OPERATIONS if _has_inputs(op)
]
CASE_IDS = [f"{op.label}-{mode.value}" for op, mode in CASES]
FUZZ_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def test_fuzz_covers_every_documented_operation():
    # Guards the parametrization below: an empty or failed load must not pass silently.
    labels = {op.label for op in OPERATIONS}
    paths = SCHEMA.raw_schema["paths"].values()
    assert len(labels) == sum(1 for item in paths for method in item if method != "parameters")
    assert "POST /v1/me/children" in labels
    assert "DELETE /v1/me/devices/{token}" in labels


def _strategy(operation: Any, mode: Any, known: dict[str, str]) -> st.SearchStrategy[Any]:
    """Generated cases, plus cases aimed at rows that exist (the caller's child and device,
    another parent's invite), so updates, deletes and joins that succeed are fuzzed too."""
    strategy = operation.as_strategy(generation_mode=mode)
    if mode != POSITIVE:
        return strategy
    names = {p.name for p in operation.path_parameters}
    fixed = {name: value for name, value in known.items() if name in names}
    if fixed:
        aimed = operation.as_strategy(generation_mode=mode, path_parameters=fixed)
        strategy = st.one_of(strategy, aimed)
    if operation.label == "POST /v1/households/join":
        aimed = operation.as_strategy(generation_mode=mode, body={"code": known["code"]})
        strategy = st.one_of(strategy, aimed)
    return strategy


@pytest.mark.parametrize(("operation", "mode"), CASES, ids=CASE_IDS)
def test_fuzzed_requests_conform_to_spec_without_server_errors(
    app, connection, db, operation, mode
):
    user = UserFactory()
    child = ChildFactory(household=user.household, birth_date=dt.date(2020, 5, 5))
    device = Device(user_id=user.id, token="fuzz-device-token", platform="ios")
    other = UserFactory()
    invite = HouseholdInvite(
        household_id=other.household_id,
        created_by_id=other.id,
        code="FUZZJOIN",
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1),
    )
    db.add_all([device, invite])
    db.flush()
    token = mint_emulator_token(user.firebase_uid, app.config["OTAGAI"].firebase_project_id)
    headers = {"Authorization": f"Bearer {token}"}
    known = {"child_id": str(child.id), "token": device.token, "code": invite.code}
    name, nickname = user.display_name, child.nickname
    statuses: list[int] = []

    @FUZZ_SETTINGS
    @given(case=_strategy(operation, mode, known))
    def run(case: Any) -> None:
        savepoint = connection.begin_nested()  # each case starts from the same data
        try:
            response = case.call_and_validate(app=app, headers=headers, checks=CHECKS)
            statuses.append(response.status_code)
        finally:
            savepoint.rollback()

    run()
    # The token was accepted: authenticated paths were really exercised, not only 401s.
    assert statuses
    assert any(status != 401 for status in statuses), statuses
    # Every case was rolled back: what was arranged is still there, unchanged.
    db.expire_all()
    assert db.get(User, user.id).display_name == name
    assert db.get(Child, child.id).nickname == nickname
    assert db.scalar(select(func.count()).select_from(Device).where(Device.user_id == user.id)) == 1


def test_conformance_checks_reject_a_response_that_breaks_the_spec(client):
    # Guards the checks themselves: /healthz's body is no page of children.
    case = SCHEMA["/v1/me/children"]["GET"].Case(query={"limit": 5})
    response = client.get("/healthz")
    with pytest.raises(FailureGroup) as failures:
        case.validate_response(response, checks=CHECKS)
    assert '"items" is a required property' in str(failures.value)
