"""Deterministic randomness: every part of the world draws from its own stream, derived
from the seed and the part's name, so the same seed and parameters give the same rows
(ids included) and a change in one part does not reshuffle the others.

Only the standard library's ``random.Random``: seeded with a string it hashes it with
SHA-512, the same in every process and on every platform.
"""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

# The version and variant bits of a version 4 UUID (RFC 9562), as uuid.UUID(version=4) sets
# them: ids drawn here look like any other uuid4 the app makes.
_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_SET = (0x4000 << 64) | (0x8000 << 48)


def stream(seed: int, name: str) -> random.Random:
    return random.Random(f"otagai-synthetic:{seed}:{name}")


def uuid4_int(rng: random.Random) -> int:
    """A version 4 UUID as an integer (``uuid.UUID(int=...)`` gives it back). Integers
    order as PostgreSQL orders uuids (bytewise), which ``connections`` needs."""
    return (rng.getrandbits(128) & _CLEAR) | _SET


def uuid_text(value: int) -> str:
    """32 hex digits: what COPY's uuid input accepts, without the dashes."""
    return f"{value:032x}"


def between(rng: random.Random, low: int, high: int) -> int:
    """An integer in [low, high): ``randrange`` without its overhead (it is a hot path)."""
    return low + int(rng.random() * (high - low))


def pick(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice`` without its overhead."""
    return items[int(rng.random() * len(items))]


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 40:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        k += 1
        product *= rng.random()
    return k


class Weighted(Generic[T]):
    """Draws from a fixed discrete distribution in O(log n) (a cumulative table)."""

    def __init__(self, items: Sequence[T], weights: Sequence[float]) -> None:
        self.items = list(items)
        self.cumulative = list(accumulate(weights))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> T:
        return self.items[bisect_right(self.cumulative, rng.random() * self.total)]
