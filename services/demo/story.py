"""The demo's phases, advanced from the main loop as the worker's figures come in."""
from __future__ import annotations

import json
import logging
import tempfile
import time
from datetime import datetime
from pathlib import Path

from services.demo.scenario import cohort_enrollments, cohort_lapses, cohort_size, on_plan_workforce, regency_active, workforce_csv
from services.status import fetch

log = logging.getLogger(__name__)

PROVINCE = "61"
ON_PLAN_WAIT_SECONDS = 90  # lapse the cohort even if some regency is still off plan by then


class Story:
    def __init__(self, bootstrap: str, database_url: str, regency: str):
        from streams.clock import Clock

        self.bootstrap = bootstrap
        self.database_url = database_url
        self.regency = regency
        self.clock = Clock.from_env()
        self.run = self.clock.now().strftime("%Y%m%d%H%M%S")  # a new cohort each run
        self.phase = "loading"
        self.cohort = 0
        self.since = time.monotonic()

    def prepare_registry(self) -> None:
        """Initialise the demo registry and give every regency (and the province) a coordinator."""
        from services.registry import Registry
        from streams.reference import load_reference

        with Registry(self.database_url) as registry:
            registry.init()
            tree = registry.region_tree()
            if self.regency not in tree or tree.level_of(self.regency) != "regency":
                raise SystemExit(f"--regency {self.regency} is not a regency code (e.g. 61.01)")
            have = {c.region_code for c in registry.coordinators()}
            for code in [PROVINCE] + tree.codes_at("regency"):
                if code not in have:
                    name = "Tim Operasional Provinsi" if code == PROVINCE else f"Koordinator {tree.regions[code].name}"
                    email = "operasional@demo.ucj.local" if code == PROVINCE else f"koordinator.{code}@demo.ucj.local"
                    registry.add_coordinator(name, code, email=email)
            reference = load_reference(registry)
        today = self.clock.today()
        self.regency_name = tree.regions[self.regency].name
        self.villages = [c for c in tree.codes_at("village") if c.startswith(self.regency + ".")]
        self.planned = {code: reference.planned(code, today) for code in tree.codes_at("regency")}
        self.regions = tree

    def advance(self, url: str, simulator_done: bool) -> None:
        rows = fetch(url)["regions"]
        staged = bool(rows) and all(row.get("outlook") for row in rows)
        active = regency_active(rows)
        if self.phase == "loading" and simulator_done and staged:
            self.cohort = cohort_size(active[self.regency], self.planned[self.regency])
            self._publish(cohort_enrollments(self.run, self.villages, self.cohort, self.clock.today(), self.clock.now()))
            self._enter("enrolling", target=active[self.regency] + self.cohort)
        elif self.phase == "enrolling" and staged and active[self.regency] >= self.target:
            self._scale_workforce(active)
            self._enter("scaling")
        elif self.phase == "scaling":
            on_plan = all((row["outlook"] or {}).get("status") == "on_track" for row in rows) if staged else False
            if on_plan or time.monotonic() - self.since > ON_PLAN_WAIT_SECONDS:
                self._publish(cohort_lapses(self.run, self.villages, self.cohort, self.clock.today(), self.clock.now()))
                self._enter("lapsed")

    def headline(self) -> str:
        waited = time.monotonic() - self.since
        return {
            "loading": "Demo: loading the simulated participants; the story starts once they are all counted.",
            "enrolling": f"Demo: enrolling {self.cohort} village apparatus in {self.regency_name} ({waited:.0f} s) ...",
            "scaling": "Demo: workforce scaled to the simulated population so that every regency is just above plan; "
            f"waiting for the figures to show it ({waited:.0f} s) ...",
            "lapsed": f"Demo: {self.cohort} village apparatus in {self.regency_name} lapsed for non-payment "
            f"{waited:.0f} s ago. The region stage raises an alert once the regency has been off track for the hold time, "
            "and the notifier mails its coordinator.",
        }[self.phase]

    def _enter(self, phase: str, target: int = 0) -> None:
        log.info("demo: %s", phase)
        self.phase, self.since, self.target = phase, time.monotonic(), target

    def _publish(self, events: list[dict]) -> None:
        from services.producer import EventPublisher, kafka_producer

        producer = kafka_producer(self.bootstrap)
        try:
            report = EventPublisher(producer, self.regions, self.clock.now).publish(json.dumps(e).encode() for e in events)
        finally:
            producer.close()
        log.info("demo: published %d events", report.sent)

    def _scale_workforce(self, active: dict[str, int]) -> None:
        from services.registry import Registry

        figures = on_plan_workforce(active, self.planned)
        with tempfile.TemporaryDirectory() as tmp, Registry(self.database_url) as registry:
            path = Path(tmp) / "workforce.csv"
            path.write_text(workforce_csv(figures, PROVINCE, self.clock.today().year))
            registry.load_workforce_csv(path)
