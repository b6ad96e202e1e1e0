"""When participants first enroll: an even spread plus campaign waves (see mix.CAMPAIGN_WAVES)."""

from __future__ import annotations

import random

from services.dev.simulation.days import day_in, year_of
from services.dev.simulation.mix import CAMPAIGN_WAVES, EVEN_ENROLLMENT_SHARE
from services.dev.simulation.sampling import WeightedChoice


class EnrollmentWaves:
    def __init__(self, first_day: int, last_day: int):
        self.first_day, self.last_day = first_day, last_day
        self.years = range(year_of(first_day), year_of(last_day) + 1)
        self.waves = WeightedChoice({wave: wave[3] for wave in CAMPAIGN_WAVES})

    def draw(self, rng: random.Random) -> int:
        if rng.random() >= EVEN_ENROLLMENT_SHARE:
            month, dom, spread, _ = self.waves.pick(rng)
            centre = day_in(rng.choice(self.years), month, dom)
            for _ in range(4):  # a wave cut off by the period falls back to the even spread
                day = round(rng.gauss(centre, spread))
                if self.first_day <= day <= self.last_day:
                    return day
        return rng.randint(self.first_day, self.last_day)
