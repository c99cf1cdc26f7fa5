"""Seeds the insurance policies (seeds/insurance.yaml), before the requests so that the
seeded matches are tagged against them."""

from __future__ import annotations

from typing import Any

from otagai.domain.insurance.models import InsurancePolicy
from otagai.extensions.db import session
from otagai.seeding.base import SeedReport, insert_once, seed_id


def load_insurance(report: SeedReport, data: dict[str, Any]) -> None:
    for item in data.get("policies") or []:
        insert_once(
            report,
            "insurance_policies",
            InsurancePolicy,
            id=seed_id("insurance_policy", item["key"]),
            version=item.get("version", 1),
            insurer=item["insurer"],
            policy_number=item["policy_number"],
            name=item["name"],
            valid_from=item["valid_from"],
            valid_to=item["valid_to"],
            kinds=list(item["kinds"]),
            min_child_age=item.get("min_child_age", 1),
            max_child_age=item.get("max_child_age", 18),
            limits=dict(item.get("limits") or {}),
        )
    session.flush()
