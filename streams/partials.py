"""Absolute partial counts of one event partition, the input of the region stage.

Each partition's owner publishes what its participants add up to per region: active today
by segment and funding, the daily history and the lapse cliff. The values are absolute, so
a duplicate or a republished partial after a restart replaces the earlier one and cannot
skew a sum.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from .domain.cliff import CliffContribution
from .domain.counts import roll_up
from .domain.regions import RegionTree

PARTIAL_SCHEMA = "ucj.region-partial/2"  # /2 added the generation
HISTORY_DAYS = 91  # today and the 90 days before: the 30-day pace and the charts in alerts
PARTIAL_SECONDS = 5.0  # a partition's partial is published at most this often while it changes
PARTIAL_HEARTBEAT_SECONDS = 30.0  # and at least this often, so a new stage owner hears from all
# A shorter alert hold could raise an alert from a partial picture taken in the middle of a
# burst of events, before the partition's next partial corrects it.
MINIMUM_ALERT_HOLD = timedelta(seconds=2 * PARTIAL_SECONDS)

CliffByPayer = dict[str, tuple[int, date]]  # payer -> (participants, first last covered day)


@dataclass(frozen=True)
class RegionPartial:
    partition: int
    partitions: int  # of the events topic, so the stage knows when it has them all
    day: date
    caught_up: bool  # the partition's owner has read what was there (no replay in progress)
    generation: int  # of the consumer group when it was built: one from before a rebalance is stale
    active: dict[str, dict[tuple[str, str], int]]  # region -> (segment, funding) -> participants
    history: dict[str, list[int]]  # region -> active participants on each of the HISTORY_DAYS to `day`
    cliff: dict[str, CliffByPayer]  # region -> payer -> lapse cliff

    @property
    def first_day(self) -> date:
        return self.day - timedelta(days=HISTORY_DAYS - 1)


class PartialBuilder:
    """Builds one partition's partial, recomputing only the histories that changed."""

    def __init__(self, tree: RegionTree, levels: tuple[str, ...]):
        self.tree = tree
        self.levels = levels
        self._history: dict[str, list[int]] = {}
        self._history_day: date | None = None
        self.built_version: int | None = None  # the counts version of the last partial

    def build(
        self, counts, partition: int, partitions: int, day: date, caught_up: bool, generation: int
    ) -> RegionPartial:
        """`counts` is the partition's processing.PartitionCounts."""
        daily = counts.daily
        changed = daily.take_changed_regions()
        first_day = day - timedelta(days=HISTORY_DAYS - 1)
        if day != self._history_day:
            self._history, self._history_day, changed = {}, day, set(daily.regions())
        for region in changed:
            values = daily.counts(region, first_day, day)
            if any(values):
                self._history[region] = values
            else:
                self._history.pop(region, None)
        self.built_version = counts.version
        return RegionPartial(
            partition=partition,
            partitions=partitions,
            day=day,
            caught_up=caught_up,
            generation=generation,
            active={
                code: dict(breakdown)
                for code, breakdown in roll_up(counts.active.items(), self.tree).items()
                if self.tree.level_of(code) in self.levels
            },
            history=dict(self._history),
            cliff=cliff_by_region(counts.cliff.items(), self.tree, self.levels),
        )


def cliff_by_region(items, tree: RegionTree, levels: tuple[str, ...]) -> dict[str, CliffByPayer]:
    totals: dict[str, CliffByPayer] = {}
    contribution: CliffContribution
    for contribution, count in items:
        for code in tree.self_and_ancestors(contribution.region_code):
            if tree.level_of(code) not in levels:
                continue
            _add_cliff(totals.setdefault(code, {}), contribution.payer, count, contribution.last_day)
    return totals


def _add_cliff(payers: CliffByPayer, payer: str, participants: int, last_day: date) -> None:
    known, first = payers.get(payer, (0, last_day))
    payers[payer] = (known + participants, min(first, last_day))


def encode_partial(partial: RegionPartial) -> bytes:
    return json.dumps(
        {
            "schema": PARTIAL_SCHEMA,
            "partition": partial.partition,
            "partitions": partial.partitions,
            "day": partial.day.isoformat(),
            "caught_up": partial.caught_up,
            "generation": partial.generation,
            "active": {code: {f"{s}/{f}": n for (s, f), n in b.items()} for code, b in partial.active.items()},
            "history": partial.history,
            "cliff": {
                code: {payer: [n, d.isoformat()] for payer, (n, d) in p.items()} for code, p in partial.cliff.items()
            },
        },
        separators=(",", ":"),
    ).encode()


def decode_partial(data: bytes) -> RegionPartial:
    body = json.loads(data)
    if body.get("schema") != PARTIAL_SCHEMA:
        raise ValueError(f"not a {PARTIAL_SCHEMA} message")
    return RegionPartial(
        partition=body["partition"],
        partitions=body["partitions"],
        day=date.fromisoformat(body["day"]),
        caught_up=body["caught_up"],
        generation=body["generation"],
        active={code: {tuple(k.split("/")): n for k, n in b.items()} for code, b in body["active"].items()},
        history=body["history"],
        cliff={
            code: {payer: (n, date.fromisoformat(d)) for payer, (n, d) in p.items()}
            for code, p in body["cliff"].items()
        },
    )


@dataclass(frozen=True)
class RegionTotals:
    """The sum of every partition's partial for one region."""

    active: Counter  # (segment, funding) -> participants
    history: list[int]
    cliff: CliffByPayer


def sum_partials(partials: list[RegionPartial]) -> dict[str, RegionTotals]:
    totals: dict[str, RegionTotals] = {}

    def of(code: str) -> RegionTotals:
        if code not in totals:
            totals[code] = RegionTotals(Counter(), [0] * HISTORY_DAYS, {})
        return totals[code]

    for partial in partials:
        for code, breakdown in partial.active.items():
            of(code).active.update(breakdown)
        for code, values in partial.history.items():
            history = of(code).history
            for i, value in enumerate(values):
                history[i] += value
        for code, payers in partial.cliff.items():
            for payer, (n, first) in payers.items():
                _add_cliff(of(code).cliff, payer, n, first)
    return totals
