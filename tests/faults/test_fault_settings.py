"""The settings of this part, read from the environment, with their documented defaults."""

from __future__ import annotations

import pytest

from otagai.config import ConfigError, Settings
from otagai.extensions.db import timeout_settings


def test_fault_settings_have_their_documented_defaults():
    settings = Settings.from_env({"OTAGAI_ENV": "test"})
    assert (settings.db_statement_timeout_ms, settings.db_idle_in_transaction_timeout_ms) == (
        5000,
        30000,
    )
    assert settings.db_pool_timeout == 10.0
    assert settings.database_application_name == "otagai"
    assert (settings.stripe_timeout_seconds, settings.fcm_timeout_seconds) == (5.0, 10.0)
    assert settings.stripe_worst_wait == 16.5
    assert settings.worker_heartbeat_file is None


def test_fault_settings_are_read_from_the_environment():
    settings = Settings.from_env(
        {
            "OTAGAI_ENV": "test",
            "DB_STATEMENT_TIMEOUT_MS": "2500",
            "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": "0",
            "DB_POOL_TIMEOUT": "3.5",
            "DATABASE_APPLICATION_NAME": "otagai-web",
            "STRIPE_TIMEOUT_SECONDS": "4",
            "FCM_TIMEOUT_SECONDS": "6.5",
            "WORKER_HEARTBEAT_FILE": "/tmp/worker.alive",
        }
    )
    assert settings.db_statement_timeout_ms == 2500
    assert settings.db_idle_in_transaction_timeout_ms == 0
    assert settings.db_pool_timeout == 3.5
    assert settings.database_application_name == "otagai-web"
    assert (settings.stripe_timeout_seconds, settings.fcm_timeout_seconds) == (4.0, 6.5)
    assert settings.worker_heartbeat_file == "/tmp/worker.alive"
    # 0 turns a timeout off: it is not sent at all (the server's default applies).
    assert timeout_settings(2500, 0) == {"statement_timeout": "2500"}


@pytest.mark.parametrize(
    "env",
    [
        {"DB_STATEMENT_TIMEOUT_MS": "-1"},
        {"DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": "-5"},
        {"DB_POOL_TIMEOUT": "0"},
        {"STRIPE_TIMEOUT_SECONDS": "0"},
        {"FCM_TIMEOUT_SECONDS": "-1"},
    ],
)
def test_fault_settings_out_of_range_refuse_to_start(env):
    with pytest.raises(ConfigError):
        Settings.from_env({"OTAGAI_ENV": "test", **env})


def test_idle_in_transaction_timeout_shorter_than_a_stripe_wait_refuses_to_start():
    stripe = {
        "STRIPE_SECRET_KEY": "sk_test_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_x",
        "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_y",
    }
    env = {"OTAGAI_ENV": "test", **stripe, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": "16000"}
    with pytest.raises(ConfigError, match="longer than a Stripe call"):
        Settings.from_env(env)
    assert Settings.from_env({**env, "STRIPE_TIMEOUT_SECONDS": "3"}).stripe_worst_wait == 10.5
    assert Settings.from_env({**env, "DB_IDLE_IN_TRANSACTION_TIMEOUT_MS": "0"})
