"""Prometheus metrics (prometheus-flask-exporter), on an endpoint not open to the public.

- ``flask_http_request_duration_seconds`` (histogram) and ``flask_http_request_total``,
  labelled by method, ``route`` (the URL rule, ``/v1/matches/<uuid:match_id>``: never a
  raw path, so no ids and no unbounded labels; ``<unmatched>`` for a path no rule knows)
  and status.
- Read from the database at scrape time: ``otagai_outbox_lag_seconds`` (the age of the
  oldest undelivered outbox event), ``otagai_outbox_undelivered``,
  ``otagai_notifications_retrying`` and ``otagai_notifications_failed`` (gave up in the
  last 24 h): the worker's health, whichever worker runs. ``otagai_metrics_database_up``
  is 0 when those could not be read (the request metrics are still served).

``GET /metrics`` answers only with ``Authorization: Bearer <METRICS_TOKEN>``; without
METRICS_TOKEN, or with any other credential, it is a 404 like any unknown path, so the
internet cannot tell it exists.

Under gunicorn every worker counts its own requests: with PROMETHEUS_MULTIPROC_DIR set
(gunicorn.conf.py sets it) they are written to files there and a scrape, served by any
worker, sums them all; gunicorn's ``child_exit`` hook marks a dead worker's files.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_flask_exporter import PrometheusMetrics
from sqlalchemy import text

from otagai.config import Settings
from otagai.errors import NotFound
from otagai.extensions.db import EXTENSION_KEY as DB_EXTENSION_KEY
from otagai.extensions.db import session

EXTENSION_KEY = "otagai.metrics"
PATH = "/metrics"
UNMATCHED = "<unmatched>"


def route(req: Any) -> str:
    """The label of a request: its URL rule, never the path it was called with."""
    rule = req.url_rule
    return str(rule.rule) if rule is not None else UNMATCHED


def _multiprocess() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class DatabaseCollector:
    """Gauges read from the database when Prometheus scrapes."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        from otagai.domain.notifications.backlog import backlog

        up = GaugeMetricFamily(
            "otagai_metrics_database_up", "1 when the database gauges below could be read"
        )
        try:
            with self.app.app_context():
                # The primary, in a transaction (a GET otherwise reads in autocommit, where
                # SET LOCAL is void): a scrape must never hold the database up, it gives
                # up after 2 s.
                g.db_bind = self.app.extensions[DB_EXTENSION_KEY].engine
                session.execute(text("SET LOCAL statement_timeout = '2s'"))
                found = backlog(datetime.now(UTC))
                session.rollback()
        except Exception:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, doc, value in (
            (
                "otagai_outbox_lag_seconds",
                "Age of the oldest undelivered outbox event (0: none waiting)",
                found.outbox_lag_seconds,
            ),
            (
                "otagai_outbox_undelivered",
                "Outbox events not yet turned into notifications",
                found.outbox_undelivered,
            ),
            (
                "otagai_notifications_retrying",
                "Pending notifications waiting to be retried after a failed push",
                found.notifications_retrying,
            ),
            (
                "otagai_notifications_failed",
                "Notifications whose delivery gave up, made in the last 24 hours",
                found.notifications_failed_recently,
            ),
        ):
            gauge = GaugeMetricFamily(name, doc)
            gauge.add_metric([], value)
            yield gauge


def _authorized(settings: Settings) -> bool:
    token = settings.metrics_token
    if not token:
        return False
    given = request.headers.get("Authorization", "")
    return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def init_app(app: Flask, settings: Settings) -> None:
    # A registry per app (tests build several apps in one process); under gunicorn the
    # samples go to PROMETHEUS_MULTIPROC_DIR whatever the registry.
    registry = CollectorRegistry(auto_describe=True)
    exporter = PrometheusMetrics(
        app,
        path=None,  # served below, behind the token
        group_by=route,
        registry=registry,
        excluded_paths=[f"^{PATH}$"],
    )
    app.extensions[EXTENSION_KEY] = exporter

    def metrics() -> Response:
        if not _authorized(current_app.config["OTAGAI"]):
            raise NotFound()
        scrape = CollectorRegistry(auto_describe=True)
        if _multiprocess():
            multiprocess.MultiProcessCollector(scrape)
        else:
            scrape.register(registry)
        scrape.register(DatabaseCollector(app))
        response = Response(generate_latest(scrape), mimetype=None)
        response.headers["Content-Type"] = CONTENT_TYPE_LATEST
        response.headers["Cache-Control"] = "no-store"
        return response

    app.add_url_rule(PATH, "metrics", metrics)
