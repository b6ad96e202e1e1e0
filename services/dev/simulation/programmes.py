"""Assistance programmes: who pays, when the batches go out, and who is continued."""

from __future__ import annotations

import random

from services.dev.simulation.days import day_in, day_of, year_of
from services.dev.simulation.geography import is_desa
from services.dev.simulation.mix import SEGMENT_MIX
from services.dev.simulation.sampling import sub_rng
from streams.domain.trajectory import ASSISTANCE_IDR_PER_WORKER_MONTH

IDR_PER_MONTH = (
    ASSISTANCE_IDR_PER_WORKER_MONTH  # JKK+JKM contribution for a BPU worker (data notes), defined in the domain
)

# The simulated participants stand for everyone covered at some point of the period: about
# 600,000 in 2023 (data notes) growing towards the 59.56% x 1.7M ~ 1.01M target of 2025.
# Programme sizes below scale by participants / MODELLED_PARTICIPANTS.
MODELLED_PARTICIPANTS = 1_000_000

PROVINCE_PAYER = "APBD-61"
PROVINCE_ASSISTED = 26_300  # 2024 programme: vulnerable workers and oil-palm smallholders
# Bengkayang assisted 4,600 workers (data notes); other regencies: assumed 3% of participants.
REGENCY_ASSISTED = {"61.07": 4_600}
REGENCY_DEFAULT_SHARE = 0.03
VILLAGE_SHARE = 0.02  # APBDes-funded workers in rural villages (assumption)
# The first budget year of the period enrolls a full cohort; later years enroll this share of
# it as newcomers next to the continued workers (assumption).
LATER_COHORT_SHARE = 0.25

# Share of assisted workers paid again for the next budget year. Bengkayang did not continue
# 2,484 of 4,600 in 2025 (data notes); province and village figures are assumptions.
CONTINUED_SHARE = {"province": 0.75, "regency": 1 - 2_484 / 4_600, "village": 0.60}
SELF_PAY_AFTER_ASSISTANCE_SHARE = 0.20  # not continued, but the worker starts paying
ADVANCE_PAYMENT_SHARE = 0.30  # payers that pay next year's batch in December


def payer_level(payer: str) -> str:
    if payer == PROVINCE_PAYER:
        return "province"
    return "village" if payer.startswith("APBDES-") else "regency"


class Programmes:
    """Which BPU participants join which assistance batch, and when the batches are paid."""

    def __init__(self, seed: int, workforce: dict[str, int], first_day: int, cutoff: int):
        self.calendar = BatchCalendar(seed)
        self.first_day, self.cutoff = first_day, cutoff
        self.years = list(range(year_of(first_day), year_of(day_of(cutoff)) + 1))
        self.year_weights = [1.0] + [LATER_COHORT_SHARE] * (len(self.years) - 1)
        cohorts = sum(self.year_weights)  # full-cohort equivalents over the period
        bpu_share = SEGMENT_MIX["BPU"]
        total_workforce = sum(workforce.values())
        self.odds: dict[str, tuple[float, float, float]] = {}
        for regency, regency_workforce in workforce.items():
            # chances of a BPU participant of the regency: cohort size / modelled BPU there
            modelled_bpu = MODELLED_PARTICIPANTS * bpu_share * regency_workforce / total_workforce
            regency_cohort = REGENCY_ASSISTED.get(regency, REGENCY_DEFAULT_SHARE * modelled_bpu / bpu_share)
            self.odds[regency] = (
                PROVINCE_ASSISTED * cohorts / (MODELLED_PARTICIPANTS * bpu_share),
                regency_cohort * cohorts / modelled_bpu,
                VILLAGE_SHARE * cohorts / bpu_share,
            )
        self._payers: dict[str, str] = {}  # one shared string per payer id

    def draw(self, rng: random.Random, region: str) -> tuple[str, int, int] | None:
        """(payer, budget year, batch day) for a new BPU participant, or None if self-paying."""
        province, regency, village = self.odds[region[:5]]
        roll = rng.random()
        if roll < province:
            payer = PROVINCE_PAYER
        elif roll < province + regency:
            payer = f"APBD-{region[:5]}"
        elif roll < province + regency + village and is_desa(region):
            payer = f"APBDES-{region}"
        else:
            return None
        year = rng.choices(self.years, self.year_weights)[0]
        batch_day = self.calendar.first_batch_day(payer, year)
        if not self.first_day <= batch_day <= day_of(self.cutoff):
            return None  # the batch falls outside the simulated period: self-paying instead
        return self._payers.setdefault(payer, payer), year, batch_day


class BatchCalendar:
    """Payment days per payer and budget year, the same for every participant of the batch."""

    def __init__(self, seed: int):
        self.seed = seed
        self._first: dict[tuple[str, int], int] = {}
        self._renewal: dict[tuple[str, int], int] = {}

    def first_batch_day(self, payer: str, year: int) -> int:
        """Day a payer's programme for `year` is paid; the period runs from that month on."""
        key = (payer, year)
        if key not in self._first:
            self._first[key] = self._draw_first_batch_day(payer, year)
        return self._first[key]

    def _draw_first_batch_day(self, payer: str, year: int) -> int:
        if payer == PROVINCE_PAYER:
            return day_in(year, 4, 15)  # after the APBD budget documents (DPA) in Q1
        rng = sub_rng(self.seed, "batch", payer, year)
        months = (3, 8) if payer_level(payer) == "regency" else (2, 6)  # Dana Desa tranche 1
        return day_in(year, rng.randint(*months), rng.randint(1, 28))

    def renewal_day(self, payer: str, year: int) -> int:
        key = (payer, year)
        if key not in self._renewal:
            self._renewal[key] = self._draw_renewal_day(payer, year)
        return self._renewal[key]

    def _draw_renewal_day(self, payer: str, year: int) -> int:
        """Day the batch for `year` (Jan 1 - Dec 31) is paid for continued workers.

        Some payers pay in advance in December of the year before, so the period is in the
        future when the event occurs.
        """
        rng = sub_rng(self.seed, "renewal", payer, year)
        if rng.random() < ADVANCE_PAYMENT_SHARE:
            return day_in(year - 1, 12, rng.randint(1, 20))
        month = rng.choice((1, 2))
        return day_in(year, month, rng.randint(5, 28))
