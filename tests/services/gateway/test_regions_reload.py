"""The gateway reads the registry's regions again while it runs, as the worker does."""

from __future__ import annotations

import json
import time

from fastapi.testclient import TestClient

from services.gateway.api import Gateway, create_app
from services.gateway.metrics import GatewayMetrics
from services.registry.seed import seed_regions
from streams.domain.regions import Region, RegionTree
from tests.services.gateway.conftest import NOW, PSEUDONYMIZER, TREE, FakeKeys, FakePublisher, FakeSource, nik
from tests.streams.domain.factories import DROP, wire

NEW_VILLAGE = "61.07.01.2999"  # added to the registry while the gateway runs


def test_a_village_added_to_the_registry_is_accepted_after_the_next_reload():
    grown = RegionTree.from_regions([*seed_regions(), Region(NEW_VILLAGE, "61.07.01", "village", "Desa Baru")])
    loads = []

    def load_regions() -> RegionTree:
        loads.append(time.monotonic())
        if len(loads) == 1:
            raise ConnectionError("the registry's database is down")  # kept the old regions, tried again
        return grown

    gateway = Gateway(
        keys=FakeKeys({"good-key": FakeSource("desa-2001", ("61.07",))}),
        tree=TREE,
        pseudonymizer=PSEUDONYMIZER,
        now=lambda: NOW,
        publisher=FakePublisher(),
        probes={},
        metrics=GatewayMetrics(),
        load_regions=load_regions,
        regions_reload_seconds=0.05,
    )
    body = json.dumps(
        [
            wire(
                event_id="e-1",
                occurred_at="2026-06-01T09:00:00+07:00",
                region_code=NEW_VILLAGE,
                source=DROP,
                participant_id=DROP,
                nik=nik(),
            )
        ]
    )
    headers = {"Authorization": "Bearer good-key", "Content-Type": "application/json"}
    with TestClient(create_app(gateway)) as client:
        first = client.post("/v1/events", content=body, headers=headers).json()
        assert first["accepted"] == 0 and first["rejected"][0]["reason"] == "unknown_region"
        deadline = time.monotonic() + 60
        while gateway.tree is not grown:
            assert time.monotonic() < deadline, "the regions were never read again"
            time.sleep(0.05)
        assert client.post("/v1/events", content=body, headers=headers).json()["accepted"] == 1
    assert len(loads) >= 2
