"""Prometheus metrics of the worker: region gauges computed at scrape time, pipeline counters."""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Callable, Iterable

from prometheus_client import Counter as PromCounter
from prometheus_client import Gauge, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .domain.counts import Breakdown, roll_up
from .domain.events import SEGMENTS
from .domain.fold import Contribution
from .domain.trajectory import STATUSES, RegionFigures, region_figures
from .reference import Reference

disable_created_metrics()  # *_created series only add noise to dashboards

DEFAULT_LEVELS = ("province", "regency", "district")  # villages are opt-in: 17k more series
FUNDINGS = ("assisted", "self_paid")

EVENTS = PromCounter("ucj_events", "Input messages by event type and outcome (applied, duplicate, invalid, rekeyed)", ["type", "outcome"])
DEAD_LETTERS = PromCounter("ucj_dead_letters", "Invalid inputs sent to ucj.dead-letter, by reason", ["reason"])
LAG = Gauge("ucj_processing_lag_seconds", "Seconds between the Kafka timestamp of the last processed message and its processing")
EVENT_DELAY = Histogram(
    "ucj_event_delay_seconds",
    "Seconds from an event's Kafka timestamp to its effect on the counts (what /metrics shows)",
    buckets=(0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300),
)
LAST_EVENT = Gauge("ucj_last_event_timestamp_seconds", "Kafka timestamp of the last processed message (Unix seconds)")
CONSUMER_LAG = Gauge("ucj_consumer_lag_messages", "Messages of ucj.participant-events not yet processed, per owned partition", ["partition"])
PARTITIONS = Gauge("ucj_owned_partitions", "Event partitions this worker currently counts")


class RegionCollector(Collector):
    """Region gauges from the counts of this worker's own partitions, computed on each scrape.

    A worker exports only what its partitions hold, so summing ucj_active_participants over
    every worker's endpoint counts each participant once. Ratios and statuses need every
    partition: a worker that owns only some exports none rather than wrong ones.
    """

    def __init__(
        self,
        counts: Callable[[], Iterable[tuple[Contribution, int]]],
        reference: Callable[[], Reference],
        today: Callable[[], date],
        complete: Callable[[], bool],
        levels: Iterable[str] = DEFAULT_LEVELS,
    ):
        self.counts = counts
        self.reference = reference
        self.today = today
        self.complete = complete
        self.levels = tuple(levels)

    def figures(self) -> tuple[list[str], dict[str, Counter[Breakdown]], list[RegionFigures]]:
        reference, day = self.reference(), self.today()
        totals = roll_up(self.counts(), reference.tree)
        codes = [c for level in self.levels for c in reference.tree.codes_at(level)]
        figures = [
            region_figures(
                code,
                sum(totals.get(code, Counter()).values()),
                reference.workforce(code, day),
                reference.planned(code, day),
                reference.thresholds,
            )
            for code in codes
        ]
        return codes, totals, figures

    def collect(self):
        tree = self.reference().tree
        codes, totals, figures = self.figures()
        labels = ["region", "level"]
        active = GaugeMetricFamily(
            "ucj_active_participants",
            "Active participants in the region and its sub-regions, from this worker's partitions",
            labels=labels + ["segment", "funding"],
        )
        for code in codes:
            breakdown = totals.get(code, Counter())
            for segment in sorted(SEGMENTS):
                for funding in FUNDINGS:
                    active.add_metric([code, tree.level_of(code), segment, funding], breakdown[(segment, funding)])
        yield active

        gauges = {
            "workforce": GaugeMetricFamily("ucj_eligible_workforce", "Eligible workforce for this year (registry)", labels=labels),
            "coverage": GaugeMetricFamily("ucj_coverage_ratio", "Active participants / eligible workforce", labels=labels),
            "planned": GaugeMetricFamily("ucj_planned_ratio", "Coverage the plan calls for today", labels=labels),
            "gap": GaugeMetricFamily("ucj_gap_ratio", "Planned minus actual coverage (x100 = percentage points)", labels=labels),
            "gap_workers": GaugeMetricFamily("ucj_gap_workers", "Workers missing to be on plan (negative when ahead)", labels=labels),
        }
        status = GaugeMetricFamily("ucj_region_status", "Region status (1 for the current state)", labels=labels + ["status"])
        complete = self.complete()
        for f in figures:
            region = [f.region, tree.level_of(f.region)]
            for name, value in (("workforce", f.workforce), ("coverage", f.coverage), ("planned", f.planned), ("gap", f.gap), ("gap_workers", f.gap_workers)):
                if value is not None and (complete or name in ("workforce", "planned")):
                    gauges[name].add_metric(region, value)
            if f.status is not None and complete:
                for state in STATUSES:
                    status.add_metric(region + [state], 1.0 if state == f.status else 0.0)
        yield from gauges.values()
        yield status

        info = GaugeMetricFamily("ucj_region_info", "Region names and parents (value 1)", labels=labels + ["name", "parent"])
        for code in codes:
            region = tree.regions[code]
            info.add_metric([code, region.level, region.name, region.parent or ""], 1)
        yield info
