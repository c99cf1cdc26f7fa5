"""``flask municipalities create-key | list-keys | revoke-key``: partner API keys, for
operators with shell access to the service.

Commands commit once at their end; the services they call only flush. A domain error
(unknown municipality, unknown key, ...) becomes a one-line message and exit status 1.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import click
from flask.cli import with_appcontext

from otagai.domain.partners import keys
from otagai.errors import DomainError
from otagai.extensions.db import session
from otagai.messages import detail_for


@contextmanager
def _as_click_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        session.rollback()
        message = detail_for(exc.code, "en") or exc.code
        for field, problems in (exc.errors or {}).items():
            message += f" {field}: {' '.join(problems)}"
        raise click.ClickException(message) from exc


def _when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"


@click.group()
def municipalities() -> None:
    """Partner municipalities: their API keys."""


@municipalities.command("create-key")
@click.argument("code")
@click.option("--label", required=True, help="Who holds the key, e.g. 'Saitama city stats'.")
@with_appcontext
def create_key(code: str, label: str) -> None:
    """Make an API key for municipality CODE and print it (once)."""
    with _as_click_errors():
        key, plaintext = keys.create_key(code, label)
    session.commit()
    click.echo(f"API key for {key.municipality_code} ({key.label}), id {key.id}:")
    click.echo(plaintext)
    click.echo(
        "Store it now: it cannot be shown again (only its hash is kept). "
        "Send it as the X-API-Key header."
    )


@municipalities.command("list-keys")
@click.argument("code", required=False)
@with_appcontext
def list_keys(code: str | None) -> None:
    """List API keys (of municipality CODE, if given); never the keys themselves."""
    with _as_click_errors():
        found = keys.list_keys(code)
    session.commit()
    if not found:
        click.echo("no API keys")
        return
    click.echo("id\tmunicipality\tprefix\tlabel\tcreated\tlast used\trevoked")
    for key in found:
        click.echo(
            "\t".join(
                (
                    str(key.id),
                    key.municipality_code,
                    f"{key.prefix}…",
                    key.label,
                    _when(key.created_at),
                    _when(key.last_used_at),
                    _when(key.revoked_at),
                )
            )
        )


@municipalities.command("revoke-key")
@click.argument("id_or_prefix")
@with_appcontext
def revoke_key(id_or_prefix: str) -> None:
    """Revoke an API key, named by its id or its prefix (from list-keys)."""
    with _as_click_errors():
        key = keys.revoke_key(id_or_prefix.rstrip("…"))
    session.commit()
    click.echo(
        f"revoked {key.prefix}… ({key.municipality_code}, {key.label}) "
        f"at {_when(key.revoked_at)}; it now answers 401"
    )
