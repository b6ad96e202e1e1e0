"""The region stage inside a worker: runs on whichever worker owns the partials partition."""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta
from typing import Callable

from faust.types import TP

from streams.broker.alert_log import book_from_log, read_alert_log
from streams.broker.topics import REGION_PARTIALS
from streams.domain.alerting import AlertBook
from streams.domain.alerts import alert_to_wire
from streams.domain.events import PONTIANAK
from streams.partials import decode_partial
from streams.reference import Reference
from streams.stage import RegionReport, RegionStage, alert_transition, due_decisions, region_reports
from streams.worker.metrics import ALERT_TRANSITIONS, STAGE_EVALUATIONS

log = logging.getLogger(__name__)


class StageRunner:
    def __init__(
        self,
        app,
        alerts_topic,
        kafka,  # KafkaAccess: the alert log is read back from the broker
        reference: Callable[[], Reference],
        report_levels: tuple[str, ...],
        alert_levels: tuple[str, ...],
        hold: timedelta,
    ):
        self.app = app
        self.alerts_topic = alerts_topic
        self.kafka = kafka
        self.reference = reference
        self.report_levels = report_levels
        self.alert_levels = alert_levels
        self.hold = hold
        self.stage = RegionStage()
        self.owned = False
        self.complete = False  # every partition reported and caught up in this generation, on this day
        self.book: AlertBook | None = None  # None until the alert log has been read
        self._reading: asyncio.Future | None = None
        self.reports: dict[str, RegionReport] | None = None  # global figures, while this worker runs the stage
        self._reported: tuple[int, Reference] | None = None  # (partials received, reference) behind `reports`

    async def consume(self, stream) -> None:
        async for value in stream:
            try:
                self.stage.receive(decode_partial(value))
            except (ValueError, KeyError, TypeError) as error:
                log.warning("skipping an unreadable region partial: %s", error)

    async def tick(self) -> None:
        if not self._owns_stage():
            if self.owned:
                log.info("region stage moved to another worker")
                self.owned, self.book, self._reading, self.reports, self._reported = False, None, None, None, None
                self.complete = False
                self.stage.clear()
            return
        if not self.owned:
            log.info("this worker runs the region stage; reading the alert log")
            self.owned = True
        self._load_book()
        day = self.stage.complete_day(self.app.consumer_generation_id)
        self.complete = day is not None
        if day is None:  # a partition is missing, behind, stale or on another day: no global figures yet
            return
        reference = self.reference()
        if self._reported is None or self._reported[0] != self.stage.received or self._reported[1] is not reference:
            # summed again only when a partial came in or the registry was read again
            codes = [c for level in self.report_levels for c in reference.tree.codes_at(level)]
            self.reports = region_reports(self.stage.totals(), reference, day, codes)
            self._reported = (self.stage.received, reference)
        if self.book is not None and self.reports is not None:
            await self._publish_due(reference, self.book, self.reports)
            STAGE_EVALUATIONS.inc()

    def open_alerts(self) -> dict[tuple[str, str], str]:
        """(kind, region) -> worst status notified, while this worker runs the stage."""
        return {key: alert.status for key, alert in self.book.open.items()} if self.book else {}

    def _owns_stage(self) -> bool:
        return TP(REGION_PARTIALS, 0) in self.app.consumer.assignment()

    def _load_book(self) -> None:
        if self.book is not None:
            return
        if self._reading is None:
            self._reading = asyncio.get_running_loop().run_in_executor(None, read_alert_log, self.kafka)
        elif self._reading.done():
            reading, self._reading = self._reading, None
            try:
                transitions = reading.result()
            except Exception:
                log.exception("could not read the alert log; trying again")
                return
            self.book = book_from_log(transitions)
            log.info("alert log read: %d transitions, %d alerts open", len(transitions), len(self.book.open))

    async def _publish_due(self, reference: Reference, book: AlertBook, all_reports: dict[str, RegionReport]) -> None:
        reports = {c: r for c, r in all_reports.items() if reference.tree.level_of(c) in self.alert_levels}
        # Hold times and decision times are real, whatever calendar UCJ_CLOCK sets: the
        # figures carry the calendar day they are for.
        now = datetime.now(PONTIANAK)
        for decision, report in due_decisions(book, reports, now, self.hold):
            alert = alert_transition(decision, report, reference, now)
            sent = await self.alerts_topic.send(key=alert.key, value=json.dumps(alert_to_wire(alert)).encode())
            await sent  # acknowledged by the broker before the book moves on
            book.record(
                decision.kind,
                decision.region_code,
                decision.transition,
                decision.alert_id,
                decision.sequence,
                decision.status,
            )
            ALERT_TRANSITIONS.labels(kind=decision.kind, transition=decision.transition).inc()
            f = alert.figures
            log.info(
                "alert %s %s: %s %s (%s), gap %s pp = %s workers",
                alert.transition_id,
                decision.transition,
                alert.region_name,
                decision.kind,
                decision.status,
                f.gap_pp,
                f.gap_workers,
            )
