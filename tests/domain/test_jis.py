"""JIS X 0402 local government codes: the check digit."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otagai.domain.communities.jis import check_digit, is_valid_code, is_well_formed

FIVE_DIGITS = st.text(alphabet="0123456789", min_size=5, max_size=5)

# Published codes, including both two-digit cases of 11 − (s mod 11):
# 新宿区 (remainder 0 -> 11 -> 1) and 渋谷区 (remainder 1 -> 10 -> 0).
REAL_CODES = {
    "111007": "さいたま市",
    "131121": "世田谷区",
    "131016": "千代田区",
    "131041": "新宿区",
    "131130": "渋谷区",
    "011002": "札幌市",
    "271004": "大阪市",
    "401005": "北九州市",
    "472018": "那覇市",
}


def _reference(first_five: str) -> int:
    """Written out as the standard says it, independently of the implementation."""
    total = sum(int(d) * w for d, w in zip(first_five, [6, 5, 4, 3, 2], strict=True))
    return int(str(11 - total % 11)[-1])


@pytest.mark.parametrize("code", sorted(REAL_CODES))
def test_is_valid_code_published_code_is_true(code):
    assert is_valid_code(code)


@pytest.mark.parametrize(("first_five", "digit"), [("11100", 7), ("13112", 1), ("13104", 1)])
def test_check_digit_known_prefix_gives_published_digit(first_five, digit):
    assert check_digit(first_five) == digit


def test_check_digit_every_prefix_matches_reference():
    # Exhaustive: 100,000 prefixes.
    for n in range(100_000):
        prefix = f"{n:05d}"
        assert check_digit(prefix) == _reference(prefix), prefix


@given(FIVE_DIGITS, st.integers(min_value=0, max_value=9))
def test_is_valid_code_exactly_one_last_digit_is_valid(prefix, digit):
    assert is_valid_code(prefix + str(digit)) == (digit == check_digit(prefix))


@given(FIVE_DIGITS)
def test_is_valid_code_code_with_computed_digit_is_true(prefix):
    assert is_valid_code(prefix + str(check_digit(prefix)))


@pytest.mark.parametrize(
    "code", ["", "13112", "1311210", "13112a", "１３１１２１", " 131121", "131-21", "٣١٣١٢١"]
)
def test_is_valid_code_not_six_ascii_digits_is_false(code):
    assert not is_well_formed(code)
    assert not is_valid_code(code)


@pytest.mark.parametrize("prefix", ["1311", "131121", "1311a", "１３１１２"])
def test_check_digit_malformed_prefix_raises(prefix):
    with pytest.raises(ValueError):
        check_digit(prefix)
