"""``flask seed synthetic``: load a synthetic town into the app's database."""

from __future__ import annotations

import sys
from contextlib import nullcontext
from datetime import datetime
from types import TracebackType
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from otagai.domain.clock import TOKYO

NOW_FORMATS = [
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%dT%H:%M:%S%z",
]


class RichProgress:
    """A bar per table (rows written of rows planned), for a terminal."""

    def __init__(self) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.bars = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.bars.stop()

    def planned(self, table: str, rows: int) -> None:
        if table in self.tasks:
            task = self.tasks[table]
            self.bars.update(task, total=self.bars.tasks[task].total + rows)
        else:
            self.tasks[table] = self.bars.add_task(table, total=rows)

    def wrote(self, table: str, rows: int) -> None:
        self.bars.advance(self.tasks[table], rows)


def _rows(rows: dict[str, int]) -> str:
    return ", ".join(f"{table}={count}" for table, count in sorted(rows.items()))


@click.command("synthetic")
@click.option("--households", default=3000, show_default=True, type=click.IntRange(1, 5_000_000))
@click.option("--municipality", default="111007", show_default=True, help="JIS code.")
@click.option(
    "--months",
    default=12,
    show_default=True,
    type=click.IntRange(1, 36),
    help="Months of activity, ending with the current one.",
)
@click.option(
    "--seed",
    default=1,
    show_default=True,
    type=click.IntRange(0),
    help="Same seed and parameters: same rows. One load per seed.",
)
@click.option(
    "--now",
    "now",
    type=click.DateTime(NOW_FORMATS),
    default=None,
    help="The moment the history ends (Tokyo time unless an offset is given); default: now.",
)
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(1, 8),
    help="Database connections writing at once.",
)
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Progress bars (default: when the output is a terminal).",
)
@with_appcontext
def synthetic(
    households: int,
    municipality: str,
    months: int,
    seed: int,
    now: datetime | None,
    workers: int,
    progress: bool | None,
) -> None:
    """Load a synthetic town: households around the stations, children, acquaintances,
    communities, certified supporters, events and MONTHS of requests, offers, matches and
    thank-yous. Loading the same seed again changes nothing."""
    from otagai.seeding.synthetic import SyntheticLoadError, build_synthetic

    if now is not None and now.tzinfo is None:
        now = now.replace(tzinfo=TOKYO)
    settings = current_app.config["OTAGAI"]
    show = sys.stdout.isatty() if progress is None else progress
    bars = RichProgress() if show else None
    try:
        with bars or nullcontext():
            summary = build_synthetic(
                settings.database_url,
                households=households,
                municipality=municipality,
                months=months,
                seed=seed,
                now=now,
                progress=bars,
                workers=workers,
            )
    except SyntheticLoadError as exc:
        raise click.ClickException(str(exc)) from exc
    if summary.already_loaded:
        click.echo(
            f"seed synthetic: seed {summary.seed} already loaded ({summary.households} households "
            f"in {summary.municipality}, {summary.months} months to {summary.now.isoformat()}): "
            f"nothing to do"
        )
        return
    click.echo(
        f"seed synthetic: loaded seed {summary.seed} ({summary.households} households in "
        f"{summary.municipality}, {summary.months} months to {summary.now.isoformat()}) in "
        f"{summary.seconds:.1f} s: {_rows(summary.rows)}"
    )
