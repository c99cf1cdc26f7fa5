"""The FCM gateway against the local FCM stand-in, through firebase-admin's real API.

Nothing here patches firebase-admin or the gateway: the SDK posts over HTTP to
tests/fcm_local.py, which answers as FCM does, and the tests read what it received.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from otagai import create_app
from otagai.config import Settings
from otagai.integrations import fcm
from otagai.integrations.fcm import FAILED, RETRY, SENT, TOKEN_GONE, FcmGateway, Push
from tests.fcm_local import SDK_TRIES, LocalFcm

GatewayFor = Callable[..., FcmGateway]


def push(token: str = "token-aaaaaa", *, urgent: bool = False, n: int = 1) -> Push:
    return Push(
        token=token,
        message_id=f"msg-{n}",
        type="new_offer",
        title="新しい申し出",
        body="山田さんが手伝えます",
        data={"share_request_id": "sr-1", "offer_id": f"of-{n}"},
        urgent=urgent,
    )


@pytest.fixture
def gateway_for(settings: Settings) -> GatewayFor:
    """``gateway_for(**settings_changes)``: the gateway of an app built with those settings."""

    def make(**changes: Any) -> FcmGateway:
        app = create_app(replace(settings, **changes))
        with app.app_context():
            return fcm.fcm_gateway()

    return make


@pytest.fixture
def gateway(gateway_for: GatewayFor, fcm_api: LocalFcm) -> FcmGateway:
    return gateway_for(fcm_api_base=fcm_api.url)


@pytest.fixture
def fcm_log() -> Iterator[list[logging.LogRecord]]:
    """Records of the gateway's logger (the suite may run with pytest's logging off)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logger = logging.getLogger(fcm.__name__)
    handler, level = Keep(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_send_each_accepted_push_is_sent(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    sent = push()

    results = gateway.send_each([sent])

    assert [(r.push, r.outcome, r.error) for r in results] == [(sent, SENT, None)]
    [received] = fcm_api.sent_to(sent.token)
    assert received.path == "/v1/projects/demo-otagai/messages:send"
    assert received.message["notification"] == {
        "title": "新しい申し出",
        "body": "山田さんが手伝えます",
    }


def test_send_each_data_carries_message_id_and_type(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    gateway.send_each([push(n=7)])

    [received] = fcm_api.sent_to("token-aaaaaa")
    assert received.data == {
        "share_request_id": "sr-1",
        "offer_id": "of-7",
        "message_id": "msg-7",
        "type": "new_offer",
    }


def test_send_each_urgent_push_has_high_priority(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    gateway.send_each([push(urgent=True)])

    [received] = fcm_api.sent_to("token-aaaaaa")
    assert received.message["android"]["priority"] == "high"
    assert received.message["apns"]["headers"] == {"apns-priority": "10"}


def test_send_each_non_urgent_push_has_normal_priority(
    gateway: FcmGateway, fcm_api: LocalFcm
) -> None:
    gateway.send_each([push(urgent=False)])

    [received] = fcm_api.sent_to("token-aaaaaa")
    assert received.message["android"]["priority"] == "normal"
    assert received.message["apns"]["headers"] == {"apns-priority": "5"}


def test_send_each_unregistered_token_is_gone(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    fcm_api.unregister("token-gone")

    [gone, ok] = gateway.send_each([push("token-gone"), push("token-ok")])

    assert (gone.push.token, gone.outcome, gone.error) == ("token-gone", TOKEN_GONE, "UNREGISTERED")
    assert (ok.push.token, ok.outcome) == ("token-ok", SENT)


def test_send_each_invalid_token_is_gone(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    fcm_api.invalid("not-a-token")

    [result] = gateway.send_each([push("not-a-token")])

    assert (result.outcome, result.error) == (TOKEN_GONE, "INVALID_ARGUMENT")


def test_send_each_sender_id_mismatch_is_gone(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    fcm_api.fail_next("other-project", 1, status=403)

    [result] = gateway.send_each([push("other-project")])

    assert (result.outcome, result.error) == (TOKEN_GONE, "SENDER_ID_MISMATCH")


def test_send_each_invalid_message_keeps_the_token(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    # FCM's INVALID_ARGUMENT for a payload (too big, reserved key) says nothing about the
    # token: deleting it would silence the device for our own mistake.
    fcm_api.fail_next("token-aaaaaa", 1, status=400)

    [result] = gateway.send_each([push()])

    assert (result.outcome, result.error) == (FAILED, "INVALID_ARGUMENT")


def test_send_each_quota_exceeded_is_retried(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    fcm_api.fail_next("token-aaaaaa", 1, status=429)

    [result] = gateway.send_each([push()])

    assert (result.outcome, result.error) == (RETRY, "QUOTA_EXCEEDED")


def test_send_each_one_503_is_absorbed_by_the_sdk(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    fcm_api.fail_next("token-aaaaaa", 1)

    [result] = gateway.send_each([push()])

    assert result.outcome == SENT
    assert [r.status for r in fcm_api.requests_for("token-aaaaaa")] == [503, 200]


@pytest.mark.slow
def test_send_each_lasting_503_is_retry_then_sent(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    # firebase-admin retries a 503 four times (about 7 s of backoff) before giving up.
    fcm_api.fail_next("token-aaaaaa", SDK_TRIES)

    [first] = gateway.send_each([push()])
    [second] = gateway.send_each([push()])

    assert (first.outcome, first.error) == (RETRY, "UNAVAILABLE")
    assert second.outcome == SENT
    assert [r.status for r in fcm_api.requests_for("token-aaaaaa")] == [503] * SDK_TRIES + [200]


def test_send_each_endpoint_down_is_all_retry(gateway_for: GatewayFor) -> None:
    gateway = gateway_for(fcm_api_base=f"http://127.0.0.1:{unused_port()}")
    pushes = [push(f"token-{n}", n=n) for n in range(3)]

    results = gateway.send_each(pushes)

    assert [(r.push, r.outcome, r.error) for r in results] == [
        (p, RETRY, "UNAVAILABLE") for p in pushes
    ]


def test_send_each_over_batch_limit_sends_all_in_order(
    gateway: FcmGateway, fcm_api: LocalFcm
) -> None:
    pushes = [push(f"token-{n:04d}", n=n) for n in range(600)]

    results = gateway.send_each(pushes)

    assert [r.push for r in results] == pushes
    assert {r.outcome for r in results} == {SENT}
    assert len(fcm_api.received) == 600
    assert {r.token for r in fcm_api.received} == {p.token for p in pushes}


def test_send_each_push_the_sdk_refuses_fails_alone(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    # An empty token is no message at all for firebase-admin (ValueError for the batch).
    pushes = [push("token-a", n=1), push("", n=2), push("token-c", n=3)]

    results = gateway.send_each(pushes)

    assert [(r.push, r.outcome) for r in results] == [
        (pushes[0], SENT),
        (pushes[1], FAILED),
        (pushes[2], SENT),
    ]
    assert results[1].error == fcm.INVALID_MESSAGE
    assert sorted(r.token or "" for r in fcm_api.received) == ["token-a", "token-c"]


def test_send_each_empty_list_sends_nothing(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    assert gateway.send_each([]) == []
    assert fcm_api.received == []


def test_local_endpoint_describes_where_it_sends(gateway: FcmGateway, fcm_api: LocalFcm) -> None:
    assert gateway.mode == "fcm"
    assert fcm_api.url in gateway.describe()


def test_credentials_without_api_base_send_to_google(gateway_for: GatewayFor) -> None:
    gateway = gateway_for(fcm_api_base=None, google_application_credentials="/secrets/sa.json")

    assert gateway.mode == "fcm"
    assert "https://fcm.googleapis.com" in gateway.describe()


def test_log_mode_sends_nothing_and_answers_sent(
    gateway_for: GatewayFor, fcm_api: LocalFcm, fcm_log: list[logging.LogRecord]
) -> None:
    gateway = gateway_for(fcm_api_base=None, google_application_credentials=None)
    logged = push("device-token-abc123", urgent=True)

    [result] = gateway.send_each([logged])

    assert (result.push, result.outcome, result.error) == (logged, SENT, None)
    assert fcm_api.received == []
    [record] = [r for r in fcm_log if r.levelno == logging.INFO]
    text = record.getMessage()
    assert "new_offer" in text and "msg-1" in text and "abc123" in text and "新しい申し出" in text
    assert "device-token" not in text


def test_log_mode_describe_says_nothing_is_sent(gateway_for: GatewayFor) -> None:
    gateway = gateway_for(fcm_api_base=None, google_application_credentials=None)

    assert gateway.mode == "log"
    assert "NOT SENDING" in gateway.describe()
    assert "GOOGLE_APPLICATION_CREDENTIALS" in gateway.describe()


def test_settings_read_fcm_api_base_from_the_environment() -> None:
    env = {"FCM_API_BASE": "http://127.0.0.1:9", "OTAGAI_ENV": "test"}

    assert Settings.from_env(env).fcm_api_base == "http://127.0.0.1:9"
    assert Settings.from_env({"OTAGAI_ENV": "test"}).fcm_api_base is None
