"""Row locks by primary key: the way services serialize changes to one row (a request
and its offers, a match, a thank-you)."""

from __future__ import annotations

from typing import Any, TypeVar

from otagai.extensions.db import session

T = TypeVar("T")


def locked(model: type[T], ident: Any, *, shared: bool = False) -> T | None:
    """The row, locked for the rest of the transaction (``FOR UPDATE``, or ``FOR SHARE``
    when ``shared``) and read afresh: a concurrent change committed while we waited is
    what we see."""
    return session.get(
        model,
        ident,
        with_for_update={"read": True} if shared else True,
        populate_existing=True,
    )
