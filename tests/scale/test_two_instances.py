"""Two instances of the web tier behind one port, sharing nothing but the database: two
gunicorn masters bound to the same address with SO_REUSEPORT (GUNICORN_REUSE_PORT=1),
each with its own worker, pool and token cache. What must be shared lives in PostgreSQL
(Idempotency-Key answers) or in a secret both are given (DASHBOARD_LINK_SECRET).

The kernel, not the test, picks the instance for each new connection: a test repeats a
call until both instances have answered it, and tells them apart by their own access logs
(each line carries the X-Request-Id the test sent)."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlalchemy import create_engine, func, select

from otagai.domain.people.models import Child, User
from otagai.extensions.auth import mint_emulator_token
from tests.races.world import make_community
from tests.scale.instances import Answer, Instance, call, instances_on_one_port
from tests.scale.neighbourhood import HOME, PROJECT
from tests.scale.processes import free_port

pytestmark = pytest.mark.slow

SECRET = secrets.token_urlsafe(32)
SAITAMA = "111007"
TRIES = 60  # at even odds, the chance that one instance never answers is 2 x 2^-60


@pytest.fixture(scope="module")
def served(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    engine = create_engine(database)
    make_community(engine)  # the municipality of the dashboard
    port = free_port()
    logs = tmp_path_factory.mktemp("instances")
    settings = {"DATABASE_URL": database, "DASHBOARD_LINK_SECRET": SECRET}
    with instances_on_one_port(port, logs, **settings) as instances:
        yield port, instances, engine
    engine.dispose()


def _who(instances: list[Instance], answer: Answer) -> Instance:
    """The instance whose access log has the answer's request id."""
    deadline = time.monotonic() + 5
    while True:
        found = [i for i in instances if answer.request_id in i.answered()]
        if found:
            [instance] = found
            return instance
        assert time.monotonic() < deadline, f"no instance logged {answer.request_id}"
        time.sleep(0.05)


def _until_both_answer(
    instances: list[Instance], make_call: Callable[[], Answer]
) -> dict[str, list[Answer]]:
    """Repeat the call until every instance has answered it at least once."""
    by_instance: dict[str, list[Answer]] = {i.name: [] for i in instances}
    for _ in range(TRIES):
        answer = make_call()
        by_instance[_who(instances, answer).name].append(answer)
        if all(by_instance.values()):
            return by_instance
    raise AssertionError(f"not every instance answered in {TRIES} tries: {by_instance}")


def _bearer(uid: str, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_emulator_token(uid, PROJECT, **claims)}"}


def _parent(pid: int) -> int:
    stat = Path(f"/proc/{pid}/stat").read_text()
    return int(stat.rsplit(")", 1)[1].split()[1])


def test_two_masters_on_one_port_are_separate_process_trees_and_both_serve(served):
    port, instances, _ = served
    masters = [i.process.pid for i in instances]
    assert len(set(masters)) == 2 and not {_parent(m) for m in masters} & set(masters)
    for instance in instances:
        workers = [r["msg"].split()[-1] for r in instance.records()
                   if r["msg"].startswith("Booting worker")]  # fmt: skip
        assert [_parent(int(w)) for w in workers] == [instance.process.pid]
        [control] = [r["msg"] for r in instance.records() if r["msg"].startswith("Control")]
        assert control.endswith(f"/{instance.name}.ctl")
    headers = _bearer(f"scale-member-{uuid.uuid4().hex[:8]}")
    answers = _until_both_answer(instances, lambda: call(port, "GET", "/v1/me", **headers))
    statuses = {a.status for found in answers.values() for a in found}
    assert statuses == {404}  # signed in (own token cache each), no profile yet
    # Every access line was written by exactly one of them.
    sent = {a.request_id for found in answers.values() for a in found}
    logged = [i.answered() & sent for i in instances]
    assert logged[0] and logged[1] and not logged[0] & logged[1]
    assert logged[0] | logged[1] == sent


def test_an_idempotent_post_answered_by_one_instance_is_replayed_by_the_other(served):
    port, instances, engine = served
    uid = f"scale-parent-{uuid.uuid4().hex[:8]}"
    headers = _bearer(uid)
    profile = call(port, "PUT", "/v1/me", {"display_name": "佐藤", "home": HOME}, **headers)
    assert profile.status == 201
    child = {"nickname": "はるとくん", "birth_date": "2021-04-01"}
    retry = {**headers, "Idempotency-Key": f"child-{uuid.uuid4()}"}
    first = call(port, "POST", "/v1/me/children", child, **retry)
    assert first.status == 201 and "Idempotent-Replayed" not in first.headers
    first_by = _who(instances, first)
    # Retries until one lands on the other instance (those on the first replay too).
    answers = [first]
    while _who(instances, answers[-1]) is first_by:
        assert len(answers) <= TRIES, "the other instance never answered the retry"
        answers.append(call(port, "POST", "/v1/me/children", child, **retry))
    for replay in answers[1:]:
        assert replay.status == 201
        assert replay.headers.get("Idempotent-Replayed") == "true"
        assert replay.json() == first.json()
    with engine.connect() as conn:
        children = conn.scalar(
            select(func.count())
            .select_from(Child)
            .join(User, User.household_id == Child.household_id)
            .where(User.firebase_uid == uid)
        )
    assert children == 1


def test_a_dashboard_link_made_on_one_instance_opens_on_the_other(served):
    port, instances, _ = served
    operator = _bearer(f"scale-operator-{uuid.uuid4().hex[:8]}", operator=True)
    made = call(port, "POST", f"/v1/municipalities/{SAITAMA}/dashboard-links", **operator)
    assert made.status == 201, made.body
    link = urlsplit(made.json()["url"])
    opened = _until_both_answer(instances, lambda: call(port, "GET", f"{link.path}?{link.query}"))
    pages = [a for found in opened.values() for a in found]
    assert {a.status for a in pages} == {200}
    assert all(a.headers["Content-Type"].startswith("text/html") for a in pages)
