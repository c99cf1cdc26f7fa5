"""JIS X 0402 local government codes (全国地方公共団体コード): five digits and a check digit.

The check digit catches a mistyped code before a municipality is created under it:
s = 6·d1 + 5·d2 + 4·d3 + 3·d4 + 2·d5, check = the last digit of 11 − (s mod 11).

So a remainder of 0 gives 1 (11 -> 1: 新宿区 13104 -> 131041) and a remainder of 1 gives 0
(10 -> 0: 渋谷区 13113 -> 131130).
"""

from __future__ import annotations

WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(first_five: str) -> int:
    """The check digit of a five-digit organization code (e.g. "13112" -> 1)."""
    if len(first_five) != 5 or not all(ch in "0123456789" for ch in first_five):
        raise ValueError("five ASCII digits expected")
    total = sum(w * int(d) for w, d in zip(WEIGHTS, first_five, strict=True))
    return (11 - total % 11) % 10


def is_well_formed(code: str) -> bool:
    """Six ASCII digits (the check digit is not looked at)."""
    return len(code) == 6 and all(ch in "0123456789" for ch in code)


def is_valid_code(code: str) -> bool:
    return is_well_formed(code) and int(code[5]) == check_digit(code[:5])
