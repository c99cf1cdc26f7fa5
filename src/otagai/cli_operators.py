"""``flask operators grant | revoke | list``: platform staff, for whoever has shell access
to the service.

An operator is a Firebase user with the custom claim ``operator: true`` (PRODUCT.md: "set
with an admin CLI"). The claim is written with firebase-admin's ``set_custom_user_claims``,
keeping the user's other custom claims; the emulator's accounts in development, the real
project's with GOOGLE_APPLICATION_CREDENTIALS in production.

A grant or revoke that changes something is written to the audit log (role operator,
action ``operator.grant`` / ``operator.revoke``, the Firebase uid as target, the shell
login as actor). The entry is flushed before Firebase is called and committed after it
answered, so a refused Firebase call leaves no entry.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import current_app
from flask.cli import with_appcontext

from otagai.domain.actors import Actor
from otagai.domain.audit.services import record
from otagai.extensions.auth import EXTENSION_KEY, AccountAdminError, AuthState, FirebaseUser
from otagai.extensions.db import session

OPERATOR = "operator"


@contextmanager
def _as_click_errors() -> Iterator[None]:
    try:
        yield
    except AccountAdminError as exc:
        session.rollback()
        raise click.ClickException(str(exc)) from exc


def _auth() -> AuthState:
    state: AuthState = current_app.extensions[EXTENSION_KEY]
    return state


def _shell_actor() -> Actor:
    """Who the audit log names: the login at the shell (no Firebase user of its own)."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid, e.g. in a bare container
        login = "unknown"
    return Actor(uid=f"cli:{login}"[:128])


def _label(user: FirebaseUser) -> str:
    return f"{user.uid} ({user.email})" if user.email else user.uid


def _change(uid_or_email: str, operator: bool) -> None:
    auth = _auth()
    with _as_click_errors():
        user = auth.find_user(uid_or_email)
        if user.is_operator == operator:
            click.echo(f"{_label(user)} is {'already' if operator else 'not'} an operator")
            return
        record(
            _shell_actor(),
            role=OPERATOR,
            action="operator.grant" if operator else "operator.revoke",
            target_type="firebase_user",
            target_id=user.uid,
        )
        auth.set_operator(user, operator)
    session.commit()
    if operator:
        click.echo(f"{_label(user)} is now an operator")
    else:
        click.echo(f"{_label(user)} is no longer an operator")
    click.echo(
        "Tokens already issued keep their claims until they expire (at most an hour); "
        "the next sign-in or token refresh carries the change."
    )


@click.group()
def operators() -> None:
    """Platform staff: the Firebase custom claim operator=true."""


@operators.command("grant")
@click.argument("uid_or_email")
@with_appcontext
def grant(uid_or_email: str) -> None:
    """Make the Firebase user UID_OR_EMAIL an operator."""
    _change(uid_or_email, True)


@operators.command("revoke")
@click.argument("uid_or_email")
@with_appcontext
def revoke(uid_or_email: str) -> None:
    """Take the operator claim from the Firebase user UID_OR_EMAIL."""
    _change(uid_or_email, False)


@operators.command("list")
@with_appcontext
def list_operators() -> None:
    """Print the Firebase users with the operator claim, one per line: uid and email."""
    with _as_click_errors():
        found = sorted(_auth().operators(), key=lambda user: user.uid)
    if not found:
        click.echo("no operators")
        return
    click.echo("uid\temail")
    for user in found:
        click.echo(f"{user.uid}\t{user.email or '-'}")
