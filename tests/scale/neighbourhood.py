"""People of a neighbourhood going through the API as the mobile app does: profiles,
joining the community, becoming connections, a pickup request, the feed, candidates, an
offer and its acceptance. Every call is checked against the status the app expects."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.helpers import ApiClient

PROJECT = "demo-otagai"
HOME = {"lat": 35.8587, "lng": 139.6571}  # 浦和, inside the community of make_community
NEARBY = {"lat": 35.8601, "lng": 139.6555}


class UnexpectedAnswer(AssertionError):
    pass


@dataclass
class Person:
    """A signed-in user of one test client; every call's (what, status) is recorded."""

    api: ApiClient
    calls: list[tuple[str, int]] = field(default_factory=list)
    user_id: str = ""  # once they have a profile

    @classmethod
    def new(cls, app: Any, role: str) -> Person:
        uid = f"scale-{role}-{uuid.uuid4().hex[:12]}"
        return cls(ApiClient(app.test_client(), uid, PROJECT))

    def call(self, expected: int, method: str, path: str, **kwargs: Any) -> Any:
        response = getattr(self.api, method)(path, **kwargs)
        self.calls.append((f"{method.upper()} {path}", response.status_code))
        if response.status_code != expected:
            raise UnexpectedAnswer(
                f"{method.upper()} {path}: {response.status_code}, expected {expected}: "
                f"{response.get_data(as_text=True)[:500]}"
            )
        return response.get_json()


def starts_at(slot: int) -> datetime:
    """In two days, two hours apart for each slot (nobody is busy with two at once)."""
    base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
    return base + timedelta(hours=2 * slot)


def become_member(person: Person, community_id: uuid.UUID, name: str) -> None:
    me = person.call(201, "put", "/v1/me", json={"display_name": name, "home": HOME})
    person.user_id = me["id"]
    person.call(201, "post", f"/v1/communities/{community_id}/members")


def connect(owner: Person, redeemer: Person) -> None:
    """``redeemer`` scans ``owner``'s QR code: they become connections (知り合い)."""
    code = owner.call(201, "post", "/v1/me/connection-codes", json={})["code"]
    redeemer.call(201, "post", "/v1/connections", json={"code": code})


def add_child(parent: Person) -> str:
    body = {"nickname": "はるとくん", "birth_date": "2021-04-01"}
    return str(parent.call(201, "post", "/v1/me/children", json=body)["id"])


def post_pickup(parent: Person, community_id: uuid.UUID, child_id: str, slot: int) -> str:
    begin = starts_at(slot)
    body = {
        "kind": "pickup",
        "community_id": str(community_id),
        "title": "保育園のお迎え",
        "starts_at": begin.isoformat(),
        "ends_at": (begin + timedelta(minutes=90)).isoformat(),
        "location": HOME,
        "dropoff": NEARBY,
        "child_ids": [child_id],
        "audience": "connections",
    }
    return str(parent.call(201, "post", "/v1/share-requests", json=body)["id"])


def feed_ids(supporter: Person) -> list[str]:
    return [item["id"] for item in supporter.call(200, "get", "/v1/share-requests/feed")["items"]]


@dataclass
class Pair:
    """A parent and the acquaintance who helps them, each with a test client of their own."""

    parent: Person
    supporter: Person

    @classmethod
    def new(cls, app: Any) -> Pair:
        return cls(Person.new(app, "parent"), Person.new(app, "supporter"))

    @property
    def calls(self) -> list[tuple[str, int]]:
        return self.parent.calls + self.supporter.calls

    def meet(self, community_id: uuid.UUID) -> str:
        """Both sign up and join; the supporter redeems the parent's code; the parent adds
        a child. Returns the child's id."""
        become_member(self.parent, community_id, "佐藤 美香")
        become_member(self.supporter, community_id, "高橋 和子")
        connect(self.parent, self.supporter)
        return add_child(self.parent)

    def share_a_pickup(self, community_id: uuid.UUID, slot: int = 0) -> Pair:
        """The whole story of one pickup, from sign-up to the match: the supporter sees
        the request in their feed, the parent sees them among the candidates, the
        supporter offers and the parent accepts."""
        child_id = self.meet(community_id)
        request_id = post_pickup(self.parent, community_id, child_id, slot)
        self.parent.call(200, "get", f"/v1/share-requests/{request_id}")
        assert request_id in feed_ids(self.supporter)
        candidates = self.parent.call(200, "get", f"/v1/share-requests/{request_id}/candidates")
        assert [c["user_id"] for c in candidates["items"]] == [self.supporter.user_id]
        offer = self.supporter.call(201, "post", f"/v1/share-requests/{request_id}/offers", json={})
        match = self.parent.call(201, "post", f"/v1/offers/{offer['id']}/accept")
        assert match["request_id"] == request_id
        self.parent.call(200, "get", f"/v1/matches/{match['id']}")
        return self


def attempt(story: Callable[[], Any]) -> Callable[[], Any]:
    """The story's result, or the UnexpectedAnswer that stopped it (for together())."""

    def run() -> Any:
        try:
            return story()
        except UnexpectedAnswer as stopped:
            return stopped

    return run
