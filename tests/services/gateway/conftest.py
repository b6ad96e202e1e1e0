"""The gateway with fakes at its edges: keys in memory, a publisher that records what it is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from services.gateway.admission import Admission, Scope
from services.gateway.api import Gateway, create_app
from services.gateway.limits import Limits
from services.gateway.metrics import GatewayMetrics
from services.gateway.publishing import ACKNOWLEDGED, Delivery
from services.registry.seed import seed_regions
from streams.domain.pseudonym import Pseudonymizer
from streams.domain.regions import RegionTree

NOW = datetime.fromisoformat("2026-06-30T12:00:00+07:00")
KEY = b"k" * 32
TREE = RegionTree.from_regions(seed_regions())
PSEUDONYMIZER = Pseudonymizer(KEY)
BENGKAYANG = "61.07"  # the regency the test source may publish for
VILLAGE = "61.07.01.2001"  # a village in it
ELSEWHERE = "61.01.01.2001"  # a village in Sambas


def nik(regency: str = "07", day: int = 41, serial: int = 1) -> str:
    """A well-formed NIK of Kalbar: province 61, the regency's two digits, district 01, born (day)/01/90."""
    return f"61{regency}01{day:02d}0190{serial:04d}"


def admission(regions: tuple[str, ...] = (BENGKAYANG,), source: str = "desa-2001") -> Admission:
    return Admission(Scope(source, regions), TREE, PSEUDONYMIZER, NOW)


@dataclass(frozen=True)
class FakeSource:
    name: str
    regions: tuple[str, ...]


class FakeKeys:
    """source_for_key as the registry answers it: None for an unknown or revoked key."""

    def __init__(self, sources: dict[str, FakeSource]):
        self.sources, self.revoked = dict(sources), set()
        self.down = False
        self.lookups = 0

    def source_for_key(self, key: str):
        self.lookups += 1
        if self.down:
            raise ConnectionError("the registry's database is down")
        return None if key in self.revoked else self.sources.get(key)


@dataclass
class FakePublisher:
    """Acknowledges everything, or as `results` says; records every batch."""

    batches: list = field(default_factory=list)
    results: list[str] | None = None
    error: str | None = None

    def publish(self, messages):
        self.batches.append(list(messages))
        results = self.results[: len(messages)] if self.results is not None else [ACKNOWLEDGED] * len(messages)
        return Delivery(tuple(results), self.error)

    @property
    def messages(self) -> list:
        return [m for batch in self.batches for m in batch]


@dataclass
class Harness:
    client: TestClient
    keys: FakeKeys
    publisher: FakePublisher
    probes: dict
    metrics: GatewayMetrics
    clock: list  # [seconds]: the gateway's monotonic clock, moved by the test

    def post(self, body, content_type="application/json", key="good-key", path="/v1/events", **params):
        headers = {"Content-Type": content_type} if content_type else {}
        if key is not None:
            headers["Authorization"] = f"Bearer {key}"
        data = body.encode() if isinstance(body, str) else body
        return self.client.post(path, content=data, headers=headers, params=params)


@pytest.fixture
def gateway():
    yield from _harness(Limits())


@pytest.fixture
def limited_gateway():
    """Tight limits: 2 requests a second per key in bursts of 3, 5,000 events a second in bursts of
    5,000, and 2 unknown keys a minute per address in bursts of 2."""
    yield from _harness(
        Limits(
            requests_per_second=2,
            request_burst=3,
            events_per_second=5_000,
            event_burst=5_000,
            failed_logins_per_minute=2,
            failed_login_burst=2,
        )
    )


def _harness(limits: Limits):
    keys = FakeKeys(
        {"good-key": FakeSource("desa-2001", (BENGKAYANG,)), "province-key": FakeSource("pemprov", ("61",))}
    )
    publisher = FakePublisher()
    probes = {"kafka": True, "registry": True}
    metrics = GatewayMetrics()
    clock = [1000.0]
    app = create_app(
        Gateway(
            keys=keys,
            tree=TREE,
            pseudonymizer=PSEUDONYMIZER,
            now=lambda: NOW,
            publisher=publisher,
            probes={name: (lambda name=name: probes[name]) for name in probes},
            metrics=metrics,
            registry_errors=(ConnectionError,),
            clock=lambda: clock[0],
            limits=limits,
        )
    )
    with TestClient(app) as client:
        yield Harness(client, keys, publisher, probes, metrics, clock)
