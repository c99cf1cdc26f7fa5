"""Liveness, readiness and the self-hosted API docs."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import firebase_admin
import pytest

from otagai import create_app
from otagai.config import Settings
from tests.helpers import assert_problem

UNREACHABLE_DB = "postgresql+psycopg://postgres@127.0.0.1:1/x"


@pytest.fixture
def unreachable_app() -> Iterator[Any]:
    """The app as it starts while its database is down (nothing listens on port 1)."""
    app = create_app(Settings.from_env(database_url=UNREACHABLE_DB, env="test"))
    yield app
    app.extensions["otagai.db"].engine.dispose()
    # Its Firebase app is named after id(app); free the name for a later app at that address.
    firebase_admin.delete_app(app.extensions["otagai.auth"].firebase_app)


def test_healthz_is_200_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_needs_no_token_nor_database(unreachable_app):
    response = unreachable_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readyz_is_200_ok_without_versions(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert "USE_GEOS" not in response.get_data(as_text=True)


def test_readyz_with_database_unreachable_is_503_problem(unreachable_app):
    response = unreachable_app.test_client().get("/readyz", headers={"Accept-Language": "en"})
    body = assert_problem(response, 503, "service_unavailable")
    raw = response.get_data(as_text=True)
    # Says what, not why: no driver error, host or port for the world to read.
    assert "127.0.0.1" not in raw
    assert "psycopg" not in raw.lower()
    assert "connection" not in body["detail"].lower()


def test_readyz_with_database_unreachable_stays_503_on_retry(unreachable_app):
    # A failed check leaves no broken session behind that would turn the next into a 500.
    client = unreachable_app.test_client()
    assert [client.get("/readyz").status_code for _ in range(3)] == [503, 503, 503]


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value:
                self.urls.append(value)


def _docs_assets(client: Any) -> tuple[str, list[str]]:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    parser = _Assets()
    parser.feed(html)
    return html, parser.urls


def test_docs_is_html_that_loads_swagger_ui(client):
    html, urls = _docs_assets(client)
    assert "SwaggerUIBundle" in html
    assert '"/openapi.json"' in html
    assert any(u.endswith("swagger-ui-bundle.js") for u in urls)
    assert any(u.endswith("swagger-ui.css") for u in urls)


def test_docs_references_only_local_assets(client):
    html, urls = _docs_assets(client)
    assert urls
    assert "http://" not in html
    assert "https://" not in html
    for url in urls:
        assert url.startswith("/") and not url.startswith("//"), f"not a local path: {url}"


def test_docs_assets_are_all_served(client):
    _, urls = _docs_assets(client)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert len(response.get_data()) > 1000, url
        expected = "text/css" if url.endswith(".css") else "javascript"
        assert expected in response.mimetype, (url, response.mimetype)
        response.close()


def test_docs_spec_url_is_served(client):
    response = client.get("/openapi.json")
    assert response.status_code == 200
    assert response.get_json()["info"]["title"] == "Otagai API"
