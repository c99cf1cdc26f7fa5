"""The soak run's workload (``make soak``), for locust headless: families of a synthetic
town post requests, read feeds, offer, accept (two offers of one request at once), cancel,
complete, thank, retry with their Idempotency-Key, and a municipality reads its
statistics.

The world (tokens, homes, communities, children) comes from the JSON file named by
``SOAK_WORLD``; the statuses seen and the retried keys' outcomes are written to
``SOAK_RESULTS`` when locust quits. Expected refusals (409 on the loser of a race, 403 on
an offer by someone who is no longer a candidate, 404 on a request that expired) are
answers, not failures: locust's failure count is 5xx and transport errors only; every
status is tallied.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, between, events, task

WORLD: dict[str, Any] = json.loads(Path(os.environ["SOAK_WORLD"]).read_text(encoding="utf-8"))
PEOPLE: list[dict[str, Any]] = WORLD["people"]
BY_COMMUNITY: dict[str, list[dict[str, Any]]] = {}
for _person in PEOPLE:
    for _community in _person["communities"]:
        BY_COMMUNITY.setdefault(_community, []).append(_person)
REQUESTERS = [p for p in PEOPLE if p["children"] and p["communities"]]

STATUSES: Counter[str] = Counter()
BY_CALL: dict[str, Counter[str]] = {}
CHECKS: Counter[str] = Counter()
PROBLEMS: list[str] = []
# Shared by every simulated family of this process: what was posted and by whom.
OPEN: dict[str, dict[str, Any]] = {}  # request id -> {"by": person, "offers": set()}
MATCHES: dict[str, dict[str, Any]] = {}  # match id -> {"by": person, "starts_at": datetime}


@events.request.add_listener
def _tally(name: str, response: Any, exception: Any, **_: Any) -> None:
    status = str(getattr(response, "status_code", 0) or 0) if response is not None else "0"
    if exception is not None and status in {"0", ""}:
        status = "transport_error"
    STATUSES[status] += 1
    BY_CALL.setdefault(name, Counter())[status] += 1


@events.quitting.add_listener
def _write(environment: Any, **_: Any) -> None:
    results = {
        "statuses": dict(STATUSES),
        "by_call": {k: dict(v) for k, v in BY_CALL.items()},
        "checks": dict(CHECKS),
        "problems": PROBLEMS[:50],
    }
    with Path(os.environ["SOAK_RESULTS"]).open("w", encoding="utf-8") as sink:
        json.dump(results, sink, ensure_ascii=False, indent=2)


def _problem(message: str) -> None:
    CHECKS["violations"] += 1
    PROBLEMS.append(message)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _near(point: list[float], metres: float) -> dict[str, float]:
    """A point within ``metres`` of ``point`` (a nursery, a station near home)."""
    return {
        "lat": point[0] + random.uniform(-1, 1) * metres / 111_000,
        "lng": point[1] + random.uniform(-1, 1) * metres / 91_000,
    }


class Family(HttpUser):
    wait_time = between(0.05, 0.4)

    def call(
        self, method: str, path: str, person: dict[str, Any] | None, name: str, **kwargs: Any
    ) -> Any:
        headers = kwargs.pop("headers", {})
        if person is not None:
            headers["Authorization"] = f"Bearer {person['token']}"
        headers["X-Forwarded-For"] = person["ip"] if person is not None else WORLD["partner_ip"]
        with self.client.request(
            method, path, headers=headers, name=name, catch_response=True, **kwargs
        ) as answer:
            if answer.status_code >= 500 or answer.status_code == 0:
                answer.failure(f"{answer.status_code}: {answer.text[:200]}")
            else:
                answer.success()
            return answer

    def _retry(self, path: str, name: str, person: dict[str, Any], body: dict[str, Any],
               key: dict[str, str], created: str, counter: str) -> None:  # fmt: skip
        """A flaky phone: the answer of a POST that created ``created`` was lost, and the
        app sends the same call with the same Idempotency-Key; it must replay the first."""
        again = self.call("POST", path, person, f"{name} (retry)", json=body, headers=dict(key))
        CHECKS[counter] += 1
        if again.status_code != 201 or again.json().get("id") != created:
            _problem(f"retried {name} {key} answered {again.status_code} {again.text[:100]}")

    # -- posting ------------------------------------------------------------------------

    def _request_body(self, person: dict[str, Any]) -> dict[str, Any]:
        kind = random.choices(["lending", "pickup", "babysitting"], [5, 3, 2])[0]
        now = datetime.now(UTC)
        # Some start within the run, so they can be completed and thanked before it ends.
        soon = random.random() < 0.5
        starts = now + (
            timedelta(seconds=random.randint(60, 150))
            if soon
            else timedelta(hours=random.randint(3, 72))
        )
        ends = starts + (timedelta(days=2) if kind == "lending" else timedelta(hours=1))
        body: dict[str, Any] = {
            "kind": kind,
            "community_id": random.choice(person["communities"]),
            "title": f"soak {uuid.uuid4().hex[:12]}",
            "starts_at": _iso(starts),
            "ends_at": _iso(ends),
            "location": _near(person["home"], 300),
            "audience": "community",
            "intended_thank_you_jpy": random.choice([0, 500, 1000]),
        }
        if kind == "lending":
            body["item"] = {"category": "stroller", "description": "A型ベビーカー"}
        else:
            body["child_ids"] = [random.choice(person["children"])]
        if kind == "pickup":
            body["dropoff"] = _near(person["home"], 100)
        return body

    @task(4)
    def post_request(self) -> None:
        person = random.choice(REQUESTERS)
        body = self._request_body(person)
        key = {"Idempotency-Key": str(uuid.uuid4())}
        first = self.call(
            "POST",
            "/v1/share-requests",
            person,
            "POST /v1/share-requests",
            json=body,
            headers=dict(key),
        )
        if first.status_code != 201:
            return
        request_id = first.json()["id"]
        starts_at = datetime.fromisoformat(body["starts_at"])
        OPEN[request_id] = {"by": person, "offers": set(), "starts_at": starts_at}
        if random.random() < 0.25:
            self._retry("/v1/share-requests", "POST /v1/share-requests", person, body, key,
                        request_id, "post_retries")  # fmt: skip

    # -- supporters ---------------------------------------------------------------------

    @task(6)
    def feed_and_offer(self) -> None:
        if not OPEN:
            return
        # A member of a community where something was posted, at home.
        request = OPEN.get(random.choice(list(OPEN)))
        if request is None:
            return
        pool = [p for c in request["by"]["communities"] for p in BY_COMMUNITY.get(c, [])]
        person = random.choice(pool)
        lat, lng = person["home"]
        feed = self.call(
            "GET",
            f"/v1/share-requests/feed?lat={lat}&lng={lng}&limit=20",
            person,
            "GET /v1/share-requests/feed",
        )
        if feed.status_code != 200:
            return
        items = feed.json()["items"]
        for item in items[:2]:
            if item["id"] not in OPEN or random.random() < 0.3:
                continue
            key = {"Idempotency-Key": str(uuid.uuid4())}
            body = {"note": "お手伝いできます"}
            path = f"/v1/share-requests/{item['id']}/offers"
            offer = self.call(
                "POST",
                path,
                person,
                "POST /v1/share-requests/{id}/offers",
                json=body,
                headers=dict(key),
            )
            if offer.status_code != 201:
                continue
            entry = OPEN.get(item["id"])
            if entry is not None:
                entry["offers"].add(offer.json()["id"])
            if random.random() < 0.2:
                self._retry(path, "POST /v1/share-requests/{id}/offers", person, body, key,
                            offer.json()["id"], "offer_retries")  # fmt: skip

    # -- requesters ---------------------------------------------------------------------

    def _accept(self, person: dict[str, Any], offer_id: str) -> Any:
        return self.call(
            "POST",
            f"/v1/offers/{offer_id}/accept",
            person,
            "POST /v1/offers/{id}/accept",
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )

    @task(4)
    def accept(self) -> None:
        offered = [k for k, v in list(OPEN.items()) if v["offers"]]
        if not offered:
            return
        request_id = random.choice(offered)
        entry = OPEN.pop(request_id, None)
        if entry is None:
            return
        person = entry["by"]
        listing = self.call(
            "GET",
            f"/v1/share-requests/{request_id}/offers",
            person,
            "GET /v1/share-requests/{id}/offers",
        )
        if listing.status_code != 200:
            return
        pending = [o["id"] for o in listing.json()["items"] if o["status"] == "pending"]
        if not pending:
            return
        if random.random() < 0.15:
            # The requester cancels on one phone while accepting on the other: either the
            # match is made and cancelled with the request, or the accept finds it gone.
            accept = gevent.spawn(self._accept, person, pending[0])
            cancel = gevent.spawn(
                self.call,
                "POST",
                f"/v1/share-requests/{request_id}/cancel",
                person,
                "POST /v1/share-requests/{id}/cancel (racing an accept)",
                json={"reason": "別の人にお願いしました"},
            )
            gevent.joinall([accept, cancel])
            CHECKS["accept_cancel_races"] += 1
            if cancel.value.status_code != 200:
                _problem(f"cancel racing an accept answered {cancel.value.status_code}")
            return
        if len(pending) >= 2:
            # Two taps on two offers at once (two phones of one household): one match.
            first, second = (
                gevent.spawn(self._accept, person, pending[0]),
                gevent.spawn(self._accept, person, pending[1]),
            )
            gevent.joinall([first, second])
            codes = sorted([first.value.status_code, second.value.status_code])
            CHECKS["concurrent_accepts"] += 1
            if codes == [201, 409]:
                CHECKS["concurrent_accepts_one_winner"] += 1
            elif codes.count(201) > 1:
                _problem(f"two accepts of request {request_id} both won")
            won = first.value if first.value.status_code == 201 else second.value
        else:
            won = self._accept(person, pending[0])
        if won.status_code == 201:
            match = won.json()
            MATCHES[match["id"]] = {"by": person, "starts_at": entry["starts_at"]}

    @task(1)
    def cancel_request(self) -> None:
        self._cancel(OPEN, "/v1/share-requests/{id}/cancel", "予定が変わりました")

    @task(1)
    def cancel_match(self) -> None:
        if random.random() < 0.4:
            self._cancel(MATCHES, "/v1/matches/{id}/cancel", "子どもが熱を出しました")

    def _cancel(self, registry: dict[str, dict[str, Any]], path: str, reason: str) -> None:
        """The requester cancels one of ``registry``'s (taken out of it: nobody else acts
        on it afterwards)."""
        if not registry:
            return
        key = random.choice(list(registry))
        entry = registry.pop(key, None)
        if entry is not None:
            url = path.replace("{id}", key)
            self.call("POST", url, entry["by"], f"POST {path}", json={"reason": reason})

    @task(3)
    def complete_and_thank(self) -> None:
        now = datetime.now(UTC)
        due = [k for k, v in list(MATCHES.items()) if v["starts_at"] < now]
        if not due:
            return
        match_id = random.choice(due)
        entry = MATCHES.pop(match_id, None)
        if entry is None:
            return
        person = entry["by"]
        self.call(
            "POST", f"/v1/matches/{match_id}/complete", person, "POST /v1/matches/{id}/complete"
        )
        key = {"Idempotency-Key": str(uuid.uuid4())}
        body = {"amount_jpy": random.choice([500, 1000]), "method": "cash"}
        path = f"/v1/matches/{match_id}/thank-yous"
        thanks = self.call(
            "POST", path, person, "POST /v1/matches/{id}/thank-yous", json=body, headers=dict(key)
        )
        if thanks.status_code == 201 and random.random() < 0.3:
            self._retry(path, "POST /v1/matches/{id}/thank-yous", person, body, key,
                        thanks.json()["id"], "thank_you_retries")  # fmt: skip

    @task(2)
    def read_mine(self) -> None:
        person = random.choice(REQUESTERS)
        self.call("GET", "/v1/me/share-requests?limit=20", person, "GET /v1/me/share-requests")
        if OPEN and random.random() < 0.5:
            request_id = random.choice(list(OPEN))
            entry = OPEN.get(request_id)
            if entry is not None:
                self.call(
                    "GET",
                    f"/v1/share-requests/{request_id}/candidates",
                    entry["by"],
                    "GET /v1/share-requests/{id}/candidates",
                )

    @task(1)
    def statistics(self) -> None:
        this_month = datetime.now(UTC)
        year_ago = this_month - timedelta(days=330)
        query = f"from={year_ago:%Y-%m}&to={this_month:%Y-%m}"
        path = f"/v1/municipalities/{WORLD['municipality']}/stats?{query}"
        self.call(
            "GET",
            path,
            None,
            "GET /v1/municipalities/{code}/stats",
            headers={"X-API-Key": WORLD["api_key"]},
        )
