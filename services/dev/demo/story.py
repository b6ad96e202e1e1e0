"""The demo's story, step by step.

Before the worker starts: the simulated history is generated, the workforce is scaled so
that every regency ends just above its plan, and everything is published. Once the worker
has caught up with that history (every partition has processed what was waiting, and the
region stage judges complete figures) and shows every regency on track, a cohort of
village apparatus in one regency lapses: their village administration uploads a spreadsheet
naming them by NIK through the gateway, which turns each NIK into the same pseudonym the
BPJS feed used when it enrolled them.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import date
from pathlib import Path

from services.dev.demo.scenario import (
    cohort_enrollments,
    cohort_lapses_csv,
    cohort_niks,
    cohort_size,
    on_plan_workforce,
    workforce_csv,
)
from services.worker_client import status_of

log = logging.getLogger(__name__)

PROVINCE = "61"
ON_PLAN_WAIT_SECONDS = 60  # after catching up, lapse the cohort even if some regency is still off plan by then


class Story:
    def __init__(self, kafka, database_url: str, regency: str, pseudonymizer, gateway_url: str):
        from streams.clock import Clock

        self.kafka = kafka  # KafkaAccess: the demo's BPJS feed publishes as ucj-producer
        self.pseudonymizer = pseudonymizer  # the gateway's own key: the same NIK gives the same participant
        self.gateway_url = gateway_url
        self.upload: dict | None = None  # the gateway's import summary of the lapses
        self.database_url = database_url
        self.regency = regency
        self.clock = Clock.from_env()
        self.run = self.clock.now().strftime("%Y%m%d%H%M%S")  # a new cohort each run
        self.phase = "loading"
        self.since = time.monotonic()
        self.caught_up_at: float | None = None
        self.progress = "waiting for the worker to start"

    def prepare(self, participants: int) -> None:
        """Registry with coordinators and scaled workforce, then the whole history published."""
        from services.dev.simulation import generate_events
        from services.registry import Registry
        from streams.reference import load_reference

        with Registry(self.database_url) as registry:
            registry.init()
            self.tree = tree = registry.region_tree()
            if self.regency not in tree or tree.level_of(self.regency) != "regency":
                raise SystemExit(f"--regency {self.regency} is not a regency code (e.g. 61.01)")
            _add_demo_coordinators(registry, tree)
            self.source, self.source_key = registry.add_source(f"demo-villages-{self.regency}", [self.regency])
            reference = load_reference(registry)
        now, today = self.clock.now(), self.clock.today()
        self.regency_name = tree.regions[self.regency].name
        villages = [c for c in tree.codes_at("village") if c.startswith(self.regency + ".")]
        planned: dict[str, float] = {}
        for code in tree.codes_at("regency"):
            ratio = reference.planned(code, today)
            if ratio is None:
                raise RuntimeError(
                    f"the registry has no coverage plan for {code} on {today}; the demo scales the workforce to the plan"
                )
            planned[code] = ratio

        log.info("demo: simulating %d participants from 2024-01-01 to %s", participants, today)
        records = list(generate_events(participants=participants, seed=61, start=date(2024, 1, 1), end=today, now=now))
        active = self._active_by_regency([r.value for r in records if r.valid])
        self.cohort = cohort_size(active[self.regency], planned[self.regency])
        niks = cohort_niks(villages, self.cohort)
        enrollments = cohort_enrollments(
            self.run, villages, [self.pseudonymizer.participant_id(n) for n in niks], today, now
        )
        active[self.regency] += self.cohort
        self._load_workforce(on_plan_workforce(active, planned))
        self.lapses_csv = cohort_lapses_csv(self.run, villages, niks, today, now)
        self._send(
            [(r.key, r.value) for r in records]
            + [(e["participant_id"].encode(), json.dumps(e).encode()) for e in enrollments]
        )

    def advance(self, url: str) -> None:
        if self.phase != "loading":
            return
        status = status_of(url)
        partitions, caught_up = status["partitions"], status.get("caught_up", [])
        complete = (
            bool(partitions) and set(caught_up) == set(partitions) and status.get("stage", {}).get("complete", False)
        )
        if not complete:  # the history is still being counted: figures now would be partial
            self.caught_up_at = None
            self.progress = (
                f"{len(caught_up)} of {len(partitions)} partitions caught up"
                if partitions
                else "waiting for partitions"
            )
            return
        if self.caught_up_at is None:
            self.caught_up_at = time.monotonic()
            log.info("demo: the worker caught up with the history after %.0f s", self.caught_up_at - self.since)
        self.progress = "caught up"
        rows = status["regions"]
        on_plan = bool(rows) and all((row.get("outlook") or {}).get("status") == "on_track" for row in rows)
        if on_plan or time.monotonic() - self.caught_up_at > ON_PLAN_WAIT_SECONDS:
            try:
                self.upload = self._upload_lapses()
            except OSError as error:  # the gateway is still starting, or down: try again next time
                self.progress = f"caught up; the gateway at {self.gateway_url} did not take the lapses ({error})"
                return
            log.info(
                "demo: the gateway took the lapses: %d accepted, %d rejected",
                self.upload["accepted"],
                len(self.upload["rejected"]),
            )
            self.phase, self.since = "lapsed", time.monotonic()

    def headline(self) -> str:
        waited = time.monotonic() - self.since
        if self.phase == "loading":
            return (
                f"Demo: the worker is counting the simulated history ({waited:.0f} s; {self.progress}). The story waits "
                "until it has caught up. The workforce was scaled to the simulated population, so every regency "
                "should settle just above its plan; then a cohort in "
                f"{self.regency_name} lapses."
            )
        upload = self.upload or {"accepted": 0, "rejected": []}  # set when the phase turned to lapsed
        return (
            f"Demo: {self.cohort} village apparatus in {self.regency_name} lapsed for non-payment {waited:.0f} s ago: "
            f"source {self.source.name} uploaded them by NIK as a CSV through the gateway "
            f"({upload['accepted']} accepted, {len(upload['rejected'])} rejected). "
            "The region stage raises an alert once the regency has been off track for the hold time, "
            "and the notifier mails its coordinator."
        )

    def _upload_lapses(self) -> dict:
        request = urllib.request.Request(
            f"{self.gateway_url}/v1/events/csv",
            data=self.lapses_csv.encode("utf-8"),
            headers={"Content-Type": "text/csv; charset=utf-8", "Authorization": f"Bearer {self.source_key}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return json.load(response)
        except urllib.error.HTTPError as error:
            raise OSError(f"HTTP {error.code}: {error.read()[:300].decode(errors='replace')}") from None

    def _active_by_regency(self, values: list[bytes]) -> Counter:
        """Active participants per regency today, by the worker's own validation and fold."""
        from streams.domain.fold import History, apply, contribution_on, fold
        from streams.domain.validation import Rejected, parse_event

        now, today = self.clock.now(), self.clock.today()
        histories: dict[str, History] = {}
        for value in values:
            event = parse_event(value, self.tree, now)
            if not isinstance(event, Rejected):
                histories[event.participant_id] = apply(histories.get(event.participant_id, History()), event)
        active: Counter = Counter({code: 0 for code in self.tree.codes_at("regency")})
        for history in histories.values():
            contribution = contribution_on(fold(history), today)
            if contribution is not None:
                active[self.tree.regency_of(contribution.region_code)] += 1
        return active

    def _load_workforce(self, figures: dict[str, int]) -> None:
        from services.registry import Registry

        with tempfile.TemporaryDirectory() as tmp, Registry(self.database_url) as registry:
            path = Path(tmp) / "workforce.csv"
            path.write_text(workforce_csv(figures, PROVINCE, self.clock.today().year))
            registry.load_workforce_csv(path)

    def _send(self, messages: list[tuple[bytes | None, bytes]]) -> None:
        """Published as any registration system might: the simulated stream includes invalid input."""
        from services.common.producer import kafka_producer
        from streams.broker.topics import PARTICIPANT_EVENTS, ensure_topics

        ensure_topics(self.kafka)
        producer = kafka_producer(self.kafka)
        try:
            for key, value in messages:
                producer.send(PARTICIPANT_EVENTS, key=key, value=value)
            producer.flush()
        finally:
            producer.close()
        log.info("demo: published %d messages", len(messages))


def _add_demo_coordinators(registry, tree) -> None:
    have = {c.region_code for c in registry.coordinators()}
    for code in [PROVINCE] + tree.codes_at("regency"):
        if code not in have:
            name = "Tim Operasional Provinsi" if code == PROVINCE else f"Koordinator {tree.regions[code].name}"
            email = "operasional@demo.ucj.local" if code == PROVINCE else f"koordinator.{code}@demo.ucj.local"
            registry.add_coordinator(name, code, email=email)
