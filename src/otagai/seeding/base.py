"""Pieces every seed loader uses: stable ids, insert-if-absent, YAML and GeoJSON."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert

from otagai.extensions.db import session

NAMESPACE = uuid.UUID("6f1c7e58-3b0a-4f55-9a51-0d7c2f3e8a10")


def seed_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(parts))


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, inserted: bool) -> None:
        self.created[kind] = self.created.get(kind, 0) + int(inserted)


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def geojson(value: dict[str, Any]) -> Any:
    return func.ST_SetSRID(func.ST_GeomFromGeoJSON(json.dumps(value)), 4326)


def insert_once(report: SeedReport, kind: str, model: Any, **values: Any) -> None:
    table = model.__table__
    stmt = (
        insert(table)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*table.primary_key.columns)
    )
    report.add(kind, session.execute(stmt).first() is not None)
