"""Prometheus metrics of the worker: region gauges computed at scrape time, pipeline counters."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time
from typing import Callable, Iterable, Mapping

from prometheus_client import Counter as PromCounter
from prometheus_client import Gauge, Histogram, disable_created_metrics
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector

from streams.domain.cliff import CLIFF_HORIZON_DAYS
from streams.domain.counts import Breakdown, roll_up
from streams.domain.events import PONTIANAK, SEGMENTS
from streams.domain.fold import Contribution
from streams.domain.trajectory import ASSISTANCE_IDR_PER_WORKER_MONTH, STATUSES, RegionFigures, region_figures
from streams.reference import Reference
from streams.sources import OTHER, SourceActivity
from streams.stage import RegionReport

disable_created_metrics()  # *_created series only add noise to dashboards

DEFAULT_LEVELS = ("province", "regency", "district")  # villages are opt-in: 17k more series
FUNDINGS = ("assisted", "self_paid")

EVENTS = PromCounter(
    "ucj_events",
    "Input messages by event type and outcome (applied, duplicate, invalid, rekeyed, participant_out_of_scope)",
    ["type", "outcome"],
)
DEAD_LETTERS = PromCounter("ucj_dead_letters", "Invalid inputs sent to ucj.dead-letter, by reason", ["reason"])
LAG = Gauge(
    "ucj_processing_lag_seconds", "Seconds between the Kafka timestamp of the last processed message and its processing"
)
EVENT_DELAY = Histogram(
    "ucj_event_delay_seconds",
    "Seconds from an event's Kafka timestamp to its effect on the counts (what /metrics shows)",
    buckets=(0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60, 300),
)
LAST_EVENT = Gauge("ucj_last_event_timestamp_seconds", "Kafka timestamp of the last processed message (Unix seconds)")
CAUGHT_UP = Gauge(
    "ucj_partition_caught_up",
    "1 when an owned events partition has processed what was waiting when it was assigned (or when it fell behind), else 0",
    ["partition"],
)
CONSUMER_LAG = Gauge(
    "ucj_consumer_lag_messages",
    "Messages of ucj.participant-events not yet processed, per owned partition",
    ["partition"],
)
PARTITIONS = Gauge("ucj_owned_partitions", "Event partitions this worker currently counts")
REBALANCES = PromCounter(
    "ucj_rebalances", "Rebalances this worker took part in (partitions revoked, then assigned again)"
)
STAGE_EVALUATIONS = PromCounter(
    "ucj_region_stage_evaluations", "Times this worker's region stage judged complete, caught-up figures for alerts"
)
ALERT_TRANSITIONS = PromCounter(
    "ucj_alert_transitions", "Alert transitions published by this worker's region stage", ["kind", "transition"]
)


class RegionCollector(Collector):
    """Region gauges, computed on each scrape.

    Active counts come from this worker's own partitions, so summing ucj_active_participants
    over every worker's endpoint counts each participant once. Ratios, statuses and the
    outlook need every partition: only the worker running the region stage exports them,
    from the summed partials, and no worker exports them while the stage is incomplete.
    """

    def __init__(
        self,
        counts: Callable[[], Iterable[tuple[Contribution, int]]],
        reference: Callable[[], Reference],
        today: Callable[[], date],
        reports: Callable[[], Mapping[str, RegionReport] | None],
        levels: Iterable[str] = DEFAULT_LEVELS,
        open_alerts: Callable[[], Mapping[tuple[str, str], str]] = dict,
        seats: Mapping[str, tuple[str, float, float]] | None = None,
    ):
        self.counts = counts
        self.reference = reference
        self.today = today
        self.reports = reports
        self.levels = tuple(levels)
        self.open_alerts = open_alerts  # (kind, region) -> status, on the worker running the stage
        self.seats = seats or {}  # regency -> (seat, latitude, longitude), for map panels

    def figures(self) -> tuple[list[str], dict[str, Counter[Breakdown]], list[RegionFigures]]:
        """Figures of this worker's own partitions (exact for a worker that owns them all)."""
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

        workforce = GaugeMetricFamily(
            "ucj_eligible_workforce", "Eligible workforce for this year (registry)", labels=labels
        )
        planned = GaugeMetricFamily("ucj_planned_ratio", "Coverage the plan calls for today", labels=labels)
        for f in figures:
            region = [f.region, tree.level_of(f.region)]
            if f.workforce is not None:
                workforce.add_metric(region, f.workforce)
            if f.planned is not None:
                planned.add_metric(region, f.planned)
        yield workforce
        yield planned
        yield from self._global_gauges(tree, codes)

        info = GaugeMetricFamily(
            "ucj_region_info", "Region names and parents (value 1)", labels=labels + ["name", "parent"]
        )
        for code in codes:
            region = tree.regions[code]
            info.add_metric([code, region.level, region.name, region.parent or ""], 1)
        yield info

        location = GaugeMetricFamily(
            "ucj_region_location",
            "Seat of each regency, for map panels (value 1)",
            labels=labels + ["seat", "latitude", "longitude"],
        )
        for code, (seat, latitude, longitude) in sorted(self.seats.items()):
            if code in tree:
                location.add_metric([code, tree.level_of(code), seat, str(latitude), str(longitude)], 1)
        yield location

        alerts = GaugeMetricFamily(
            "ucj_alerts_open",
            "Open alerts by region, kind and the worst status notified (value 1)",
            labels=labels + ["kind", "status"],
        )
        for (kind, code), status in sorted(self.open_alerts().items()):
            if code in tree:
                alerts.add_metric([code, tree.level_of(code), kind, status], 1)
        yield alerts

    def _global_gauges(self, tree, codes: list[str]):
        labels = ["region", "level"]
        gauges = {name: GaugeMetricFamily(metric, text, labels=labels) for name, metric, text in GLOBAL_GAUGES}
        status = GaugeMetricFamily(
            "ucj_region_status", "Region status (1 for the current state)", labels=labels + ["status"]
        )
        cliff = GaugeMetricFamily(
            "ucj_lapse_cliff_participants",
            f"Active participants whose assistance ends within {CLIFF_HORIZON_DAYS} days with nothing after it, by payer group",
            labels=labels + ["payer"],
        )
        reports = self.reports() or {}
        for code in codes:
            report = reports.get(code)
            if report is None:
                continue
            region = [code, tree.level_of(code)]
            for name, value in report_values(report).items():
                if value is not None:
                    gauges[name].add_metric(region, value)
            if report.figures.status is not None:
                for state in STATUSES:
                    status.add_metric(region + [state], 1.0 if state == report.figures.status else 0.0)
            if report.cliff is not None:
                for payer, n in sorted(report.cliff.by_payer.items()):
                    cliff.add_metric(region + [payer], n)
        yield from gauges.values()
        yield status
        yield cliff


GLOBAL_GAUGES = (
    ("coverage", "ucj_coverage_ratio", "Active participants / eligible workforce"),
    ("gap", "ucj_gap_ratio", "Planned minus actual coverage (x100 = percentage points)"),
    ("gap_workers", "ucj_gap_workers", "Workers missing to be on plan (negative when ahead)"),
    ("pace", "ucj_pace_per_day", "Net change in active participants per day over the trailing 30 days"),
    (
        "eta",
        "ucj_eta_timestamp_seconds",
        "When coverage reaches the next plan target at the current pace (absent when it does not)",
    ),
    ("target", "ucj_target_timestamp_seconds", "Date of the next plan target"),
    ("required_pace", "ucj_required_pace_per_day", "Workers a day needed to reach the next plan target on its date"),
    ("enrollments", "ucj_enrollments_needed_per_month", "Enrollments a month needed to reach the next plan target"),
    (
        "budget",
        "ucj_assistance_budget_idr",
        f"Assistance budget to close the gap: gap workers x Rp {ASSISTANCE_IDR_PER_WORKER_MONTH:,} x months left",
    ),
)


def report_values(report: RegionReport) -> dict[str, float | None]:
    f, o = report.figures, report.outlook
    return {
        "coverage": f.coverage,
        "gap": f.gap,
        "gap_workers": f.gap_workers,
        "pace": o.pace_per_day,
        "eta": _timestamp(o.eta),
        "target": _timestamp(o.target_date),
        "required_pace": o.required_pace_per_day,
        "enrollments": o.enrollments_needed_per_month,
        "budget": o.budget_idr,
    }


def _timestamp(day: date | None) -> float | None:
    """Local midnight of the day, in Unix seconds (Grafana shows dates from these)."""
    return None if day is None else datetime.combine(day, time(), PONTIANAK).timestamp()


class SourceCollector(Collector):
    """Events by source, from this worker's partitions, and the registry's active sources.

    The `source` label is a registered source's name or `other` (streams/sources.py). Summed
    over the workers, ucj_source_events_total counts each message as ucj_events_total does (a
    re-keyed event once as `rekeyed`, again where it lands); the last event of a source is the
    newest over the workers (max). Both start afresh when a worker starts, so the alert on
    silent sources looks back over days (max_over_time), not at the current value alone.
    """

    def __init__(self, activity: SourceActivity, reference: Callable[[], Reference]):
        self.activity = activity
        self.reference = reference

    def collect(self):
        events = CounterMetricFamily(
            "ucj_source_events",
            "Input messages by source and outcome (applied, duplicate, invalid, rekeyed, participant_out_of_scope) since this worker started; "
            f"source is the event's `source` when the registry knows it, else {OTHER}; an invalid message counts "
            "under the source it names",
            labels=["source", "outcome"],
        )
        for (source, outcome), n in sorted(self.activity.events.items()):
            events.add_metric([source, outcome], n)
        yield events

        last = GaugeMetricFamily(
            "ucj_source_last_event_timestamp_seconds",
            "Kafka timestamp (when it was sent, Unix seconds) of the newest message from the source that this "
            "worker processed since it started, whatever its outcome",
            labels=["source"],
        )
        for source, timestamp in sorted(self.activity.latest.items()):
            last.add_metric([source], timestamp)
        yield last

        added = GaugeMetricFamily(
            "ucj_source_added_timestamp_seconds",
            "When the registry added each active (not revoked) source, Unix seconds: the sources UCJSourceSilent watches",
            labels=["source"],
        )
        for source, timestamp in sorted(self.reference().sources_added.items()):
            added.add_metric([source], timestamp)
        yield added
