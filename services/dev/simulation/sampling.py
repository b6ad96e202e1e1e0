"""Small seeded sampling helpers."""

from __future__ import annotations

import random
from bisect import bisect_right
from itertools import accumulate
from typing import Generic, Mapping, TypeVar

T = TypeVar("T")


class WeightedChoice(Generic[T]):
    """Draws keys in proportion to their weights (faster than random.choices for one draw)."""

    def __init__(self, weights: Mapping[T, float]):
        if not weights or min(weights.values()) < 0 or sum(weights.values()) <= 0:
            raise ValueError("weights must be non-negative with a positive sum")
        self.keys = list(weights)
        self.cumulative = list(accumulate(weights.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> T:
        index = bisect_right(self.cumulative, rng.random() * self.total)
        return self.keys[min(index, len(self.keys) - 1)]


def chance(rng: random.Random, probability: float) -> bool:
    return rng.random() < probability


def sub_rng(seed: int, *parts: object) -> random.Random:
    """An independent, reproducible stream for one named thing (str seeds hash with SHA-512)."""
    return random.Random("|".join(map(str, (seed, *parts))))
