"""The two web pages Stripe's onboarding returns a supporter to when no app link is
configured (``STRIPE_CONNECT_RETURN_URL`` / ``STRIPE_CONNECT_REFRESH_URL``). Plain
HTML, no data: the app reads the account's state from ``GET /v1/me/payout-account``."""

from __future__ import annotations

from flask import Blueprint, Response

pages = Blueprint("payout_pages", __name__)

_PAGE = """<!doctype html>
<html lang="ja"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Otagai</title></head>
<body style="font-family: sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem">
<p>{ja}</p><p lang="en">{en}</p></body></html>
"""


def _page(ja: str, en: str) -> Response:
    response = Response(_PAGE.format(ja=ja, en=en), mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"
    return response


@pages.get("/payout-account/return")
def onboarding_returned() -> Response:
    return _page(
        "受け取り口座の登録画面から戻りました。アプリに戻ってください。",
        "You are back from Stripe. Please return to the Otagai app.",
    )


@pages.get("/payout-account/refresh")
def onboarding_expired() -> Response:
    return _page(
        "登録用のリンクの有効期限が切れました。アプリからもう一度お試しください。",
        "The onboarding link has expired. Please start again from the Otagai app.",
    )
