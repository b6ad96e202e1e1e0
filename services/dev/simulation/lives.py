"""One participant's life as a small state machine: each action emits at most one event and
schedules the next action. Only this small state is kept per participant."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable, Optional, Tuple

from services.dev.simulation import mix
from services.dev.simulation.days import (
    DAY,
    HOUR,
    day_in,
    day_of,
    iso_day,
    month_end,
    month_of,
    month_start,
    year_end,
    year_start,
)
from services.dev.simulation.geography import Geography, RegionSampler, is_desa
from services.dev.simulation.programmes import (
    CONTINUED_SHARE,
    IDR_PER_MONTH,
    SELF_PAY_AFTER_ASSISTANCE_SHARE,
    Programmes,
    payer_level,
)
from services.dev.simulation.sampling import WeightedChoice, chance

# (type, source, type fields) of one event; the generator adds the common fields.
Event = Tuple[str, str, dict]
Action = Callable[[int], "Step"]
# (event or None, moment of the next action or None, next action)
Step = Tuple[Optional[Event], Optional[int], Optional[Action]]
DONE: Step = (None, None, None)

PU_MONTHS = WeightedChoice(mix.PU_EXTENSION_MONTHS)
BPU_MONTHS = WeightedChoice(mix.BPU_PAID_MONTHS)
ENROLLMENT_FEED = "bpjs-enrollment"


@dataclass
class World:
    """What every participant shares: the random stream, regions, payers and the clock."""

    rng: random.Random
    geography: Geography
    programmes: Programmes
    cutoff: int  # no event may occur after this moment

    def __post_init__(self):
        self.regions = RegionSampler(self.geography)

    def office_hours(self, day: int) -> int:
        return day * DAY + self.rng.randint(7 * HOUR, 17 * HOUR)

    def next_office_hours(self, t: int, day: int) -> int:
        """Office hours on `day`, but never before the day after moment `t`."""
        return self.office_hours(max(day, day_of(t) + 1))

    def batch_run(self, day: int) -> int:
        """Batch payments are posted by an overnight job, after the day's registrations."""
        return day * DAY + self.rng.randint(19 * HOUR, 24 * HOUR - 1)


class Participant:
    __slots__ = ("world", "participant_id", "region", "segment", "payer", "year", "cadence")

    def __init__(self, world: World, participant_id: str, region: str, segment: str, payer: str | None, year: int):
        self.world = world
        self.participant_id = participant_id
        self.region = region
        self.segment = segment
        self.payer = payer  # assistance payer id, None when paying for themselves
        self.year = year  # budget year of the next assistance payment
        self.cadence = PU_MONTHS.pick(world.rng)  # months an employer's extension covers

    def start(self, t: int) -> Step:
        if self.payer is not None:
            return self.register_for_assistance(t)
        join: dict[str, Callable[[int], Step]] = {
            "PU": self.pu_join,
            "BPU": self.bpu_pay,
            "JAKON": self.jakon_join,
            "PMI": self.pmi_join,
        }
        return join[self.segment](t)

    # --- helpers ---------------------------------------------------------------------

    def _source(self, office_share: float, village_share: float = 0.0) -> str:
        roll = self.world.rng.random()
        if roll < village_share and is_desa(self.region):
            return f"desa-{self.region}"
        if roll < village_share + office_share:
            return f"disnaker-{self.region[:5]}"
        return ENROLLMENT_FEED

    def _maybe_move(self, share: float) -> None:
        if chance(self.world.rng, share):
            self.region = self.world.regions.draw(self.world.rng)

    def _enrollment(self, source: str, covered_from: int, paid_through: int) -> Event:
        fields = {"covered_from": iso_day(covered_from), "paid_through": iso_day(paid_through)}
        return ("enrollment", source, fields)

    def _then_lapse(self, event: Event, at: int, reason: str, effective: int, then: Step = DONE) -> Step:
        """Emit `event` now and a lapse at `at`; `then` is what follows the lapse."""

        def lapse(t: int) -> Step:
            fields = {"reason": reason, "effective_date": iso_day(effective)}
            return (("lapse", ENROLLMENT_FEED, fields), then[1], then[2])

        return (event, at, lapse)

    # --- PU: employer-paid, extended every few months -----------------------------------

    def pu_join(self, t: int) -> Step:
        day = day_of(t)
        return self._pu_cover(t, day, self._source(office_share=0.15))

    def pu_extend(self, covered_from: int) -> Action:
        def extend(t: int) -> Step:
            self._maybe_move(mix.MOVE_SHARE)
            return self._pu_cover(t, covered_from, ENROLLMENT_FEED)

        return extend

    def _pu_cover(self, t: int, covered_from: int, source: str) -> Step:
        rng, day = self.world.rng, day_of(t)
        paid_through = month_end(max(covered_from, day), self.cadence - 1)
        event = self._enrollment(source, covered_from, paid_through)
        years = (paid_through - covered_from + 1) / 365
        ends_from = max(covered_from, day + 1)  # a job can only end after this event
        if ends_from <= paid_through and chance(rng, mix.DECEASED_PER_YEAR * years):
            died = rng.randint(ends_from, paid_through)
            reported = self.world.office_hours(died + rng.randint(1, 30))
            return self._then_lapse(event, reported, "deceased", died)
        if ends_from <= paid_through and chance(rng, 1 - (1 - mix.PU_JOB_END_PER_YEAR) ** years):
            left = rng.randint(ends_from, paid_through)
            rehire: Step = DONE
            if chance(rng, mix.PU_REHIRED_SHARE):
                self.cadence = PU_MONTHS.pick(rng)
                rehire = (None, self.world.office_hours(left + rng.randint(30, 180)), self._rehired)
            reported = self.world.office_hours(left + rng.randint(0, 14))
            return self._then_lapse(event, reported, "employment_ended", left, rehire)
        if chance(rng, mix.PU_LATE_PAYMENT_SHARE):
            next_day = paid_through + rng.randint(5, 75)  # arrears, paid from the day after
        else:
            next_day = paid_through - rng.randint(3, 20)
        return (event, self.world.next_office_hours(t, next_day), self.pu_extend(paid_through + 1))

    def _rehired(self, t: int) -> Step:
        self._maybe_move(mix.MOVE_SHARE)
        return self.pu_join(t)

    # --- BPU: self-paying informal workers ---------------------------------------------

    def bpu_pay(self, t: int, covered_from: int | None = None) -> Step:
        rng, day = self.world.rng, day_of(t)
        first = covered_from is None
        start = day if covered_from is None else covered_from
        paid_through = month_end(max(start, day), BPU_MONTHS.pick(rng) - 1)
        source = self._source(office_share=0.15, village_share=0.15) if first else ENROLLMENT_FEED
        event = self._enrollment(source, start, paid_through)
        if chance(rng, mix.BPU_RENEWAL_SHARE):
            renew = paid_through + (rng.randint(1, 80) if chance(rng, 0.3) else -rng.randint(0, 10))
            return (event, self.world.next_office_hours(t, renew), self._bpu_renewal(paid_through + 1))
        # the lapse is declared once three whole months went unpaid; coverage ended at paid_through
        declared = month_end(paid_through, mix.BPU_UNPAID_MONTHS_BEFORE_LAPSE) + 1 + rng.randint(0, 10)
        comeback: Step = DONE
        if chance(rng, mix.BPU_COMEBACK_SHARE):
            comeback = (None, self.world.office_hours(declared + rng.randint(30, 365)), self._comeback)
        lapsed = paid_through + 1
        return self._then_lapse(event, self.world.office_hours(declared), "non_payment", lapsed, comeback)

    def _bpu_renewal(self, covered_from: int) -> Action:
        return lambda t: self.bpu_pay(t, covered_from)

    def _comeback(self, t: int) -> Step:
        self._maybe_move(mix.MOVE_SHARE)
        return self.bpu_pay(t)

    # --- BPU assisted by the province, a regency or a village ---------------------------

    @property
    def assisted_by(self) -> str:
        """The payer of an assisted life (only assisted lives take these steps)."""
        assert self.payer is not None
        return self.payer

    def register_for_assistance(self, t: int) -> Step:
        day = day_of(t)
        village = payer_level(self.assisted_by) == "village"
        source = f"desa-{self.region}" if village else f"disnaker-{self.region[:5]}"
        event = self._enrollment(source, day, month_end(day))
        pay_day = self.world.programmes.calendar.first_batch_day(self.assisted_by, self.year)
        return (event, self.world.batch_run(pay_day), self.first_assistance)

    def first_assistance(self, t: int) -> Step:
        return self._assistance(t, month_start(day_of(t)))

    def renewed_assistance(self, t: int) -> Step:
        return self._assistance(t, year_start(self.year))

    def _assistance(self, t: int, period_start: int) -> Step:
        rng, year = self.world.rng, self.year
        months = 12 - month_of(period_start) + 1  # to the end of the budget year
        payer = self.assisted_by
        level = payer_level(payer)
        source = {"province": "pemprov-assistance", "regency": f"disnaker-{payer[5:]}"}.get(level, f"desa-{payer[7:]}")
        event = (
            "assistance_payment",
            source,
            {
                "payer_id": payer,
                "period_start": iso_day(period_start),
                "period_end": iso_day(year_end(year)),
                "amount_idr": IDR_PER_MONTH * months,
            },
        )
        if chance(rng, CONTINUED_SHARE[level]):
            self.year = year + 1
            renewal_day = self.world.programmes.calendar.renewal_day(payer, year + 1)
            return (event, self.world.batch_run(renewal_day), self.renewed_assistance)
        # not continued: coverage ends with the budget year
        self_pay: Step = DONE
        declared = day_in(year + 1, 1, rng.randint(2, 31))
        if chance(rng, SELF_PAY_AFTER_ASSISTANCE_SHARE):
            self.payer = None
            self_pay = (None, self.world.office_hours(declared + rng.randint(1, 60)), self.bpu_pay)
        lapsed = year_start(year + 1)
        return self._then_lapse(event, self.world.office_hours(declared), "non_payment", lapsed, self_pay)

    # --- JAKON: covered for one construction project at a time --------------------------

    def jakon_join(self, t: int) -> Step:
        rng, day = self.world.rng, day_of(t)
        paid_through = day + rng.randint(*mix.JAKON_PROJECT_DAYS)
        event = self._enrollment(self._source(office_share=0.40), day, paid_through)
        if chance(rng, mix.JAKON_NEXT_PROJECT_SHARE):
            return (event, self.world.office_hours(paid_through + rng.randint(0, 60)), self._next_project)
        return (event, None, None)

    def _next_project(self, t: int) -> Step:
        self._maybe_move(mix.JAKON_MOVE_SHARE)
        return self.jakon_join(t)

    # --- PMI: migrant workers, covered for the whole placement ---------------------------

    def pmi_join(self, t: int) -> Step:
        rng, day = self.world.rng, day_of(t)
        paid_through = month_end(day, rng.randint(*mix.PMI_PLACEMENT_MONTHS))
        event = self._enrollment(ENROLLMENT_FEED, day, paid_through)
        if chance(rng, mix.PMI_SECOND_PLACEMENT_SHARE):
            return (event, self.world.office_hours(paid_through + rng.randint(30, 180)), self.pmi_join)
        return (event, None, None)
