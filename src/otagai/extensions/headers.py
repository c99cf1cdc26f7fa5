"""Headers every answer carries, whatever produced it (a view, an error handler, a 500).

- ``X-Content-Type-Options: nosniff``: a browser must not guess a JSON answer (or a
  problem's echoed ``instance``) to be HTML or script.
- ``Strict-Transport-Security`` in production only: there the service is reached over
  HTTPS alone (TLS ends at the load balancer); in development it is plain HTTP on
  localhost, where a browser remembering HSTS would lock the developer out.
- ``Vary: Accept-Language`` is set where an answer is localized (``problems.problem``).
"""

from __future__ import annotations

from flask import Flask, Response

from otagai.config import Settings

# One year; without includeSubDomains, which would bind hosts this service does not own.
HSTS = "max-age=31536000"


def init_app(app: Flask, settings: Settings) -> None:
    production = settings.env == "production"

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        if production:
            response.headers["Strict-Transport-Security"] = HSTS
        return response
