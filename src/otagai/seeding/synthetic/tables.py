"""The plans as rows: for each table, the columns COPY writes and the rows, in the order
the app would have inserted them.

Columns the database fills itself are left out on purpose: ``users.public_home`` and
``share_requests.public_location`` (the triggers draw them from the household's places),
``updated_at`` (now), identity columns. Everything else the services would have set is
set, timestamps included, to the simulated time.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from otagai.seeding.synthetic.activity import Activity
from otagai.seeding.synthetic.clock import at
from otagai.seeding.synthetic.communities import Trust
from otagai.seeding.synthetic.geography import (
    Town,
    ewkt_multipolygon,
    ewkt_point,
    ewkt_polygon,
)
from otagai.seeding.synthetic.graph import Graph
from otagai.seeding.synthetic.people import People, firebase_uid
from otagai.seeding.synthetic.randomness import uuid_text

Row = tuple[Any, ...]


@dataclass(frozen=True)
class Table:
    """Rows for one COPY: ``rows`` is called once, when the table is written."""

    name: str
    columns: tuple[str, ...]
    count: int
    rows: Any  # Callable[[], Iterator[Row]]
    # ANALYZE it once written: the triggers of the tables written next join it.
    analyze: bool = False
    # Rows per COPY statement (the statement triggers run once per statement).
    chunk: int = 200_000


def _ts(t: int | None) -> Any:
    return None if t is None else at(t)


def _day(ordinal: int) -> date:
    return date.fromordinal(ordinal)


def operator_uid(seed: int) -> str:
    """Who the audit log names for the operator actions of a synthetic load."""
    return f"synthetic-{seed}-operator"


def municipality_table(town: Town) -> Table:
    row = (town.code, town.name_ja, town.name_en, ewkt_multipolygon(town.boundary))
    return Table(
        "municipalities", ("code", "name_ja", "name_en", "boundary"), 1, lambda: iter([row])
    )


class Tables:
    def __init__(self, seed: int, town: Town, people: People) -> None:
        self.seed, self.town, self.people = seed, town, people
        self.code = town.code
        self.hex_ids: list[str] = []
        self.planned_users()

    def planned_users(self) -> None:
        """Format the ids of the adults planned since the last call (once: connections use
        each a lot), before any job that writes them is handed out."""
        ids = self.people.user_ids
        self.hex_ids.extend(uuid_text(i) for i in ids[len(self.hex_ids) :])

    def user_id(self, user: int) -> str:
        return self.hex_ids[user]

    # --- people --------------------------------------------------------------------------

    def households(self, part: range) -> Table:
        """In one COPY statement: its trigger opens every period "now", all counted in one
        monthly counter row, which two parts written side by side then lock only briefly
        (each commits right after)."""
        people, code = self.people, self.code

        def rows() -> Iterator[Row]:
            for h in part:
                yield uuid_text(people.household_ids[h]), code, at(people.household_created[h])

        columns = ("id", "municipality_code", "created_at")
        return Table("households", columns, len(part), rows, chunk=len(part) or 1)

    def users(self, part: range) -> Table:
        """The adults of households ``part`` (a range of household numbers)."""
        people, seed = self.people, self.seed
        first = people.household_first_user[part.start] if part else 0
        last = (
            people.household_first_user[part.stop - 1] + people.household_users[part.stop - 1]
            if part
            else 0
        )

        def rows() -> Iterator[Row]:
            for u in range(first, last):
                h = people.user_household[u]
                yield (
                    uuid_text(people.user_ids[u]),
                    firebase_uid(seed, u),
                    people.user_names[u],
                    "en" if people.user_english[u] else "ja",
                    uuid_text(people.household_ids[h]),
                    ewkt_point(people.home_lng[h], people.home_lat[h]),
                    at(people.user_created[u]),
                )

        columns = (
            "id",
            "firebase_uid",
            "display_name",
            "locale",
            "household_id",
            "home",
            "created_at",
        )
        return Table("users", columns, last - first, rows)

    def children(self, part: range) -> Table:
        people = self.people
        first = people.household_first_child[part.start] if part else 0
        last = (
            people.household_first_child[part.stop - 1] + people.household_children[part.stop - 1]
            if part
            else 0
        )

        def rows() -> Iterator[Row]:
            for c in range(first, last):
                yield (
                    uuid_text(people.child_ids[c]),
                    uuid_text(people.household_ids[people.child_household[c]]),
                    people.child_nicknames[c],
                    _day(people.child_birth[c]),
                    people.child_notes[c],
                    at(people.child_created[c]),
                )

        columns = ("id", "household_id", "nickname", "birth_date", "notes", "created_at")
        return Table("children", columns, last - first, rows)

    # --- communities and trust ------------------------------------------------------------

    def communities(self, trust: Trust) -> Table:
        new = [c for c in trust.communities if c.ring is not None]

        def rows() -> Iterator[Row]:
            for c in new:
                assert c.ring is not None
                yield (
                    uuid_text(c.id),
                    self.code,
                    c.name,
                    c.description,
                    ewkt_polygon(c.ring),
                    at(c.created),
                )

        columns = ("id", "municipality_code", "name", "description", "area", "created_at")
        return Table("communities", columns, len(new), rows)

    def members(self, trust: Trust) -> Table:
        def rows() -> Iterator[Row]:
            for community in trust.communities:
                coordinators = set(community.coordinators)
                cid = uuid_text(community.id)
                for user, joined in zip(community.members, community.joined, strict=True):
                    role = "coordinator" if user in coordinators else "member"
                    yield cid, self.user_id(user), role, at(joined)

        return Table(
            "community_members",
            ("community_id", "user_id", "role", "joined_at"),
            trust.members(),
            rows,
        )

    def certifications(self, trust: Trust) -> Table:
        def rows() -> Iterator[Row]:
            for c in trust.certifications:
                yield (
                    uuid_text(c.id),
                    uuid_text(trust.communities[c.community].id),
                    self.user_id(c.user),
                    "{" + ",".join(c.kinds) + "}",
                    _day(c.trained_on),
                    _day(c.expires_on),
                    self.user_id(c.granted_by),
                    at(c.granted_at),
                    _ts(c.revoked_at),
                    None if c.revoked_by is None else self.user_id(c.revoked_by),
                    c.revoke_reason,
                    at(c.granted_at),
                )

        columns = (
            "id",
            "community_id",
            "user_id",
            "kinds",
            "trained_on",
            "expires_on",
            "granted_by_id",
            "granted_at",
            "revoked_at",
            "revoked_by_id",
            "revoke_reason",
            "created_at",
        )
        return Table("certifications", columns, len(trust.certifications), rows)

    def certification_changes(self, trust: Trust) -> Table:
        def rows() -> Iterator[Row]:
            for c in trust.certifications:
                for change_id, action, actor, when, details in c.changes:
                    yield (
                        uuid_text(change_id),
                        uuid_text(c.id),
                        action,
                        self.user_id(actor),
                        at(when),
                        json.dumps(details, ensure_ascii=False),
                    )

        count = sum(len(c.changes) for c in trust.certifications)
        columns = ("id", "certification_id", "action", "actor_id", "at", "details")
        return Table("certification_changes", columns, count, rows)

    def events(self, trust: Trust) -> Table:
        def rows() -> Iterator[Row]:
            for e in trust.events:
                yield (
                    uuid_text(e.id),
                    uuid_text(trust.communities[e.community].id),
                    e.title,
                    at(e.starts_at),
                    at(e.ends_at),
                    ewkt_point(e.lng, e.lat),
                    e.place_name,
                    self.user_id(e.created_by),
                    at(e.created),
                )

        columns = (
            "id",
            "community_id",
            "title",
            "starts_at",
            "ends_at",
            "place",
            "place_name",
            "created_by_id",
            "created_at",
        )
        return Table("events", columns, len(trust.events), rows)

    def attendances(self, trust: Trust) -> Table:
        def rows() -> Iterator[Row]:
            for e in trust.events:
                eid, by = uuid_text(e.id), self.user_id(e.created_by)
                for user, recorded in e.attendees:
                    yield eid, self.user_id(user), by, at(recorded)

        count = sum(len(e.attendees) for e in trust.events)
        return Table(
            "event_attendances",
            ("event_id", "user_id", "recorded_by_id", "recorded_at"),
            count,
            rows,
        )

    def audit(self, trust: Trust) -> Table:
        seed = self.seed

        def rows() -> Iterator[Row]:
            for a in trust.audit:
                community = trust.communities[a.community].id if a.community is not None else None
                yield (
                    uuid_text(a.id),
                    at(a.at),
                    None if a.actor is None else self.user_id(a.actor),
                    operator_uid(seed) if a.actor is None else firebase_uid(seed, a.actor),
                    a.role,
                    a.action,
                    a.target_type,
                    a.target_id,
                    None if community is None else uuid_text(community),
                    self.code,
                    json.dumps(a.details, ensure_ascii=False),
                )

        columns = (
            "id",
            "created_at",
            "actor_user_id",
            "actor_uid",
            "actor_role",
            "action",
            "target_type",
            "target_id",
            "community_id",
            "municipality_code",
            "details",
        )
        return Table("audit_log", columns, len(trust.audit), rows)

    def connections(self, graph: Graph, trust: Trust, part: range) -> Table:
        """The connections of the users ``graph.by_id[part]`` with a higher id, so that rows
        come in order of ``user_low_id`` (the primary key's first column)."""
        users = graph.by_id[part.start : part.stop]
        ids, hex_ids = self.people.user_ids, self.hex_ids

        def rows() -> Iterator[Row]:
            offsets, neighbours, since, at_event = (
                graph.offsets,
                graph.neighbours,
                graph.since,
                graph.at_event,
            )
            events = [uuid_text(e.id) for e in trust.events]
            for u in users:
                low, low_hex = ids[u], hex_ids[u]
                for i in range(offsets[u], offsets[u + 1]):
                    v = neighbours[i]
                    if ids[v] > low:
                        e = at_event[i]
                        yield low_hex, hex_ids[v], None if e < 0 else events[e], at(since[i])

        count = sum(graph.lower[u] for u in users)
        return Table(
            "connections", ("user_low_id", "user_high_id", "event_id", "created_at"), count, rows
        )

    def resident_connections(self, links: list[tuple[int, int, int]]) -> Table:
        """Connections of people already in the town with synthetic neighbours."""
        ids = self.people.user_ids

        def rows() -> Iterator[Row]:
            for resident, user, made in links:
                low, high = sorted((resident, ids[user]))
                yield uuid_text(low), uuid_text(high), None, at(made)

        return Table(
            "connections",
            ("user_low_id", "user_high_id", "event_id", "created_at"),
            len(links),
            rows,
        )

    # --- activity ------------------------------------------------------------------------

    def requests(self, activity: Activity, trust: Trust) -> Table:
        people, code = self.people, self.code

        def rows() -> Iterator[Row]:
            for r in activity.requests:
                yield (
                    uuid_text(r.id),
                    self.user_id(r.requester),
                    uuid_text(people.household_ids[r.household]),
                    code,
                    _ts(r.matched_at),
                    uuid_text(trust.communities[r.community].id),
                    r.kind,
                    r.title,
                    r.details,
                    at(r.starts_at),
                    at(r.ends_at),
                    ewkt_point(*r.location),
                    None if r.dropoff is None else ewkt_point(*r.dropoff),
                    r.item_category,
                    r.item_description,
                    r.audience,
                    r.radius_m,
                    r.intended_jpy,
                    r.status,
                    r.cancel_reason,
                    _ts(r.cancelled_at),
                    at(r.created),
                )

        columns = (
            "id",
            "requester_id",
            "household_id",
            "municipality_code",
            "matched_at",
            "community_id",
            "kind",
            "title",
            "details",
            "starts_at",
            "ends_at",
            "location",
            "dropoff",
            "item_category",
            "item_description",
            "audience",
            "radius_m",
            "intended_thank_you_jpy",
            "status",
            "cancel_reason",
            "cancelled_at",
            "created_at",
        )
        return Table("share_requests", columns, len(activity.requests), rows, analyze=True)

    def request_children(self, activity: Activity) -> Table:
        ids = self.people.child_ids

        def rows() -> Iterator[Row]:
            for r in activity.requests:
                rid = uuid_text(r.id)
                for child in r.children:
                    yield rid, uuid_text(ids[child])

        return Table(
            "share_request_children", ("request_id", "child_id"), activity.request_children(), rows
        )

    def offers(self, activity: Activity) -> Table:
        code = self.code

        def rows() -> Iterator[Row]:
            for r in activity.requests:
                rid = uuid_text(r.id)
                for o in r.offers:
                    yield (
                        uuid_text(o.id),
                        rid,
                        self.user_id(o.supporter),
                        code,
                        o.note,
                        o.status,
                        _ts(o.decided_at),
                        at(o.created),
                    )

        columns = (
            "id",
            "request_id",
            "supporter_id",
            "municipality_code",
            "note",
            "status",
            "decided_at",
            "created_at",
        )
        return Table("offers", columns, activity.offers(), rows, analyze=True)

    def matches(self, activity: Activity) -> Table:
        people, code = self.people, self.code

        def rows() -> Iterator[Row]:
            for r in activity.requests:
                m = r.match
                if m is None:
                    continue
                yield (
                    uuid_text(m.id),
                    uuid_text(r.id),
                    uuid_text(m.offer.id),
                    self.user_id(r.requester),
                    uuid_text(people.household_ids[r.household]),
                    self.user_id(m.offer.supporter),
                    at(r.starts_at),
                    at(r.ends_at),
                    m.status,
                    m.insurance,
                    _ts(m.completed_at),
                    _ts(m.cancelled_at),
                    None if m.cancelled_by is None else self.user_id(m.cancelled_by),
                    m.cancel_reason,
                    code,
                    r.kind,
                    m.insured,
                    code,
                    at(m.created),
                )

        columns = (
            "id",
            "request_id",
            "offer_id",
            "requester_id",
            "requester_household_id",
            "supporter_id",
            "starts_at",
            "ends_at",
            "status",
            "insurance",
            "completed_at",
            "cancelled_at",
            "cancelled_by_id",
            "cancel_reason",
            "municipality_code",
            "kind",
            "insured",
            "supporter_municipality_code",
            "created_at",
        )
        return Table("matches", columns, activity.matches(), rows, analyze=True)

    def thank_yous(self, activity: Activity) -> Table:
        code = self.code

        def rows() -> Iterator[Row]:
            for r in activity.requests:
                m = r.match
                if m is None or m.thank_you is None:
                    continue
                t = m.thank_you
                yield (
                    uuid_text(t.id),
                    uuid_text(m.id),
                    t.amount_jpy,
                    "cash",
                    t.status,
                    self.user_id(r.requester),
                    code,
                    r.kind,
                    _ts(t.acknowledged_at),
                    at(t.created),
                )

        columns = (
            "id",
            "match_id",
            "amount_jpy",
            "method",
            "status",
            "created_by_id",
            "municipality_code",
            "kind",
            "acknowledged_at",
            "created_at",
        )
        return Table("thank_yous", columns, activity.thank_yous(), rows)
