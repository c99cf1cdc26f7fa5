"""Commands: ``flask seed`` (and ``flask seed synthetic``), ``flask dev-token``,
``flask idempotency purge`` (= ``flask retention purge``), ``flask expire-requests``,
``flask notifications work``, ``flask jobs tick``; ``flask municipalities ...``
(cli_partners.py) and ``flask operators grant | revoke | list`` (cli_operators.py).

Commands commit once at their end; the services they call only flush.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from otagai.cli_operators import operators
from otagai.cli_partners import municipalities
from otagai.domain import retention
from otagai.extensions.auth import mint_emulator_token
from otagai.extensions.db import session
from otagai.seeding.synthetic.command import synthetic


def init_app(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(dev_token)
    app.cli.add_command(idempotency)
    app.cli.add_command(retention_group)
    app.cli.add_command(expire_requests)
    app.cli.add_command(notifications)
    app.cli.add_command(jobs)
    app.cli.add_command(municipalities)
    app.cli.add_command(operators)


@click.group(invoke_without_command=True)
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder of seed YAML files (default: the repo's seeds/).",
)
@click.pass_context
@with_appcontext
def seed(ctx: click.Context, directory: Path | None) -> None:
    """Load the demo data (idempotent: a second run changes nothing).

    `flask seed synthetic` loads a synthetic town instead (see its --help).
    """
    if ctx.invoked_subcommand is not None:
        return
    from otagai.seeding import load_seeds

    settings = current_app.config["OTAGAI"]
    directory = directory or (Path(settings.seeds_dir) if settings.seeds_dir else None)
    report = load_seeds(directory)
    session.commit()
    created = ", ".join(f"{k}={v}" for k, v in sorted(report.created.items()))
    click.echo(f"seed: created {created}")


seed.add_command(synthetic)


@click.command("dev-token")
@click.argument("uid")
@click.option("--operator", is_flag=True, help="Add the custom claim operator=true.")
@click.option("--expires-in", default=3600, show_default=True, help="Seconds.")
@with_appcontext
def dev_token(uid: str, operator: bool, expires_in: int) -> None:
    """Print an emulator ID token for UID (development only).

    Use it as `Authorization: Bearer <token>`; demo users' uids are in seeds/.
    """
    settings = current_app.config["OTAGAI"]
    if not settings.emulator_mode:
        raise click.ClickException(
            "dev-token needs emulator mode: set FIREBASE_AUTH_EMULATOR_HOST "
            "(e.g. 127.0.0.1:9099) and a demo- FIREBASE_PROJECT_ID"
        )
    click.echo(
        mint_emulator_token(
            uid, settings.firebase_project_id, operator=operator, expires_in=expires_in
        )
    )


@click.group()
def idempotency() -> None:
    """Stored Idempotency-Key answers."""


@idempotency.command("purge")
@with_appcontext
def purge() -> None:
    """Delete every retained row whose window has passed, stored answers older than
    IDEMPOTENCY_TTL_HOURS included (the worker's tick does it on its own; README,
    "Retention"). Kept for the cron jobs that call it: same as ``flask retention purge``."""
    _purge_all()


@click.group("retention")
def retention_group() -> None:
    """Rows kept only for a while: idempotent answers, outbox, notifications, webhooks."""


@retention_group.command("purge")
@with_appcontext
def retention_purge() -> None:
    """Delete now, in batches, every row whose retention window has passed (the worker's
    tick does the same on its own every RETENTION_INTERVAL_SECONDS)."""
    _purge_all()


def _purge_all() -> None:
    purged = retention.purge_all(session, datetime.now(UTC), current_app.config["OTAGAI"])
    click.echo(
        f"purged {purged.idempotency_records} idempotency records, "
        f"{purged.outbox_events} outbox events, {purged.notifications} notifications, "
        f"{purged.stripe_webhook_events} stripe webhook events"
    )


@click.command("expire-requests")
@with_appcontext
def expire_requests() -> None:
    """Mark open requests whose start has passed as expired (run from cron).

    Readers already see them as expired; this writes it down and declines their pending
    offers, in one statement and one commit.
    """
    from otagai.domain.requests.services import expire_requests as expire

    result = expire()
    session.commit()
    click.echo(
        f"expired {result.requests} requests (declined {result.offers_declined} pending offers)"
    )


@click.group()
def notifications() -> None:
    """Push notifications."""


@notifications.command("work")
@click.option("--once", is_flag=True, help="One round, then exit (cron, tests).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds to sleep when idle.")
@click.option("--batch", default=100, show_default=True, help="Rows per claim.")
@click.option(
    "--heartbeat",
    type=click.Path(dir_okay=False),
    default=None,
    help="File touched on every round (liveness); default WORKER_HEARTBEAT_FILE.",
)
@with_appcontext
def notifications_work(once: bool, interval: float, batch: int, heartbeat: str | None) -> None:
    """Deliver notifications: scheduled jobs, outbox fan-out, pushes through FCM.

    In its loop it stops cleanly on SIGTERM or SIGINT: the round under way finishes, then
    it exits 0."""
    import logging
    import threading
    from pathlib import Path

    from flask import current_app

    from otagai import worker
    from otagai.integrations.fcm import fcm_gateway

    gateway = fcm_gateway()
    if gateway.mode == "log":
        # Loudly: a developer must not think pushes went out.
        logging.getLogger("otagai.worker").warning(gateway.describe())
        click.secho(gateway.describe(), fg="yellow", err=True)
    else:
        click.echo(gateway.describe(), err=True)
    if once:
        done = worker.run_once(batch=batch)
        click.echo(
            f"notifications: events={done.fan_out.events} "
            f"notifications={done.fan_out.notifications} claimed={done.delivery.claimed} "
            f"outcomes={dict(done.delivery.outcomes)} "
            f"tokens_removed={done.delivery.tokens_removed} "
            f"reminders={done.tick.reminders} expiry_notices={done.tick.expiry_notices}"
        )
        return
    heartbeat = heartbeat or current_app.config["OTAGAI"].worker_heartbeat_file
    stop = threading.Event()
    worker.stop_on_signals(stop)
    worker.run_forever(
        interval=interval, batch=batch, stop=stop, heartbeat=Path(heartbeat) if heartbeat else None
    )


@click.group()
def jobs() -> None:
    """Scheduled jobs (the notification worker runs them on every round)."""


@jobs.command("tick")
@with_appcontext
def jobs_tick() -> None:
    """Run every scheduled job once: reminders, expiry notices, request expiry, late
    escalation (docs/late-escalation.md)."""
    from otagai.domain.notifications.jobs import tick

    done = tick(
        datetime.now(UTC),
        current_app.config["OTAGAI"].late_escalation,
        timedelta(days=current_app.config["OTAGAI"].series_horizon_days),
    )
    session.commit()
    click.echo(
        f"jobs: reminders={done.reminders} expiry_notices={done.expiry_notices} "
        f"requests_expired={done.requests_expired} late_escalations={done.late_escalations} "
        f"series_occurrences={done.series_occurrences}"
    )
