"""Otagai (お互いさま): the backend of a neighbourhood childcare-sharing app."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from otagai.config import Settings


def create_app(settings: Settings | None = None, **flask_config: Any) -> Flask:
    """config -> logging -> db -> auth -> api -> blueprints -> limits -> cli."""
    from otagai import cli
    from otagai.api.audit.routes import blp as audit_blp
    from otagai.api.calendar.pages import pages as calendar_pages
    from otagai.api.calendar.routes import blp as calendar_blp
    from otagai.api.certifications.routes import blp as certifications_blp
    from otagai.api.claims.routes import blp as claims_blp
    from otagai.api.communities.routes import blp as communities_blp
    from otagai.api.dashboard.pages import pages as dashboard_pages
    from otagai.api.events.routes import blp as events_blp
    from otagai.api.households.routes import blp as households_blp
    from otagai.api.insurance.routes import blp as insurance_blp
    from otagai.api.matches.routes import blp as matches_blp
    from otagai.api.matching.routes import blp as matching_blp
    from otagai.api.me import child_reads  # noqa: F401  (its routes join the me blueprint)
    from otagai.api.me.routes import blp as me_blp
    from otagai.api.municipalities.routes import blp as municipalities_blp
    from otagai.api.notifications.routes import blp as notifications_blp
    from otagai.api.offers.routes import blp as offers_blp
    from otagai.api.partners.routes import blp as partners_blp
    from otagai.api.passes.pages import pages as pass_pages
    from otagai.api.payments.pages import pages as payout_pages
    from otagai.api.payments.routes import blp as payments_blp
    from otagai.api.payments.routes import webhook_blp as stripe_webhook_blp
    from otagai.api.reports.routes import blp as reports_blp
    from otagai.api.share_requests.routes import blp as share_requests_blp
    from otagai.api.share_series.routes import blp as share_series_blp
    from otagai.api.statistics.routes import blp as statistics_blp
    from otagai.api.system.routes import blp as system_blp
    from otagai.api.thanks.routes import blp as thanks_blp
    from otagai.api.trust.routes import blp as trust_blp
    from otagai.extensions import auth, db, guards, headers, limits, logs, metrics
    from otagai.extensions.api import Api, make_marshmallow_plugin
    from otagai.extensions.dispatch import OtagaiFlask
    from otagai.integrations import fcm, stripe_gateway

    settings = settings or Settings.from_env()
    settings.check()
    app = OtagaiFlask(__name__)
    app.config["OTAGAI"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    app.config["TESTING"] = settings.env == "test"
    # Errors become problem+json even under test, as the app would see them.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.config.update(flask_config)

    logs.configure_logging(settings.log_level)
    logs.init_app(app)
    headers.init_app(app, settings)
    metrics.init_app(app, settings)
    guards.init_app(app)
    db.init_app(app, settings)
    if settings.proxy_hops:
        # Behind that many proxies, the client's address, scheme and host are the ones
        # they forwarded (rate limits and logs see the client, not the proxy).
        hops = settings.proxy_hops
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    auth.init_app(app, settings)
    stripe_gateway.init_app(app, settings)
    fcm.init_app(app, settings)

    api = Api(app, spec_kwargs={"marshmallow_plugin": make_marshmallow_plugin()})
    api.register_blueprint(system_blp)
    for blueprint in (
        me_blp,
        notifications_blp,
        households_blp,
        municipalities_blp,
        partners_blp,
        communities_blp,
        trust_blp,
        certifications_blp,
        events_blp,
        audit_blp,
        share_requests_blp,
        share_series_blp,
        calendar_blp,
        matching_blp,
        offers_blp,
        matches_blp,
        reports_blp,
        insurance_blp,
        claims_blp,
        thanks_blp,
        payments_blp,
        stripe_webhook_blp,
        statistics_blp,
    ):
        api.register_blueprint(blueprint, url_prefix="/v1" + (blueprint.url_prefix or ""))
    app.extensions["otagai.api"] = api
    app.register_blueprint(payout_pages)
    app.register_blueprint(dashboard_pages)
    app.register_blueprint(pass_pages)
    app.register_blueprint(calendar_pages)
    # Last: the limits wrap the registered views that name a budget.
    limits.init_app(app, settings)

    cli.init_app(app)
    return app
