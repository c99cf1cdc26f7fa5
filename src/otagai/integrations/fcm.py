"""Push notifications through Firebase Cloud Messaging: the only module that imports
``firebase_admin.messaging``.

The notification worker hands over a batch of pushes and gets one outcome per push, in
the same order: ``sent``; ``token_gone`` (FCM says the device token is dead: delete it);
``retry`` (FCM or the network is having a bad moment: back off and send again); or
``failed`` (sending it again would fail the same way). Nothing raises: a batch that
blows up as a whole (endpoint down, credentials not refreshable) comes back as all
``retry``, because delivery is at-least-once and the app drops duplicates by
``message_id``.

firebase-admin's ``send_each`` posts each message to FCM's v1 endpoint on its own
thread and already retries HTTP 500/503 four times with backoff (about 7 s), so a
``retry`` here means FCM stayed unavailable through those. Three modes:

- ``FCM_API_BASE`` set (tests, local development): the same SDK calls, sent to that base
  instead of Google (same path, ``/v1/projects/<project>/messages:send``);
- else ``GOOGLE_APPLICATION_CREDENTIALS`` set: real FCM;
- else "log": nothing is sent; each push is logged and counted as sent.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import firebase_admin
from firebase_admin import exceptions, messaging
from flask import Flask, current_app

from otagai.config import ConfigError, Settings
from otagai.extensions.auth import EXTENSION_KEY as AUTH_EXTENSION_KEY
from otagai.extensions.auth import AuthState

log = logging.getLogger(__name__)

EXTENSION_KEY = "otagai.fcm"
# send_each refuses more than this many messages in one call.
MAX_BATCH = 500
GOOGLE_FCM = "https://fcm.googleapis.com"

SENT, TOKEN_GONE, RETRY, FAILED = "sent", "token_gone", "retry", "failed"

# FCM error codes (google.firebase.fcm.v1.FcmError, else the platform status).
_TOKEN_GONE_CODES = frozenset({"UNREGISTERED", "SENDER_ID_MISMATCH"})
_RETRY_CODES = frozenset(
    {
        "UNAVAILABLE",
        "INTERNAL",
        "QUOTA_EXCEEDED",
        # A 429 without FCM's own detail: the same rate limit as QUOTA_EXCEEDED.
        "RESOURCE_EXHAUSTED",
        "DEADLINE_EXCEEDED",
        "UNKNOWN",
    }
)
# The SDK's exception classes for FCM-specific codes; anything else carries the
# platform code (INVALID_ARGUMENT, UNAVAILABLE, ...) in ``FirebaseError.code``.
_FCM_CODES: tuple[tuple[type[exceptions.FirebaseError], str], ...] = (
    (messaging.UnregisteredError, "UNREGISTERED"),
    (messaging.SenderIdMismatchError, "SENDER_ID_MISMATCH"),
    (messaging.QuotaExceededError, "QUOTA_EXCEEDED"),
    (messaging.ThirdPartyAuthError, "THIRD_PARTY_AUTH_ERROR"),
)
# A push firebase-admin refuses to encode (it raises ValueError for the whole batch).
INVALID_MESSAGE = "INVALID_MESSAGE"


@dataclass(frozen=True)
class Push:
    token: str  # device registration token
    message_id: str  # stable id of the notification (the app drops duplicates by it)
    type: str  # notification type, e.g. "new_offer"
    title: str
    body: str
    data: dict[str, str]  # deep-link ids; the gateway adds "message_id" and "type" to it
    urgent: bool  # android priority high/normal, apns-priority 10/5


@dataclass(frozen=True)
class PushResult:
    push: Push
    outcome: str  # SENT, TOKEN_GONE, RETRY or FAILED
    error: str | None  # FCM's error code, e.g. "UNREGISTERED", "UNAVAILABLE"


def build_message(push: Push) -> messaging.Message:
    """The FCM message for a push: a visible notification plus the data the app routes
    on. ``message_id`` and ``type`` go into the data so the app can drop duplicates and
    deep-link without parsing the text."""
    with warnings.catch_warnings():
        # firebase-admin 7.7 deprecates ``token`` for ``fid`` (Firebase installation ids);
        # the apps register FCM registration tokens, which only ``token`` addresses.
        warnings.filterwarnings("ignore", "Message.token is deprecated", DeprecationWarning)
        return messaging.Message(
            token=push.token,
            notification=messaging.Notification(title=push.title, body=push.body),
            data={**push.data, "message_id": push.message_id, "type": push.type},
            android=messaging.AndroidConfig(priority="high" if push.urgent else "normal"),
            apns=messaging.APNSConfig(headers={"apns-priority": "10" if push.urgent else "5"}),
        )


def error_code(exc: BaseException) -> str:
    """FCM's error code for an exception out of firebase-admin (``UNKNOWN`` if none)."""
    for exc_type, code in _FCM_CODES:
        if isinstance(exc, exc_type):
            return code
    if isinstance(exc, exceptions.FirebaseError):
        return str(exc.code)
    return "UNKNOWN"


def _names_the_token(exc: BaseException) -> bool:
    # FCM answers INVALID_ARGUMENT both for a malformed token and for a malformed message
    # (too big, reserved data key); only its message tells them apart ("The registration
    # token is not a valid FCM registration token"). Deleting every recipient's token for
    # our own bad payload would silence them for good, so only the former is TOKEN_GONE.
    return "registration token" in str(exc).lower()


def outcome_of(exc: BaseException) -> tuple[str, str]:
    """(outcome, error code) of one push that FCM did not accept."""
    code = error_code(exc)
    if code in _TOKEN_GONE_CODES:
        return TOKEN_GONE, code
    if code == "INVALID_ARGUMENT":
        return (TOKEN_GONE if _names_the_token(exc) else FAILED), code
    if code in _RETRY_CODES:
        return RETRY, code
    return FAILED, code


def _result(push: Push, response: messaging.SendResponse) -> PushResult:
    if response.success:
        return PushResult(push, SENT, None)
    if response.exception is None:
        # A 2xx without a message name: not what FCM answers; sending again is safe.
        return PushResult(push, RETRY, "UNKNOWN")
    outcome, code = outcome_of(response.exception)
    return PushResult(push, outcome, code)


def _token_tail(token: str) -> str:
    return token[-6:]


class FcmGateway:
    """Sends pushes through firebase-admin, or (with no firebase app) only logs them."""

    def __init__(
        self,
        firebase_app: firebase_admin.App | None,
        *,
        endpoint: str = GOOGLE_FCM,
        reason: str = "",
    ) -> None:
        self._firebase_app = firebase_app
        self.mode = "fcm" if firebase_app is not None else "log"
        self.endpoint = endpoint
        self._reason = reason

    def describe(self) -> str:
        if self._firebase_app is None:
            return (
                "FCM: NOT SENDING ANY PUSH NOTIFICATIONS - "
                f"{self._reason}; every push is only logged and counted as sent"
            )
        return (
            f"FCM: sending push notifications to {self.endpoint} "
            f"(project {self._firebase_app.project_id})"
        )

    def send_each(self, pushes: list[Push]) -> list[PushResult]:
        """One result per push, in the same order."""
        results: list[PushResult] = []
        for start in range(0, len(pushes), MAX_BATCH):
            results.extend(self._send_batch(pushes[start : start + MAX_BATCH]))
        return results

    def _send_batch(self, pushes: list[Push]) -> list[PushResult]:
        if not pushes:
            return []
        if self._firebase_app is None:
            return [self._log_only(push) for push in pushes]
        try:
            batch = messaging.send_each(
                [build_message(push) for push in pushes], app=self._firebase_app
            )
        except ValueError:
            # firebase-admin validates every message before sending any: find the bad
            # one(s) by halving, so one broken push does not hold back the rest.
            if len(pushes) == 1:
                log.error(
                    "push refused by firebase-admin",
                    extra={"message_id": pushes[0].message_id, "type": pushes[0].type},
                    exc_info=True,
                )
                return [PushResult(pushes[0], FAILED, INVALID_MESSAGE)]
            half = len(pushes) // 2
            return self._send_batch(pushes[:half]) + self._send_batch(pushes[half:])
        except Exception as exc:
            # send_each wraps whatever broke the batch (a credential that cannot refresh,
            # a worker thread failing) in a FirebaseError; the outbox will try again.
            code = error_code(exc)
            log.warning(
                "FCM batch of %d failed, all to be retried: %s",
                len(pushes),
                exc,
                extra={"fcm_error": code},
                exc_info=not isinstance(exc, exceptions.FirebaseError),
            )
            return [PushResult(push, RETRY, code) for push in pushes]
        return [
            _result(push, response) for push, response in zip(pushes, batch.responses, strict=True)
        ]

    def _log_only(self, push: Push) -> PushResult:
        log.info(
            "push NOT sent (no FCM credentials): %s %s to …%s: %s",
            push.type,
            push.message_id,
            _token_tail(push.token),
            push.title,
        )
        return PushResult(push, SENT, None)


def _point_at(firebase_app: firebase_admin.App, api_base: str) -> str:
    """Make this firebase app's messaging service post to ``api_base``; other apps in the
    process keep Google's endpoint.

    firebase-admin has no option for the FCM endpoint. Its messaging service is built once
    per app and keeps the formatted URL in ``_fcm_url``; we build it now and replace that
    URL. If an upgrade moves it, start-up fails here instead of sending to Google.
    """
    service = messaging._get_messaging_service(firebase_app)
    google_url = messaging._MessagingService.FCM_URL.format(firebase_app.project_id)
    if getattr(service, "_fcm_url", None) != google_url:
        raise ConfigError(
            "FCM_API_BASE is set, but this firebase-admin does not keep its FCM URL where "
            "otagai.integrations.fcm expects it"
        )
    url = f"{api_base.rstrip('/')}/v1/projects/{firebase_app.project_id}/messages:send"
    service._fcm_url = url
    return url


def _gateway(app: Flask, settings: Settings) -> FcmGateway:
    auth_state: AuthState = app.extensions[AUTH_EXTENSION_KEY]
    firebase_app = auth_state.firebase_app
    if settings.fcm_api_base:
        _point_at(firebase_app, settings.fcm_api_base)
        return FcmGateway(firebase_app, endpoint=settings.fcm_api_base.rstrip("/"))
    if settings.google_application_credentials:
        return FcmGateway(firebase_app)
    return FcmGateway(None, reason="neither GOOGLE_APPLICATION_CREDENTIALS nor FCM_API_BASE is set")


def init_app(app: Flask, settings: Settings) -> None:
    app.extensions[EXTENSION_KEY] = _gateway(app, settings)


def fcm_gateway() -> FcmGateway:
    """The current app's gateway (set by ``init_app``)."""
    gateway: FcmGateway = current_app.extensions[EXTENSION_KEY]
    return gateway
