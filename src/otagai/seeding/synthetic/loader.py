"""Writing the rows: COPY through psycopg, on a few connections at once.

The load is a list of jobs, each a few tables COPYed in one transaction and committed,
with the jobs it needs committed first (foreign keys: households before their adults,
adults before connections...). Workers, each with a connection of its own, take the
first job that is ready, so the database's slow parts (the public-point trigger on
every home and request, the foreign-key checks on millions of connections) run side by
side on the server while Python plans what comes next. Jobs that feed the statistics
triggers (households, requests, offers, matches, thank-yous) stay in one job on one
connection, so their counters are never contended.

Every trigger fires as it would for the app: the BEFORE ROW triggers that give homes and
requests their public points, the statement triggers that keep the monthly statistics
(once per COPY statement; big tables are COPYed in statements of ``Table.chunk`` rows).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import psycopg
from psycopg import sql

from otagai.seeding.synthetic.tables import Table

REPORT_EVERY = 5_000
# Per session: jit off as the app runs (PostGIS functions look expensive to the planner);
# commits need not wait for the disk (a crash loses the load, which then says so); memory
# for the triggers' joins over their transition tables.
OPTIONS = "-c jit=off -c timezone=UTC -c synchronous_commit=off -c work_mem=64MB"


class Progress(Protocol):
    """How a load reports: ``planned`` when a table's rows are known (a table may come in
    several parts), ``wrote`` as they are written."""

    def planned(self, table: str, rows: int) -> None: ...

    def wrote(self, table: str, rows: int) -> None: ...


class NoProgress:
    def planned(self, table: str, rows: int) -> None:
        pass

    def wrote(self, table: str, rows: int) -> None:
        pass


def copy_rows(
    conn: psycopg.Connection[Any], table: Table, report: Callable[[str, int], None]
) -> int:
    """COPY the table's rows, in statements of at most ``table.chunk`` rows, each row
    made as it is sent (the server works while Python makes the next). Returns the rows."""
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, table.columns))
    )
    rows: Iterator[Any] = iter(table.rows())
    total = 0
    row = next(rows, None)
    with conn.cursor() as cursor:
        while row is not None:
            with cursor.copy(statement) as copy:
                written = 0
                while row is not None and written < table.chunk:
                    copy.write_row(row)
                    written += 1
                    if written % REPORT_EVERY == 0:
                        report(table.name, REPORT_EVERY)
                    row = next(rows, None)
            report(table.name, written % REPORT_EVERY)
            total += written
        if table.analyze:
            cursor.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(table.name)))
    return total


Step = Callable[[psycopg.Connection[Any]], None]


@dataclass
class Job:
    name: str
    tables: list[Table]
    needs: set[str] = field(default_factory=set)
    # Run before and after the tables, in the same transaction.
    before: list[Step] = field(default_factory=list)
    after: list[Step] = field(default_factory=list)
    # Of the jobs ready, a worker takes the most urgent (then the first submitted): a job
    # that starts a long chain should not wait behind work that can be done any time.
    urgent: bool = False


def statement(query: str, params: dict[str, Any] | None = None) -> Step:
    def run(conn: psycopg.Connection[Any]) -> None:
        conn.execute(query, params)

    return run


class Failed(Exception):
    pass


class Runner:
    """Runs submitted jobs on ``workers`` connections, in submission order as far as
    their needs allow."""

    def __init__(self, url: str, workers: int, progress: Progress) -> None:
        self.url, self.progress = url, progress
        self.pending: list[Job] = []
        self.running: set[str] = set()
        self.done: set[str] = set()
        self.written: dict[str, int] = {}
        self.error: BaseException | None = None
        self.closed = False
        self.condition = threading.Condition()
        self.connections: list[psycopg.Connection[Any]] = []
        self.threads = [
            threading.Thread(target=self._work, name=f"synthetic-{n}", daemon=True)
            for n in range(max(1, workers))
        ]
        for thread in self.threads:
            thread.start()

    def submit(self, job: Job) -> None:
        if self.error is not None:
            raise self.error
        for table in job.tables:
            self.progress.planned(table.name, table.count)
        with self.condition:
            self.pending.append(job)
            self.condition.notify_all()

    def submitted(self) -> set[str]:
        with self.condition:
            return {j.name for j in self.pending} | self.running | self.done

    def _next(self) -> Job | None:
        with self.condition:
            while True:
                if self.error is not None or (self.closed and not self.pending):
                    return None
                ready = [job for job in self.pending if job.needs <= self.done]
                if ready:
                    job = next((j for j in ready if j.urgent), ready[0])
                    self.pending.remove(job)
                    self.running.add(job.name)
                    return job
                if self.closed and not self.running:
                    return None  # what is left can never run: wait() says so
                self.condition.wait()

    def _report(self, table: str, rows: int) -> None:
        with self.condition:
            self.written[table] = self.written.get(table, 0) + rows
            self.progress.wrote(table, rows)

    def _work(self) -> None:
        try:
            conn = psycopg.connect(self.url, options=OPTIONS)
        except BaseException as exc:
            self._fail(exc)
            return
        with self.condition:
            self.connections.append(conn)
        try:
            while (job := self._next()) is not None:
                for step in job.before:
                    step(conn)
                for table in job.tables:
                    copy_rows(conn, table, self._report)
                for step in job.after:
                    step(conn)
                conn.commit()
                with self.condition:
                    self.running.discard(job.name)
                    self.done.add(job.name)
                    self.condition.notify_all()
        except BaseException as exc:
            self._fail(exc)
        finally:
            conn.close()

    def _fail(self, exc: BaseException) -> None:
        with self.condition:
            if self.error is None:
                self.error = exc
            self.condition.notify_all()
            others = list(self.connections)
        # Stop the other workers' statements too: the load has failed.
        for conn in others:
            if not conn.closed:
                with contextlib.suppress(psycopg.Error):
                    conn.cancel_safe()

    def wait(self) -> dict[str, int]:
        """Until every submitted job is committed; raises the first failure."""
        with self.condition:
            self.closed = True
            self.condition.notify_all()
        try:
            for thread in self.threads:
                while thread.is_alive():
                    thread.join(0.2)
        except BaseException as exc:  # Ctrl-C: stop the workers before giving up
            self._fail(exc)
            for thread in self.threads:
                thread.join(5)
            raise
        if self.error is not None:
            raise self.error
        if self.pending:
            raise Failed(f"jobs never became ready: {[j.name for j in self.pending]}")
        return dict(self.written)

    def abort(self, exc: BaseException) -> None:
        """Stop: the caller failed (or was interrupted) while planning."""
        self._fail(exc)
        for thread in self.threads:
            thread.join(10)


def parts(total: int, count: int) -> list[range]:
    """``range(total)`` cut into ``count`` nearly equal consecutive parts."""
    step = -(-total // count) if total else 1
    return [range(start, min(start + step, total)) for start in range(0, total, step)]
