"""Loads as a whole: the same seed gives the same rows, a seed loads once, an interrupted
load or an unknown town is refused clearly, and ``flask seed synthetic`` does it all."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import firebase_admin
import pytest
import yaml
from sqlalchemy import text

from otagai import create_app
from otagai.config import Settings
from otagai.domain.communities.jis import is_valid_code
from otagai.extensions.db import EXTENSION_KEY
from otagai.seeding.synthetic import SyntheticLoadError, build_synthetic
from otagai.seeding.synthetic.geography import Boundary
from otagai.seeding.synthetic.stations import KNOWN
from tests.synthetic.conftest import CODE, HOUSEHOLDS, MONTHS, SEED, Town, built

ROOT = Path(__file__).resolve().parents[2]
# What must come out the same, ignoring what the database draws on purpose (public
# points, their places) and server timestamps the load does not set (updated_at).
COMPARED = {
    "households": "id, municipality_code, created_at",
    "users": "id, firebase_uid, display_name, locale, household_id, home, created_at",
    "children": "id, household_id, nickname, birth_date, notes, created_at",
    "communities": "id, name, area, created_at",
    "community_members": "community_id, user_id, role, joined_at",
    "certifications": "id, user_id, kinds, trained_on, expires_on, granted_at, revoked_at",
    "connections": "user_low_id, user_high_id, event_id, created_at",
    "share_requests": "id, requester_id, kind, starts_at, ends_at, location, status, created_at",
    "offers": "id, request_id, supporter_id, status, decided_at, created_at",
    "matches": "id, request_id, offer_id, status, insurance, completed_at, cancelled_at",
    "thank_yous": "id, match_id, amount_jpy, status, created_at",
    "municipal_monthly_counts": "municipality_code, month, kind, metric, value",
    "household_municipality_periods": "household_id, municipality_code, valid_from",
}


def _digest(town: Town, table: str) -> tuple[int, str]:
    columns = COMPARED[table]
    return town.rows(
        f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY t::text)) "
        f"FROM (SELECT {columns} FROM {table}) t"
    )[0]


@pytest.fixture(scope="module")
def second_town(synthetic_town: Town) -> Iterator[Town]:
    """The same seed and parameters, and the same "now", in another database."""
    with built("otagai_synth_again", households=HOUSEHOLDS, months=MONTHS, seed=SEED,
               municipality=CODE, now=synthetic_town.summary.now) as town:  # fmt: skip
        yield town


def test_same_seed_and_parameters_give_the_same_rows_in_another_database(
    synthetic_town, second_town
):
    assert second_town.summary.rows == synthetic_town.summary.rows
    for table in COMPARED:
        assert _digest(second_town, table) == _digest(synthetic_town, table), table


def test_another_seed_gives_other_rows(second_town):
    other = build_synthetic(second_town.url, households=30, months=1, seed=SEED + 1)
    assert not other.already_loaded
    assert other.rows["households"] == 30
    ids = second_town.value(
        "SELECT count(DISTINCT household_id) FROM users WHERE firebase_uid LIKE :uids",
        uids=f"synthetic-{SEED + 1}-%",
    )
    assert ids == 30


def test_loading_a_seed_again_answers_already_loaded_and_writes_nothing(second_town):
    before = _digest(second_town, "households"), _digest(second_town, "connections")
    again = build_synthetic(second_town.url, households=HOUSEHOLDS, months=MONTHS, seed=SEED)
    assert again.already_loaded
    assert (again.households, again.municipality, again.months) == (HOUSEHOLDS, CODE, MONTHS)
    assert (_digest(second_town, "households"), _digest(second_town, "connections")) == before


def test_an_interrupted_load_of_a_seed_is_refused(second_town):
    build_synthetic(second_town.url, households=10, months=1, seed=SEED + 2)
    with second_town.engine.begin() as conn:  # as if it had stopped before its last step
        conn.execute(
            text("DELETE FROM audit_log WHERE action = 'synthetic.load' AND details->>'seed' = :s"),
            {"s": str(SEED + 2)},
        )
    with pytest.raises(SyntheticLoadError, match="incomplete synthetic load of seed"):
        build_synthetic(second_town.url, households=10, months=1, seed=SEED + 2)


def test_an_unknown_municipality_is_a_clear_error(second_town):
    with pytest.raises(SyntheticLoadError, match="unknown municipality 131130"):
        build_synthetic(second_town.url, households=10, municipality="131130", seed=SEED + 3)
    assert second_town.value("SELECT count(*) FROM municipalities WHERE code = '131130'") == 0


def test_a_municipality_without_stations_gets_stations_of_its_own(second_town):
    with second_town.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO municipalities (code, name_ja, name_en, boundary) VALUES "
                "('132098', '町田市', 'Machida', 'SRID=4326;MULTIPOLYGON(((139.40 35.52, "
                "139.50 35.52, 139.50 35.60, 139.40 35.60, 139.40 35.52)))')"
            )
        )
    town = build_synthetic(second_town.url, households=200, municipality="132098", months=1,
                           seed=SEED + 4)  # fmt: skip
    assert town.rows["households"] == 200
    assert town.rows["communities"] >= 3
    outside = second_town.value(
        "SELECT count(*) FROM users u JOIN households h ON h.id = u.household_id "
        "JOIN municipalities m ON m.code = '132098' WHERE u.firebase_uid LIKE :uids "
        "AND (NOT ST_Covers(m.boundary, u.home::geometry) OR h.municipality_code <> m.code)",
        uids=f"synthetic-{SEED + 4}-%",
    )
    assert outside == 0


def test_people_already_in_town_get_synthetic_acquaintances_nearby(second_town):
    """So that the demo's people (say) take part in the town's life: their feeds and
    candidate lists include synthetic neighbours."""
    with second_town.engine.begin() as conn:
        conn.execute(
            text(
                "WITH h AS (INSERT INTO households (id, municipality_code) "
                "VALUES (gen_random_uuid(), '111007') RETURNING id) "
                "INSERT INTO users (firebase_uid, display_name, household_id, home) "
                "SELECT 'resident-1', '住人', id, 'SRID=4326;POINT(139.6571 35.8587)' FROM h"
            )
        )
    build_synthetic(second_town.url, households=400, months=1, seed=SEED + 5)
    links = second_town.rows(
        "SELECT ST_Distance(r.home, s.home), s.firebase_uid FROM users r "
        "JOIN connections c ON r.id IN (c.user_low_id, c.user_high_id) "
        "JOIN users s ON s.id IN (c.user_low_id, c.user_high_id) AND s.id <> r.id "
        "WHERE r.firebase_uid = 'resident-1'"
    )
    assert 4 <= len(links) <= 10
    assert all(d <= 1500 and uid.startswith(f"synthetic-{SEED + 5}-") for d, uid in links)


def test_flask_seed_synthetic_loads_once_and_then_says_so(second_town):
    app = create_app(Settings.from_env(database_url=second_town.url, env="test"))
    try:
        runner = app.test_cli_runner()
        args = ["seed", "synthetic", "--households", "40", "--months", "2", "--seed", "21"]
        first = runner.invoke(args=args)
        assert first.exit_code == 0, first.output
        assert first.output.startswith("seed synthetic: loaded seed 21 (40 households in 111007")
        assert "households=40" in first.output
        second = runner.invoke(args=args)
        assert second.exit_code == 0, second.output
        assert "seed 21 already loaded (40 households in 111007, 2 months" in second.output
        unknown = runner.invoke(
            args=["seed", "synthetic", "--municipality", "999999", "--seed", "22"]
        )
        assert unknown.exit_code != 0 and "unknown municipality 999999" in unknown.output
    finally:
        app.extensions[EXTENSION_KEY].engine.dispose()
        firebase_admin.delete_app(app.extensions["otagai.auth"].firebase_app)


def test_embedded_towns_have_valid_codes_and_stations_inside_them():
    for code, town in KNOWN.items():
        assert is_valid_code(code), code
        boundary = Boundary.from_geojson(town.boundary_geojson())
        outside = [s.name for s in town.stations if not boundary.contains(s.lng, s.lat)]
        assert outside == [], code
        assert len(town.stations) >= 10


def test_embedded_saitama_is_the_demo_seeds_saitama():
    seeds = yaml.safe_load((ROOT / "seeds" / "municipalities.yaml").read_text(encoding="utf-8"))
    (saitama,) = [m for m in seeds["municipalities"] if m["code"] == "111007"]
    assert saitama["boundary"] == KNOWN["111007"].boundary_geojson()
    assert saitama["name_ja"] == KNOWN["111007"].name_ja


def test_make_run_loads_a_synthetic_town_after_the_demo_data():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    run = makefile[makefile.index("\nrun:") : makefile.index("\ntest:")]
    assert run.index("flask seed;") < run.index("flask seed synthetic")
