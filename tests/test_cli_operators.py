"""`flask operators grant | revoke | list` against the real Firebase Auth emulator.

People sign up and sign in through the emulator's REST API, as the mobile app's Firebase
SDK does, and use the ID tokens it issues. The API sees someone as an operator only once
the CLI set the claim and they signed in again; GET /v1/audit-log (operators only) shows
it, and also holds the grant.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterator
from typing import Any

import firebase_admin
import pytest
from flask.cli import FlaskGroup
from sqlalchemy import func, select

from otagai import create_app
from otagai.config import Settings
from otagai.domain.audit.models import AuditEntry
from otagai.extensions import auth, db
from tests.conftest import bound_to
from tests.helpers import assert_problem


@pytest.fixture(scope="module")
def emulator_app(auth_emulator: Any, settings: Settings) -> Iterator[Any]:
    """The service as `make run` starts it beside the emulator: firebase-admin's user
    management talks to this emulator (its address is read when the app starts)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(auth.EMULATOR_ENV, auth_emulator.host)
        emulated = create_app(settings)
    yield emulated
    firebase_admin.delete_app(emulated.extensions[auth.EXTENSION_KEY].firebase_app)
    emulated.extensions[db.EXTENSION_KEY].engine.dispose()


@pytest.fixture
def api(
    emulator_app: Any, auth_emulator: Any, connection: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Any]:
    """A test client of the emulator app, on the test's rolled-back transaction; the
    emulator starts the test with no accounts."""
    monkeypatch.setenv(auth.EMULATOR_ENV, auth_emulator.host)
    auth_emulator.reset()
    with bound_to(emulator_app, connection):
        yield emulator_app.test_client()


def run(app: Any, *args: str) -> Any:
    """`flask operators ARGS` as the `flask` command runs it."""
    flask_command = FlaskGroup(
        create_app=lambda: app, add_default_commands=False, load_dotenv=False
    )
    return app.test_cli_runner().invoke(flask_command, ["operators", *args])


def claims_in(token: str) -> dict[str, Any]:
    header, payload, _signature = token.split(".")
    assert json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))["alg"] == "none"
    claims: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return claims


def audit_log(api: Any, token: str) -> Any:
    return api.get("/v1/audit-log", headers={"Authorization": f"Bearer {token}"})


def new_email() -> str:
    return f"staff-{uuid.uuid4().hex[:8]}@example.com"


def audit_count(db: Any, action: str) -> int:
    return int(db.scalar(select(func.count()).where(AuditEntry.action == action)))


def test_grant_then_sign_in_again_token_is_treated_as_operator(api, emulator_app, auth_emulator):
    email = new_email()
    signed_up = auth_emulator.sign_up(email)
    uid, before = signed_up["localId"], signed_up["idToken"]
    assert claims_in(before)["firebase"]["sign_in_provider"] == "password"
    assert_problem(audit_log(api, before), 403, "operator_only")

    result = run(emulator_app, "grant", email)

    assert result.exit_code == 0, result.output
    assert f"{uid} ({email}) is now an operator" in result.output
    assert auth_emulator.claims_of(uid) == {"operator": True}
    # The token from before the grant was minted without the claim.
    assert_problem(audit_log(api, before), 403, "operator_only")
    after = auth_emulator.sign_in(email)["idToken"]
    assert claims_in(after)["operator"] is True
    answer = audit_log(api, after)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    grants = [e for e in answer.get_json()["items"] if e["action"] == "operator.grant"]
    assert [(e["target_type"], e["target_id"], e["actor_role"]) for e in grants] == [
        ("firebase_user", uid, "operator")
    ]


def test_revoke_then_sign_in_again_token_is_refused_operator_actions(
    api, emulator_app, auth_emulator
):
    email = new_email()
    uid = auth_emulator.sign_up(email)["localId"]
    assert run(emulator_app, "grant", uid).exit_code == 0
    operator_token = auth_emulator.sign_in(email)["idToken"]
    assert audit_log(api, operator_token).status_code == 200

    result = run(emulator_app, "revoke", uid)

    assert result.exit_code == 0, result.output
    assert f"{uid} ({email}) is no longer an operator" in result.output
    assert auth_emulator.claims_of(uid) == {}
    token = auth_emulator.sign_in(email)["idToken"]
    assert "operator" not in claims_in(token)
    assert_problem(audit_log(api, token), 403, "operator_only")


def test_grant_and_revoke_keep_other_custom_claims(api, emulator_app, auth_emulator):
    email = new_email()
    uid = auth_emulator.sign_up(email)["localId"]
    auth_emulator.set_claims(uid, {"beta": "map-v2", "operator": False})

    assert run(emulator_app, "grant", email).exit_code == 0
    assert auth_emulator.claims_of(uid) == {"beta": "map-v2", "operator": True}
    assert run(emulator_app, "revoke", email).exit_code == 0
    assert auth_emulator.claims_of(uid) == {"beta": "map-v2"}


def test_list_prints_operators_and_no_one_else(api, emulator_app, auth_emulator):
    staff, parent, former = new_email(), new_email(), new_email()
    staff_uid = auth_emulator.sign_up(staff)["localId"]
    parent_uid = auth_emulator.sign_up(parent)["localId"]
    former_uid = auth_emulator.sign_up(former)["localId"]
    auth_emulator.set_claims(parent_uid, {"operator": "yes"})  # only `true` counts
    for args in (("grant", staff), ("grant", former), ("revoke", former)):
        assert run(emulator_app, *args).exit_code == 0

    result = run(emulator_app, "list")

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["uid\temail", f"{staff_uid}\t{staff}"]
    assert parent_uid not in result.output and former_uid not in result.output


def test_list_without_operators_says_so(api, emulator_app, auth_emulator):
    auth_emulator.sign_up(new_email())
    result = run(emulator_app, "list")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "no operators"


def test_grant_twice_changes_nothing_the_second_time(api, emulator_app, auth_emulator, db):
    email = new_email()
    auth_emulator.sign_up(email)
    assert run(emulator_app, "grant", email).exit_code == 0
    logged = audit_count(db, "operator.grant")

    result = run(emulator_app, "grant", email)

    assert result.exit_code == 0, result.output
    assert "is already an operator" in result.output
    assert audit_count(db, "operator.grant") == logged == 1


def test_revoke_of_non_operator_changes_nothing(api, emulator_app, auth_emulator, db):
    email = new_email()
    uid = auth_emulator.sign_up(email)["localId"]
    result = run(emulator_app, "revoke", email)
    assert result.exit_code == 0, result.output
    assert "is not an operator" in result.output
    assert audit_count(db, "operator.revoke") == 0
    assert auth_emulator.claims_of(uid) == {}


@pytest.mark.parametrize("who", ["nobody@example.com", "no-such-uid"])
def test_grant_of_unknown_user_fails_and_logs_nothing(api, emulator_app, db, who):
    result = run(emulator_app, "grant", who)
    assert result.exit_code == 1
    assert f"no Firebase user '{who}'" in result.output
    assert audit_count(db, "operator.grant") == 0


@pytest.mark.parametrize("args", [("grant", "someone@example.com"), ("list",)])
def test_operators_without_service_account_refuse(production_app, args):
    result = run(production_app, *args)
    assert result.exit_code == 1
    assert "needs a service account: set GOOGLE_APPLICATION_CREDENTIALS" in result.output
