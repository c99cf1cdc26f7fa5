"""Property-based fuzzing of every documented operation (schemathesis), in-process, as
every role, on the demo seeds.

Cases come from the COMMITTED api_spec/openapi.json (the contract the mobile app sees)
and are sent to the Flask app over WSGI in a world of the demo seeds (tests/seeded_world.py,
what `flask seed` loads), signed in as a member, a coordinator, an operator and with a
municipality's API key. Each case runs in a transaction rolled back at its end.

Checks: no 5xx (a 503 only where the operation documents it), status code, content type
and body as the spec says, and, for positive cases, that data the spec calls valid is
not refused as malformed (400/422) -- except for the operations in NOT_POSITIVE, whose
rules the spec can state only in words.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from otagai.domain.people.models import Child, Device, User
from tests.conftest import ROOT
from tests.seeded_world import MEMBER, ROLES, World, seeded_world

pytestmark = pytest.mark.slow

# Loaded at import time: schemathesis' pytest fixture loader does not work on pytest 9.2.
SCHEMA = schemathesis.openapi.from_path(ROOT / "api_spec" / "openapi.json")
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]
POSITIVE = schemathesis.GenerationMode.POSITIVE
NEGATIVE = schemathesis.GenerationMode.NEGATIVE

DATES = "a date-time from 2000 to 2100: OpenAPI 3.0 cannot bound a date-time (x-minimum)"
# Operations whose valid requests the spec cannot describe completely: valid-looking data
# is refused (422) by a rule stated in the description and an `x-` hint. Each reason says
# which rule; everything else about them is still fuzzed and checked.
NOT_POSITIVE: dict[str, str] = {
    "POST /v1/me/children": "birth_date: a child aged 18 or under on today's date",
    "PATCH /v1/me/children/{child_id}": "birth_date: a child aged 18 or under on today's date",
    "PATCH /v1/me/notification-settings": "quiet hours: start differs from end, "
    "either of which may be the stored one (a partial update)",
    "POST /v1/municipalities": "code: the JIS check digit; boundary: GeoJSON rings closed "
    "and valid (JSON Schema has no equality of array items)",
    "POST /v1/communities": "area: a valid GeoJSON polygon inside the municipality, which "
    "must be registered",
    "POST /v1/communities/{community_id}/events": "starts_at/ends_at: "
    + DATES
    + "; ends after it starts",
    "GET /v1/communities/{community_id}/events": "from: " + DATES,
    "GET /v1/me/events": "from: " + DATES,
    "POST /v1/communities/{community_id}/certifications": "trained_on within the last 3 "
    "years, expires_on after it (dates relative to today)",
    "POST /v1/certifications/{certification_id}/renew": "expires_on after today and after "
    "the current expiry",
    "PUT /v1/certifications/{certification_id}/background-check": "confirmed_on not after "
    "today; for jp_dbs not before 2026-12-25 (dates relative to today)",
    "POST /v1/share-requests": "starts_at in the future, at most a year ahead; ends_at "
    "after it by at most 12 h (30 days for lending); dropoff, child_ids and item "
    "depend on kind",
    "POST /v1/share-series": "as POST /v1/share-requests, and rrule: an RFC 5545 RRULE "
    "(FREQ DAILY/WEEKLY/MONTHLY, COUNT or UNTIL, at most 60 dates within a year)",
    "PATCH /v1/share-series/{series_id}/occurrences/{on_date}": "on_date: a date of the "
    "series (YYYY-MM-DD); skip, or starts_at and ends_at in the future, not both",
    "GET /v1/share-requests/feed": "lat and lng together or not at all (x-together-with: "
    "OpenAPI 3.0 has no dependencies between query parameters)",
    "POST /v1/insurance-policies": "limits: keys in snake_case ending in _jpy (OpenAPI 3.0 "
    "has no propertyNames); valid_to not before valid_from; min_child_age <= max_child_age",
    "PATCH /v1/insurance-policies/{policy_id}": "as POST /v1/insurance-policies, against "
    "the latest version's values",
    "POST /v1/webhooks/stripe": "Stripe-Signature: an HMAC of the body with the endpoint secret",
    "GET /v1/municipalities/{code}/stats": "to not before from, at most 36 months after it",
    "POST /v1/matches/{match_id}/report": "incident_text required when incident is true "
    "(x-required-when); started_at/ended_at: "
    + DATES
    + ", within 6 hours of the match's times, not in the future, the end after the start",
    "POST /v1/matches/{match_id}/report/confirm": "comment required when the decision is "
    "disputed (x-required-when)",
}
# A cursor is opaque: only a page's next_cursor is one. Positive cases do not invent one
# (negative cases still do, and must get a 4xx).
INVENTED = ("cursor",)

# Fewer than the default: ~80 operations x 4 roles x 2 modes must stay within about a
# minute on two CPUs. FUZZ_EXAMPLES=50 for a longer run.
FUZZ_SETTINGS = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "5")),
    deadline=None,
    derandomize=True,  # the same cases every run: a failure here is reproducible
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def not_an_undocumented_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx, but a 503 the operation documents (card payments not configured, the
    database unreachable for /readyz). Every operation documents ``database_unavailable``,
    but the fuzzed world's database is up: that one means a statement timed out."""
    documented = "503" in case.operation.definition.raw["responses"]
    if response.status_code == 503 and documented and not _database_fault(response):
        return None
    return not_a_server_error(ctx, response, case)


def _database_fault(response: Any) -> bool:
    try:
        return bool(response.json().get("code") == "database_unavailable")
    except ValueError:
        return False


# Refusals of the request's shape. Another 422 is a rule of the domain about the world as
# it is (an event too long ago to record attendance, a range too long), with its own code.
SHAPE_CODES = frozenset({"validation_failed", "bad_request", "invalid_cursor"})


def valid_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """schemathesis' positive_data_acceptance, for refusals of the shape only."""
    if response.status_code == 422:
        try:
            code = response.json().get("code")
        except ValueError:
            code = None
        if code not in SHAPE_CODES:
            return None
    return positive_data_acceptance(ctx, response, case)


CHECKS = [
    not_an_undocumented_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _has_inputs(operation: Any) -> bool:
    """Something a negative case can break (our credentials always replace the auth)."""
    headers = [h for h in operation.headers if h.name.lower() != "authorization"]
    return bool(operation.body or operation.query or operation.path_parameters or headers)


def _takes(operation: Any, role: str) -> bool:
    """Whether ``role``'s credentials are for this operation at all."""
    security = operation.definition.raw.get("security", SCHEMA.raw_schema.get("security"))
    schemes = {name for requirement in security or [] for name in requirement}
    if not schemes:
        return True  # public
    return ("apiKey" if role == "municipality_key" else "firebase") in schemes


CASES = [
    (op, role, mode)
    for op in OPERATIONS
    for role in ROLES
    for mode in (POSITIVE, NEGATIVE)
    if mode == POSITIVE or _has_inputs(op)
]
CASE_IDS = [f"{op.label}-{role}-{mode.value}" for op, role, mode in CASES]


def test_fuzz_covers_every_documented_operation():
    # Guards the parametrization below: an empty or failed load must not pass silently.
    labels = {op.label for op in OPERATIONS}
    paths = SCHEMA.raw_schema["paths"].values()
    assert len(labels) == sum(1 for item in paths for method in item if method != "parameters")
    assert "POST /v1/me/children" in labels
    assert "GET /v1/municipalities/{code}/stats" in labels
    # Every operation kept out of the positive-data check exists, with a reason.
    assert set(NOT_POSITIVE) <= labels
    assert all(reason.strip() for reason in NOT_POSITIVE.values())


@pytest.fixture(scope="module")
def world(settings: Any) -> Any:
    with seeded_world(settings) as world:
        yield world


def _without_invented(case: Any) -> Any:
    if case.query:
        case.query = {k: v for k, v in case.query.items() if k not in INVENTED}
    return case


def _strategy(operation: Any, mode: Any, world: World) -> st.SearchStrategy[Any]:
    """Generated cases, plus cases aimed at rows of the world (a request, a match, a
    thank-you, a child, the municipality...), so that reads, updates and state changes
    that succeed are fuzzed too."""
    strategy = operation.as_strategy(generation_mode=mode)
    if mode != POSITIVE:
        return strategy
    names = {p.name for p in operation.path_parameters}
    fixed = {name: value for name, value in world.ids.items() if name in names}
    if fixed:
        aimed = operation.as_strategy(generation_mode=mode, path_parameters=fixed)
        strategy = st.one_of(strategy, aimed)
    if operation.label == "POST /v1/households/join":
        aimed = operation.as_strategy(generation_mode=mode, body={"code": world.ids["invite"]})
        strategy = st.one_of(strategy, aimed)
    return strategy.map(_without_invented)


def _unchanged(world: World) -> tuple[Any, ...]:
    member_id, household_id = world.people[MEMBER]
    with world.engine.connect() as connection:
        return (
            connection.scalar(select(User.display_name).where(User.id == member_id)),
            connection.scalar(
                select(func.count()).select_from(Child).where(Child.household_id == household_id)
            ),
            connection.scalar(
                select(func.count()).select_from(Device).where(Device.user_id == member_id)
            ),
        )


@pytest.mark.parametrize(("operation", "role", "mode"), CASES, ids=CASE_IDS)
def test_fuzzed_requests_conform_to_spec_without_server_errors(world, operation, role, mode):
    headers = world.headers(role)
    checks = list(CHECKS)
    if mode == POSITIVE and operation.label not in NOT_POSITIVE:
        checks.append(valid_data_accepted)
    before = _unchanged(world)
    statuses: list[int] = []

    @FUZZ_SETTINGS
    @given(case=_strategy(operation, mode, world))
    def run(case: Any) -> None:
        with world.case():  # each case starts from the same world
            response = case.call_and_validate(app=world.app, headers=headers, checks=checks)
            statuses.append(response.status_code)

    run()
    assert statuses
    if not _takes(operation, role):
        # The wrong kind of credentials is never enough.
        assert all(status >= 400 for status in statuses), statuses
    elif mode == POSITIVE and operation.label != "POST /v1/webhooks/stripe":
        # The credentials were accepted: the operation was really exercised, not only 401s.
        assert any(status != 401 for status in statuses), statuses
    # Every case was rolled back: the world is as seeded.
    assert _unchanged(world) == before


def test_conformance_checks_reject_a_response_that_breaks_the_spec(client):
    # Guards the checks themselves: /healthz's body is no page of children.
    case = SCHEMA["/v1/me/children"]["GET"].Case(query={"limit": 5})
    response = client.get("/healthz")
    with pytest.raises(FailureGroup) as failures:
        case.validate_response(response, checks=CHECKS)
    assert '"items" is a required property' in str(failures.value)


def test_positive_data_check_rejects_valid_data_refused_as_malformed(world):
    # Guards the positive-data check: a 422 to a case the spec calls valid fails it.
    operation = SCHEMA["/v1/me/children"]["POST"]
    case = next(iter(_examples(operation)))
    with world.case():
        response = world.app.test_client().post(
            "/v1/me/children", json={"nickname": ""}, headers=world.headers("member")
        )
    assert response.status_code == 422
    with pytest.raises(FailureGroup) as failures:
        case.validate_response(response, checks=[valid_data_accepted])
    assert "Valid data should have been accepted" in str(failures.value)


def _examples(operation: Any) -> list[Any]:
    found: list[Any] = []

    @settings(max_examples=1, database=None, derandomize=True)
    @given(case=operation.as_strategy(generation_mode=POSITIVE))
    def collect(case: Any) -> None:
        found.append(case)

    collect()
    return found
