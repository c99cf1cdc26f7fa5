from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, update

from otagai.domain.people.models import User
from otagai.domain.trust.models import Block, Connection, ConnectionCode
from tests.factories import BlockFactory, ConnectionFactory, UserFactory
from tests.helpers import assert_problem, code_of, unchanged

pytestmark = pytest.mark.usefixtures("forget_rate_limit_hits")


def _count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def _block(client_as, blocker, blocked):
    return client_as(blocker).post("/v1/me/blocks", json={"user_id": str(blocked.id)})


def _ids(response) -> list[str]:
    return _ids_of(response.get_json())


def _ids_of(page) -> list[str]:
    return [item["user_id"] for item in page["items"]]


# Blocking ----------------------------------------------------------------------------


def test_block_user_is_201(client_as, db):
    me, other = UserFactory(), UserFactory()
    response = _block(client_as, me, other)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"user_id", "display_name", "blocked_at"}
    assert body["user_id"] == str(other.id)
    assert body["display_name"] == other.display_name
    assert db.get(Block, (me.id, other.id)) is not None


def test_block_user_twice_is_200_with_first_date(client_as, db):
    me, other = UserFactory(), UserFactory()
    first = _block(client_as, me, other)
    again = _block(client_as, me, other)
    assert again.status_code == 200
    assert again.get_json() == first.get_json()
    assert _count(db, Block) == 1


def test_block_self_is_422(client_as, db):
    me = UserFactory()
    with unchanged(db):
        assert_problem(_block(client_as, me, me), 422, "cannot_block_self")
    assert _count(db, Block) == 0


def test_block_unknown_user_is_404(client_as, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/me/blocks", json={"user_id": str(uuid.uuid4())})
    assert_problem(response, 404, "user_not_found")
    assert _count(db, Block) == 0


def test_block_deleted_account_is_404(client_as, db):
    me, gone = UserFactory(), UserFactory()
    db.execute(update(User).where(User.id == gone.id).values(status="deleted"))
    with unchanged(db):
        assert_problem(_block(client_as, me, gone), 404, "user_not_found")
    assert _count(db, Block) == 0


@pytest.mark.parametrize("body", [{}, {"user_id": "not-a-uuid"}, {"user_id": None}])
def test_block_with_invalid_body_is_422(client_as, body, db):
    caller = UserFactory()
    with unchanged(db):
        response = client_as(caller).post("/v1/me/blocks", json=body)
    problem = assert_problem(response, 422, "validation_failed")
    assert list(problem["errors"]) == ["user_id"]


def test_block_without_profile_is_403(client_as, db):
    other = UserFactory()
    with unchanged(db):
        response = client_as("no-profile-yet").post(
            "/v1/me/blocks", json={"user_id": str(other.id)}
        )
    assert_problem(response, 403, "profile_required")


def test_block_removes_our_connection_for_both(client_as, db):
    me, other = UserFactory(), UserFactory()
    ConnectionFactory(a=me, b=other)
    _block(client_as, me, other)
    assert _count(db, Connection) == 0
    assert _ids(client_as(me).get("/v1/me/connections")) == []
    assert _ids(client_as(other).get("/v1/me/connections")) == []


def test_block_leaves_other_connections_alone(client_as, db):
    me, other, friend = UserFactory(), UserFactory(), UserFactory()
    ConnectionFactory(a=me, b=other)
    ConnectionFactory(a=friend, b=me)
    _block(client_as, me, other)
    assert _ids(client_as(me).get("/v1/me/connections")) == [str(friend.id)]


def test_list_connections_hides_blocked_pair_even_with_a_stray_row(client_as):
    # Defence in depth: a connection row that somehow survived a block is still hidden.
    me, other = UserFactory(), UserFactory()
    BlockFactory(blocker=other, blocked=me)
    ConnectionFactory(a=me, b=other)
    assert _ids(client_as(me).get("/v1/me/connections")) == []
    assert _ids(client_as(other).get("/v1/me/connections")) == []


# Redeeming across a block --------------------------------------------------------------


def test_redeem_code_of_someone_who_blocked_me_is_404(client_as, db):
    me, blocker = UserFactory(), UserFactory()
    BlockFactory(blocker=blocker, blocked=me)
    code = code_of(client_as, blocker)
    with unchanged(db):
        response = client_as(me).post("/v1/connections", json={"code": code})
    # Indistinguishable from an unknown code: the block is not revealed.
    assert_problem(response, 404, "connection_code_not_found")
    assert _count(db, Connection) == 0
    assert db.scalar(select(ConnectionCode.used_at).where(ConnectionCode.code == code)) is None


def test_redeem_code_of_someone_i_blocked_is_404(client_as, db):
    me, blocked = UserFactory(), UserFactory()
    BlockFactory(blocker=me, blocked=blocked)
    code = code_of(client_as, blocked)
    with unchanged(db):
        response = client_as(me).post("/v1/connections", json={"code": code})
    assert_problem(response, 404, "connection_code_not_found")
    assert _count(db, Connection) == 0


def test_redeem_code_after_unblock_is_201(client_as):
    me, other = UserFactory(), UserFactory()
    _block(client_as, me, other)
    client_as(me).delete(f"/v1/me/blocks/{other.id}")
    response = client_as(other).post("/v1/connections", json={"code": code_of(client_as, me)})
    assert response.status_code == 201
    mine = client_as(me).get("/v1/me/connections").get_json()["items"]
    assert [c["user_id"] for c in mine] == [str(other.id)]


# Listing and unblocking ----------------------------------------------------------------


def test_list_blocks_shows_whom_i_blocked(client_as):
    me, other = UserFactory(), UserFactory()
    blocked_at = _block(client_as, me, other).get_json()["blocked_at"]
    page = client_as(me).get("/v1/me/blocks").get_json()
    assert page == {
        "items": [
            {"user_id": str(other.id), "display_name": other.display_name, "blocked_at": blocked_at}
        ],
        "next_cursor": None,
    }


def test_list_blocks_never_shows_who_blocked_me(client_as):
    me, blocker = UserFactory(), UserFactory()
    BlockFactory(blocker=blocker, blocked=me)
    assert _ids(client_as(me).get("/v1/me/blocks")) == []


def test_list_blocks_pages_through_all_without_repeats(client_as):
    me = UserFactory()
    others = [UserFactory() for _ in range(5)]
    for other in others:
        BlockFactory(blocker=me, blocked=other)
    api = client_as(me)
    first = api.get("/v1/me/blocks?limit=3").get_json()
    second = api.get(f"/v1/me/blocks?limit=3&cursor={first['next_cursor']}").get_json()
    assert second["next_cursor"] is None
    assert sorted(_ids_of(first) + _ids_of(second)) == sorted(str(o.id) for o in others)


def test_list_blocks_without_profile_is_403(client_as):
    assert_problem(client_as("no-profile-yet").get("/v1/me/blocks"), 403, "profile_required")


def test_unblock_is_204_and_does_not_restore_connection(client_as, db):
    me, other = UserFactory(), UserFactory()
    ConnectionFactory(a=me, b=other)
    _block(client_as, me, other)
    response = client_as(me).delete(f"/v1/me/blocks/{other.id}")
    assert response.status_code == 204
    assert _count(db, Block) == 0
    assert _count(db, Connection) == 0


def test_unblock_someone_not_blocked_is_404(client_as, db):
    me, other = UserFactory(), UserFactory()
    BlockFactory(blocker=other, blocked=me)  # their block is not mine to lift
    with unchanged(db):
        response = client_as(me).delete(f"/v1/me/blocks/{other.id}")
    assert_problem(response, 404, "block_not_found")
    assert _count(db, Block) == 1
