"""The matrix covers the spec: every operation of api_spec/openapi.json has a row, every
row is an operation of the spec, and every row says what every role gets (a status, or
why the role does not apply). Plus checks that the "nothing changed" digest and the leak
check of successful answers can fail at all."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.api.authorization import (
    test_communities,
    test_matches,
    test_people,
    test_series,
    test_sharing,
)
from tests.api.authorization.conftest import digest
from tests.api.authorization.matrix import NA, ROLES

SPEC = Path(__file__).resolve().parents[3] / "api_spec" / "openapi.json"
METHODS = {"get", "put", "post", "patch", "delete"}
TABLES = (test_people, test_communities, test_sharing, test_matches, test_series)
ROWS = [r for table in TABLES for r in table.ROWS]


def spec_operations() -> set[tuple[str, str]]:
    paths = json.loads(SPEC.read_text(encoding="utf-8"))["paths"]
    return {(m.upper(), path) for path, ops in paths.items() for m in ops if m in METHODS}


def test_every_operation_of_the_spec_has_a_row():
    missing = spec_operations() - {r.operation for r in ROWS}
    assert not missing, f"operations without rows in the authorization matrix: {sorted(missing)}"


def test_every_row_is_an_operation_of_the_spec():
    gone = {r.operation for r in ROWS} - spec_operations()
    assert not gone, f"matrix rows for operations the spec no longer has: {sorted(gone)}"


def test_the_spec_has_the_73_operations_the_matrix_was_written_for():
    # Not a limit: a guard that the spec file read is the real one.
    assert len(spec_operations()) >= 73


def test_every_row_answers_for_every_role():
    for r in ROWS:
        assert set(r.expect) == set(ROLES), r.label
        for role, status in r.expect.items():
            if isinstance(status, NA):
                assert status.reason.strip(), f"{r.label} as {role}: say why it does not apply"
            else:
                assert 200 <= status < 600, f"{r.label} as {role}"


def test_rows_are_unique():
    labels = [r.label for r in ROWS]
    assert len(labels) == len(set(labels))


def test_the_digest_sees_a_change(world, connection, digest_sql, world_digest):
    before = digest(connection, digest_sql)
    assert before == world_digest  # cells start from the world as built
    connection.execute(
        text("UPDATE children SET notes = 'changed' WHERE id = :id"), {"id": world.child}
    )
    after = digest(connection, digest_sql)
    assert [t for t in after if after[t] != before[t]] == ["children"]


def test_readme_shows_the_tables_as_they_are():
    from tests.api.authorization.render import README, render

    assert README.read_text(encoding="utf-8") == render(), (
        "run `python -m tests.api.authorization.render`"
    )


def test_the_leak_check_sees_a_leak(world):
    from tests.api.authorization.conftest import _assert_no_leak
    from tests.api.authorization.matrix import Cell, Req, row

    class Answer:
        def get_data(self, as_text: bool) -> str:
            return f'{{"items": [{{"id": "{world.match}"}}]}}'

    cell = Cell(row("GET", "/v1/me", lambda w: Req("/v1/me"), signed_in=200), "member", 200)
    with pytest.raises(AssertionError, match="match"):
        _assert_no_leak(cell, Req("/v1/me"), Answer(), world)
    _assert_no_leak(
        Cell(cell.row, "supporter", 200), Req("/v1/me"), Answer(), world
    )  # the supporter may see their match
