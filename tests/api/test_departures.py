"""What leaving does to trust: deleting the account forgets connections, blocks and codes,
and revokes certifications with a history entry."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from otagai.domain.trust.models import (
    Block,
    Certification,
    CertificationChange,
    Connection,
    ConnectionCode,
)
from tests.factories import (
    BlockFactory,
    CertificationFactory,
    CommunityFactory,
    ConnectionFactory,
    MunicipalityFactory,
    UserFactory,
)


def _count(db, model, *where) -> int:
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_delete_account_forgets_connections_blocks_and_codes(client_as, db):
    leaver, friend, blocked, blocker = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    ConnectionFactory(a=leaver, b=friend)
    BlockFactory(blocker=leaver, blocked=blocked)
    BlockFactory(blocker=blocker, blocked=leaver)
    assert client_as(leaver).post("/v1/me/connection-codes").status_code == 201

    assert client_as(leaver).delete("/v1/me").status_code == 204

    involves = or_(Connection.user_low_id == leaver.id, Connection.user_high_id == leaver.id)
    assert _count(db, Connection, involves) == 0
    assert _count(db, Block, or_(Block.blocker_id == leaver.id, Block.blocked_id == leaver.id)) == 0
    assert _count(db, ConnectionCode, ConnectionCode.user_id == leaver.id) == 0
    assert client_as(friend).get("/v1/me/connections").get_json()["items"] == []


def test_delete_account_revokes_certifications_with_history(client_as, db):
    supporter = UserFactory()
    certification = CertificationFactory(community=CommunityFactory(), user=supporter)

    assert client_as(supporter).delete("/v1/me").status_code == 204

    db.expire_all()
    stored = db.get(Certification, certification.id)
    assert stored.revoked_at is not None
    assert stored.revoke_reason == "account_deleted"
    changes = db.scalars(
        select(CertificationChange).where(CertificationChange.certification_id == stored.id)
    ).all()
    assert [(c.action, c.details.get("automatic")) for c in changes] == [("revoked", True)]


def test_delete_account_leaves_other_peoples_connections(client_as, db):
    leaver, a, b = UserFactory(), UserFactory(), UserFactory()
    ConnectionFactory(a=a, b=b)
    assert client_as(leaver).delete("/v1/me").status_code == 204
    assert [i["user_id"] for i in client_as(a).get("/v1/me/connections").get_json()["items"]] == [
        str(b.id)
    ]


def test_leave_community_revokes_certification_there_only(client_as, db):
    supporter = UserFactory()
    municipality = MunicipalityFactory()
    here = CommunityFactory(municipality=municipality)
    elsewhere = CommunityFactory(municipality=municipality)
    left = CertificationFactory(community=here, user=supporter)
    kept = CertificationFactory(community=elsewhere, user=supporter)

    assert client_as(supporter).delete(f"/v1/communities/{here.id}/members/me").status_code == 204

    db.expire_all()
    assert db.get(Certification, left.id).revoke_reason == "left_community"
    assert db.get(Certification, kept.id).revoked_at is None
