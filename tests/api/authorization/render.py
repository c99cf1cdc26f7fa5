"""The matrix as Markdown tables, one per area: ``python -m tests.api.authorization.render``
rewrites README.md beside this file (a test fails when it is stale)."""

from __future__ import annotations

from pathlib import Path

from tests.api.authorization import (
    test_communities,
    test_matches,
    test_people,
    test_series,
    test_sharing,
)
from tests.api.authorization.matrix import NA, ROLES, Row

README = Path(__file__).with_name("README.md")
AREAS = (
    ("Me, children, household, devices, settings, payout account", test_people.ROWS),
    ("Municipalities, partners, communities, certifications, events, trust", test_communities.ROWS),
    ("Share requests, candidates, feed, offers", test_sharing.ROWS),
    ("Matches, thank-yous, payments, insurance, webhook, health", test_matches.ROWS),
    ("Share series, calendar feed", test_series.ROWS),
)
SHORT = {
    "anonymous": "anon",
    "no_profile": "no profile",
    "member": "member",
    "requester": "requester",
    "same_household": "same hh",
    "other_household": "other hh",
    "candidate": "candidate",
    "offerer": "offerer",
    "blocked": "blocked",
    "declined_offerer": "declined",
    "supporter": "supporter",
    "supporter_household": "supp. hh",
    "past_supporter": "past supp.",
    "coordinator_here": "coord here",
    "coordinator_elsewhere": "coord else",
    "operator": "operator",
    "key_own": "key own",
    "key_other": "key other",
}


def _cell(status: int | NA) -> str:
    return "—" if isinstance(status, NA) else str(status)


def _table(rows: list[Row]) -> list[str]:
    lines = [
        "| operation | " + " | ".join(SHORT[r] for r in ROLES) + " |",
        "|---|" + "---|" * len(ROLES),
    ]
    notes = []
    for r in rows:
        lines.append(f"| `{r.label}` | " + " | ".join(_cell(r.expect[x]) for x in ROLES) + " |")
        notes += [
            f"- `{r.label}` as {role}: {status.reason}"
            for role, status in r.expect.items()
            if isinstance(status, NA)
        ]
    return lines + (["", *notes] if notes else [])


def render() -> str:
    out = [
        "# Authorization matrix",
        "",
        "Generated from the tables in this folder by `python -m tests.api.authorization.render`",
        "(a test fails when this file is stale). Each cell is the status the operation answers",
        "that role in the world of `conftest.py`; roles are described in `matrix.py`. Every",
        "refused cell also checks that no app table changed.",
        "",
    ]
    for title, rows in AREAS:
        out += [f"## {title}", "", *_table(rows), ""]
    return "\n".join(out)


if __name__ == "__main__":
    README.write_text(render(), encoding="utf-8")
