"""The mobile team's view of the spec: a TypeScript client generated from
api_spec/openapi.json with openapi-typescript, and tests/typescript/client.ts, which reads
the fields the app relies on as always there, type-checked with ``tsc --strict``.

The tools come from the project's bootstrap (scripts/ensure-node-tools.sh, npm ci in
tools/node; the node_tools fixture of tests/conftest.py): where they cannot be installed the
tests skip with the reason, except under CI=true."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

SPEC = ROOT / "api_spec" / "openapi.json"
CLIENT = ROOT / "tests" / "typescript" / "client.ts"


def _type_check(tools: Path, spec: dict[str, Any], where: Path) -> subprocess.CompletedProcess[str]:
    """Generate ``api.d.ts`` from ``spec`` beside a copy of client.ts, and run tsc."""
    bin_ = tools / "node_modules" / ".bin"
    (where / "openapi.json").write_text(json.dumps(spec), encoding="utf-8")
    generated = subprocess.run(
        [str(bin_ / "openapi-typescript"), "openapi.json", "--output", "api.d.ts"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert generated.returncode == 0, generated.stderr
    shutil.copy(CLIENT, where / "client.ts")
    return subprocess.run(
        [
            str(bin_ / "tsc"),
            "--strict",
            "--noEmit",
            "--target",
            "ES2020",
            "--module",
            "ES2020",
            "--moduleResolution",
            "node",
            "client.ts",
        ],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _committed() -> dict[str, Any]:
    spec: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    return spec


def test_generated_client_reads_always_present_fields_as_non_optional(node_tools, tmp_path):
    checked = _type_check(node_tools, _committed(), tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    generated = (tmp_path / "api.d.ts").read_text(encoding="utf-8")
    assert "covered: boolean;" in generated  # not `covered?: boolean`


def _optional(spec: dict[str, Any], schema: str, name: str) -> None:
    spec["components"]["schemas"][schema]["required"].remove(name)


def _nullable(spec: dict[str, Any], schema: str, name: str) -> None:
    spec["components"]["schemas"][schema]["properties"][name]["nullable"] = True


# What client.ts reads (as it is written there), and how the spec is made to lie about it.
LIES = {
    "candidate.trust_tier": (_optional, "Candidate", "trust_tier"),
    "candidate.distance_m": (_nullable, "Candidate", "distance_m"),
    "match.insurance.covered": (_optional, "InsuranceTag", "covered"),
    "match.insurance.reasons": (_optional, "InsuranceTag", "reasons"),
    "request.recommended_thank_you": (_optional, "ShareRequest", "recommended_thank_you"),
    "recommended.min_jpy": (_optional, "RecommendedThankYou", "min_jpy"),
    "problem.errors": (_optional, "Problem", "errors"),
}


def _line_of(read: str) -> int:
    lines = CLIENT.read_text(encoding="utf-8").splitlines()
    (number,) = [i for i, line in enumerate(lines, start=1) if f"= {read};" in line]
    return number


def test_client_fails_the_type_check_where_a_field_it_reads_may_be_missing(node_tools, tmp_path):
    # Guards the check above: each read fails when the spec says `T | undefined` (an
    # optional property) or `T | null` where the client expects T. One run for all.
    spec = _committed()
    for change, schema, name in LIES.values():
        change(spec, schema, name)
    checked = _type_check(node_tools, spec, tmp_path)
    assert checked.returncode != 0
    for read in LIES:
        assert f"client.ts({_line_of(read)}," in checked.stdout, (read, checked.stdout)
