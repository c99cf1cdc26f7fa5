"""The test helpers that judge other tests must be able to fail."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from otagai.domain.people.models import User
from tests.factories import UserFactory
from tests.helpers import unchanged


def test_unchanged_passes_when_nothing_changes(db):
    UserFactory()
    with unchanged(db):
        db.execute(text("SELECT 1 FROM users"))


def test_unchanged_sees_a_new_row(db):
    with pytest.raises(AssertionError, match=r"'users': '0 -> 1 rows'"), unchanged(db, User):
        UserFactory()


def test_unchanged_sees_an_altered_row_with_the_same_count(db):
    user = UserFactory(display_name="前")
    with pytest.raises(AssertionError, match=r"'users': '1 -> 1 rows'"), unchanged(db):
        user.display_name = "後"


def test_unchanged_by_default_lets_a_refusal_count_its_attempt(db):
    with unchanged(db):
        db.execute(text("INSERT INTO rate_limit_hits (bucket) VALUES ('redeem:x')"))
    with pytest.raises(AssertionError, match="rate_limit_hits"), unchanged(db, "rate_limit_hits"):
        db.execute(text("INSERT INTO rate_limit_hits (bucket) VALUES ('redeem:x')"))
