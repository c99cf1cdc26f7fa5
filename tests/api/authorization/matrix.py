"""The authorization matrix's vocabulary: the roles, a row per operation of the spec, and
running one cell (an operation called as one role) with its "nothing changed" check.

Roles are relative to the world of ``conftest.py`` (see ``World``):

- ``anonymous``: no credentials at all;
- ``no_profile``: a valid Firebase ID token, but no profile yet (before ``PUT /v1/me``);
- ``member``: signed in with a profile, related to nothing (no community, no request);
- ``requester``: the parent who posted the requests, owns the child, the device, the
  matches (as requester), the thank-yous, the connection and the block;
- ``same_household``: the second parent of the requester's household;
- ``other_household``: a parent of another household in the same community, with a child
  and a device of their own;
- ``candidate``: certified in the community, in the open request's audience, no offer yet;
- ``offerer``: a candidate whose offer on the open request is pending;
- ``blocked``: certified in the community and nearby like the candidate, but blocked by
  the requester: a candidate of nothing of theirs;
- ``declined_offerer``: a member whose offer on the matched request was declined;
- ``supporter``: the supporter of the requester's matches;
- ``supporter_household``: the other parent of the supporter's household (the supporter
  looks after the children, not their household);
- ``past_supporter``: the supporter of a match of the requester that was cancelled (with
  its request); in no community;
- ``coordinator_here`` / ``coordinator_elsewhere``: coordinator of the resources'
  community / of another community of the same municipality;
- ``operator``: a user signed in with the ``operator`` custom claim;
- ``key_own`` / ``key_other``: a partner API key (``X-API-Key``, no token) of the
  resources' municipality / of another municipality.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

ROLES: tuple[str, ...] = (
    "anonymous",
    "no_profile",
    "member",
    "requester",
    "same_household",
    "other_household",
    "candidate",
    "offerer",
    "blocked",
    "declined_offerer",
    "supporter",
    "supporter_household",
    "past_supporter",
    "coordinator_here",
    "coordinator_elsewhere",
    "operator",
    "key_own",
    "key_other",
)
SIGNED_IN = tuple(r for r in ROLES if r not in ("anonymous", "no_profile", "key_own", "key_other"))


@dataclass(frozen=True)
class NA:
    """A cell left out on purpose, with the reason the table gives."""

    reason: str


@dataclass(frozen=True)
class Req:
    """A concrete call: the path with ids filled in, and a valid body."""

    path: str
    json: Any = None
    data: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Row:
    """One operation of the spec (``method`` and ``path`` exactly as in openapi.json), how
    to call it in the world, and the expected status of every role."""

    method: str
    path: str
    build: Callable[[Any], Req]
    expect: dict[str, int | NA]
    variant: str = ""

    @property
    def operation(self) -> tuple[str, str]:
        return (self.method.upper(), self.path)

    @property
    def label(self) -> str:
        suffix = f" [{self.variant}]" if self.variant else ""
        return f"{self.method.upper()} {self.path}{suffix}"


def row(
    method: str,
    path: str,
    build: Callable[[Any], Req],
    *,
    signed_in: int | NA | None = None,
    everyone: int | NA | None = None,
    variant: str = "",
    **overrides: int | NA,
) -> Row:
    """A row: ``everyone`` gives every role the same status (public operations);
    otherwise ``signed_in`` is the status of every signed-in role not named in
    ``overrides``, a call without a Firebase token (anonymous, an API key) is 401 and one
    without a profile 403 (``profile_required``), unless overridden."""
    unknown = set(overrides) - set(ROLES)
    assert not unknown, f"unknown roles {unknown} in {method} {path}"
    if everyone is not None:
        expect: dict[str, int | NA] = dict.fromkeys(ROLES, everyone)
    else:
        assert signed_in is not None, f"{method} {path}: say what signed-in roles get"
        expect = {role: signed_in for role in SIGNED_IN}
        expect.update(anonymous=401, no_profile=403, key_own=401, key_other=401)
    expect.update(overrides)
    return Row(method.lower(), path, build, expect, variant)


@dataclass(frozen=True)
class Cell:
    row: Row
    role: str
    expected: int

    @property
    def id(self) -> str:
        return f"{self.row.label} as {self.role}"


def cells(rows: Iterable[Row]) -> list[Cell]:
    """Every (row, role) with an expected status; NA cells are not run."""
    return [
        Cell(r, role, status)
        for r in rows
        for role, status in r.expect.items()
        if not isinstance(status, NA)
    ]
