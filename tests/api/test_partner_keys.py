"""Partner municipalities: API keys made, listed and revoked with the CLI; who may call a
partner endpoint (its own municipality's key, or an operator); and the signed dashboard
links, checked with itsdangerous' own clock rather than by sleeping."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from otagai.config import ConfigError, Settings
from otagai.domain.partners.dashboard_links import MAX_AGE, make_link, verify_link
from otagai.domain.partners.keys import LAST_USED_RESOLUTION, authenticate_key, create_key
from otagai.domain.partners.models import ApiKey
from tests.factories import MunicipalityFactory, UserFactory
from tests.helpers import assert_problem, unchanged

SAITAMA = "111007"
SETAGAYA = "131121"
KEY_LINE = re.compile(r"^otagai_mk_[A-Za-z0-9_-]{43}$", re.MULTILINE)


@pytest.fixture
def towns(db: Any) -> SimpleNamespace:
    MunicipalityFactory()
    MunicipalityFactory(code=SETAGAYA, name_ja="世田谷区", name_en="Setagaya")
    return SimpleNamespace(saitama=SAITAMA, setagaya=SETAGAYA)


def cli(app: Any, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["municipalities", *args])


def issue_key(app: Any, code: str, label: str = "統計システム") -> str:
    result = cli(app, "create-key", code, "--label", label)
    assert result.exit_code == 0, result.output
    return KEY_LINE.findall(result.output)[0]


def links_path(code: str) -> str:
    return f"/v1/municipalities/{code}/dashboard-links"


def post_with_key(client: Any, code: str, key: str) -> Any:
    return client.post(links_path(code), headers={"X-API-Key": key})


def key_row(db: Any, prefix: str) -> ApiKey:
    db.expire_all()
    return db.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one()


# --- the CLI ----------------------------------------------------------------------------


def test_create_key_prints_the_key_once_and_stores_only_its_hash(app, db, towns):
    result = cli(app, "create-key", SAITAMA, "--label", "さいたま市 統計")
    assert result.exit_code == 0, result.output
    keys = KEY_LINE.findall(result.output)
    assert len(keys) == 1, result.output
    assert result.output.count(keys[0]) == 1
    assert "cannot be shown again" in result.output
    row = key_row(db, keys[0][:14])
    assert row.key_hash == hashlib.sha256(keys[0].encode()).digest()
    assert row.municipality_code == SAITAMA and row.label == "さいたま市 統計"
    stored = [str(getattr(row, column.key)) for column in ApiKey.__table__.columns]
    assert not any(keys[0] in value for value in stored)


def test_create_key_for_unknown_municipality_fails_with_a_clear_message(app, db, towns):
    result = cli(app, "create-key", "012025", "--label", "x")
    assert result.exit_code == 1
    assert "Municipality not found" in result.output
    assert db.scalars(select(ApiKey)).all() == []


def test_create_key_with_blank_label_fails(app, db, towns):
    result = cli(app, "create-key", SAITAMA, "--label", "   ")
    assert result.exit_code == 1
    assert "label" in result.output
    assert db.scalars(select(ApiKey)).all() == []


def test_list_keys_shows_prefix_label_and_last_used_but_never_the_key(app, client, towns):
    used, unused = issue_key(app, SAITAMA, "used"), issue_key(app, SAITAMA, "unused")
    assert post_with_key(client, SAITAMA, used).status_code == 201
    output = cli(app, "list-keys", SAITAMA).output
    rows = {line.split("\t")[3]: line.split("\t") for line in output.splitlines()[1:]}
    assert rows["used"][2] == used[:14] + "…"
    assert rows["used"][5] != "-"  # last used
    assert rows["unused"][5] == "-"
    assert rows["used"][6] == "-"  # not revoked
    assert used not in output and unused not in output


def test_list_keys_of_one_municipality_leaves_out_the_others(app, towns):
    issue_key(app, SAITAMA, "saitama")
    issue_key(app, SETAGAYA, "setagaya")
    listed = cli(app, "list-keys", SETAGAYA).output
    assert "setagaya" in listed and "saitama" not in listed
    everything = cli(app, "list-keys").output
    assert "setagaya" in everything and "saitama" in everything


def test_revoke_key_by_prefix_makes_the_key_answer_401(app, client, db, towns):
    key = issue_key(app, SAITAMA)
    assert post_with_key(client, SAITAMA, key).status_code == 201
    result = cli(app, "revoke-key", key[:14] + "…")
    assert result.exit_code == 0, result.output
    assert key_row(db, key[:14]).revoked_at is not None
    response = post_with_key(client, SAITAMA, key)
    assert_problem(response, 401, "invalid_api_key")
    assert response.headers["WWW-Authenticate"].startswith("ApiKey")
    assert cli(app, "list-keys").output.splitlines()[1].split("\t")[6] != "-"


def test_revoke_key_by_id_revokes_that_key_only(app, client, db, towns):
    kept, revoked = issue_key(app, SAITAMA), issue_key(app, SAITAMA)
    result = cli(app, "revoke-key", str(key_row(db, revoked[:14]).id))
    assert result.exit_code == 0, result.output
    assert_problem(post_with_key(client, SAITAMA, revoked), 401, "invalid_api_key")
    assert post_with_key(client, SAITAMA, kept).status_code == 201


def test_revoke_key_unknown_fails(app, towns):
    result = cli(app, "revoke-key", "otagai_mk_zzzz")
    assert result.exit_code == 1
    assert "API key not found" in result.output


# --- who may call a partner endpoint ----------------------------------------------------


def test_unknown_api_key_is_401_invalid_api_key(client, towns):
    response = post_with_key(client, SAITAMA, "otagai_mk_" + "x" * 43)
    assert_problem(response, 401, "invalid_api_key")
    assert response.headers["WWW-Authenticate"].startswith("ApiKey")


def test_api_key_of_another_municipality_is_403(app, client, towns):
    key = issue_key(app, SETAGAYA)
    assert_problem(post_with_key(client, SAITAMA, key), 403, "api_key_wrong_municipality")


def test_api_key_decides_even_next_to_an_operator_token(app, client_as, towns, db):
    key = issue_key(app, SETAGAYA)
    operator = client_as("operator-uid", operator=True)
    with unchanged(db):
        response = operator.post(links_path(SAITAMA), headers={"X-API-Key": key})
    assert_problem(response, 403, "api_key_wrong_municipality")


def test_operator_token_gets_a_link_for_any_municipality(client_as, settings, towns):
    operator = client_as("operator-uid", operator=True)
    response = operator.post(links_path(SETAGAYA))
    assert response.status_code == 201, response.get_data(as_text=True)
    url = urlsplit(response.get_json()["url"])
    assert url.path == f"/municipalities/{SETAGAYA}/dashboard"
    token = parse_qs(url.query)["token"][0]
    assert verify_link(token, SETAGAYA, secret=settings.dashboard_link_signing_secret)


def test_member_token_is_403_operator_only(client_as, towns, db):
    caller = UserFactory()
    with unchanged(db):
        assert_problem(client_as(caller).post(links_path(SAITAMA)), 403, "operator_only")


def test_no_credentials_is_401_offering_both_ways_in(client, towns, db):
    with unchanged(db):
        response = client.post(links_path(SAITAMA))
    assert_problem(response, 401, "token_missing")
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer") and "ApiKey" in challenge


def test_expired_operator_token_is_401(client_as, towns, db):
    expired = client_as("operator-uid", operator=True, issued_at=0)
    with unchanged(db):
        assert_problem(expired.post(links_path(SAITAMA)), 401, "token_expired")


def test_operator_asking_for_unknown_municipality_is_404(client_as, towns, db):
    operator = client_as("operator-uid", operator=True)
    with unchanged(db):
        assert_problem(operator.post(links_path("012025")), 404, "municipality_not_found")


def test_authenticate_key_writes_last_used_at_most_once_a_minute(app_context, towns):
    key, plaintext = create_key(SAITAMA, "busy")
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert authenticate_key(plaintext, now=start) is key
    assert authenticate_key(plaintext, now=start + LAST_USED_RESOLUTION / 2) is key
    assert key.last_used_at == start
    later = start + LAST_USED_RESOLUTION + timedelta(seconds=1)
    assert authenticate_key(plaintext, now=later) is key
    assert key.last_used_at == later


# --- dashboard links --------------------------------------------------------------------


def test_key_gets_a_link_whose_token_verifies_for_its_town_only(app, client, settings, towns):
    key = issue_key(app, SAITAMA)
    before = datetime.now(UTC).replace(microsecond=0)
    response = post_with_key(client, SAITAMA, key)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    url = urlsplit(body["url"])
    assert f"{url.scheme}://{url.netloc}/" == "http://localhost/"
    assert url.path == f"/municipalities/{SAITAMA}/dashboard"
    token = parse_qs(url.query)["token"][0]
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert before + MAX_AGE <= expires_at <= datetime.now(UTC) + MAX_AGE
    secret = settings.dashboard_link_signing_secret
    assert verify_link(token, SAITAMA, secret=secret)
    assert not verify_link(token, SETAGAYA, secret=secret)


def test_link_works_for_15_minutes_and_not_a_second_longer():
    issued = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    token, expires_at = make_link(SAITAMA, secret="s" * 32, now=issued)
    assert expires_at == issued + timedelta(minutes=15)
    assert verify_link(token, SAITAMA, secret="s" * 32, now=expires_at)
    late = expires_at + timedelta(seconds=1)
    assert not verify_link(token, SAITAMA, secret="s" * 32, now=late)


def test_link_dated_in_the_future_is_refused():
    token, _ = make_link(SAITAMA, secret="s" * 32, now=datetime(2026, 11, 1, 9, tzinfo=UTC))
    before = datetime(2026, 11, 1, 8, 59, tzinfo=UTC)
    assert not verify_link(token, SAITAMA, secret="s" * 32, now=before)


def test_link_signed_with_another_secret_or_tampered_is_refused():
    token, _ = make_link(SAITAMA, secret="s" * 32)
    assert not verify_link(token, SAITAMA, secret="t" * 32)
    payload, signed_at, signature = token.split(".")
    forged = ".".join((payload, signed_at, ("B" if signature[0] == "A" else "A") + signature[1:]))
    assert not verify_link(forged, SAITAMA, secret="s" * 32)
    assert not verify_link("not-a-token", SAITAMA, secret="s" * 32)


# --- the signing secret -----------------------------------------------------------------


def test_production_without_dashboard_link_secret_refuses_to_start():
    with pytest.raises(ConfigError, match="DASHBOARD_LINK_SECRET"):
        Settings(env="production").check()


def test_short_dashboard_link_secret_is_refused():
    with pytest.raises(ConfigError, match="at least 32"):
        Settings(env="production", dashboard_link_secret="short").check()


def test_dashboard_link_secret_comes_from_the_environment(settings):
    configured = Settings.from_env(
        {"OTAGAI_ENV": "production", "DASHBOARD_LINK_SECRET": "k" * 40, "PASS_SECRET": "p" * 40},
        database_url=settings.database_url,
    )
    assert configured.dashboard_link_signing_secret == "k" * 40


def test_without_dashboard_link_secret_outside_production_a_process_secret_is_used():
    first, second = Settings(env="development"), Settings(env="test")
    assert len(first.dashboard_link_signing_secret) >= 32
    assert first.dashboard_link_signing_secret == second.dashboard_link_signing_secret
