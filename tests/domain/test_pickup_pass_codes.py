"""The pickup pass's token and codes, as pure functions: a token names exactly its match
under exactly its secret; anything else, whatever its bytes, is None (never an error);
the codes are stable, of their alphabet and length, and differ by secret."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from otagai.domain.codes import CODE_ALPHABET
from otagai.domain.matches.passes import handover_code, make_token, pass_code, verify_token

SECRET = "s" * 32


@given(st.uuids())
def test_token_round_trips_to_its_match_id(match_id: uuid.UUID):
    assert verify_token(make_token(match_id, secret=SECRET), secret=SECRET) == match_id


@given(st.uuids())
def test_token_under_another_secret_is_refused(match_id: uuid.UUID):
    assert verify_token(make_token(match_id, secret=SECRET), secret="t" * 32) is None


@given(st.text(max_size=200))
def test_any_other_text_is_refused_without_error(text: str):
    assert verify_token(text, secret=SECRET) is None


@given(st.uuids(), st.integers(min_value=0, max_value=80), st.characters())
def test_a_token_changed_anywhere_is_refused(match_id: uuid.UUID, at: int, ch: str):
    token = make_token(match_id, secret=SECRET)
    at %= len(token)
    if token[at] == ch:
        return
    assert verify_token(token[:at] + ch + token[at + 1 :], secret=SECRET) is None


@given(st.uuids())
def test_codes_are_stable_and_well_formed(match_id: uuid.UUID):
    code = pass_code(match_id, secret=SECRET)
    assert code == pass_code(match_id, secret=SECRET)
    assert len(code) == 6 and set(code) <= set(CODE_ALPHABET)
    digits = handover_code(match_id, secret=SECRET)
    assert digits == handover_code(match_id, secret=SECRET)
    assert len(digits) == 6 and digits.isdigit()


def test_codes_depend_on_the_secret():
    ids = [uuid.uuid4() for _ in range(20)]
    assert [pass_code(i, secret=SECRET) for i in ids] != [
        pass_code(i, secret="t" * 32) for i in ids
    ]
    assert [handover_code(i, secret=SECRET) for i in ids] != [
        handover_code(i, secret="t" * 32) for i in ids
    ]
