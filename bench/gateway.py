"""Benchmark of the ingest gateway: accepted events per second from one client, against the real local broker.

    .venv/bin/python bench/gateway.py                       # 40 batches of 5,000 events, JSON, about 2 minutes
    .venv/bin/python bench/gateway.py --batches 20 --format csv

One client posts batches of 5,000 events (each naming its worker by NIK) one after the
other over one keep-alive connection, and waits for each answer: an event counts once the
gateway answered that Kafka acknowledged it. The figure is accepted events divided by the
wall time from the first request to the last answer. The gateway is `ucj gateway` in its
own process (uvicorn, one event loop), with a source scoped to one regency; the broker is a
fresh single-node Kafka in a scratch directory, the registry a fresh SQLite file, and the
clock is fixed, so runs compare. Nothing of the user's state is touched.
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from services.dev.kafka_local import ensure_broker, stop_broker
from services.registry import Registry
from streams.broker.topics import ensure_topics

NOW = "2026-06-30T12:00:00+07:00"  # fixed clock, so runs compare
ROOT = Path(__file__).resolve().parent.parent
BATCH = 5_000  # the gateway's largest request
REGENCY = "61.07"


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def batch_events(batch: int, villages: list[str]) -> list[dict]:
    """5,000 enrollments, each naming a distinct worker by a well-formed NIK of the village's district."""
    events = []
    for i in range(BATCH):
        n = batch * BATCH + i
        village = villages[n % len(villages)]
        province, regency, district = village.split(".")[:3]
        nik = (
            f"{province}{regency}{district}{1 + n % 28:02d}{1 + n // 28 % 12:02d}{n // 336 % 100:02d}{1 + n % 9999:04d}"
        )
        events.append(
            {
                "schema": "ucj.participant-event/1",
                "event_id": f"bench-{n}",
                "type": "enrollment",
                "occurred_at": "2026-06-01T09:00:00+07:00",
                "nik": nik,
                "region_code": village,
                "segment": "BPU",
                "covered_from": "2026-06-01",
                "paid_through": "2026-12-31",
            }
        )
    return events


def render(events: list[dict], form: str) -> tuple[bytes, str, str]:
    """(body, content type, path) of one batch."""
    if form == "json":
        return json.dumps(events).encode(), "application/json", "/v1/events"
    if form == "ndjson":
        return "".join(json.dumps(e) + "\n" for e in events).encode(), "application/x-ndjson", "/v1/events"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(events[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(events)
    return ("\ufeff" + out.getvalue()).encode(), "text/csv", "/v1/events/csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--batches", type=int, default=40, help="batches of 5,000 events to post (default: %(default)s)"
    )
    parser.add_argument(
        "--format", choices=("json", "ndjson", "csv"), default="json", help="body format (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=49192, help="broker port for the run (and PORT+1)")
    parser.add_argument("--gateway-port", type=int, default=49180)
    args = parser.parse_args()

    scratch = Path(tempfile.mkdtemp(prefix="ucj-bench-gateway-"))
    bootstrap = ensure_broker(port=args.port, data_dir=scratch / "kafka", timeout=120)
    gateway = None
    try:
        database_url = f"sqlite:///{scratch / 'registry.db'}"
        with Registry(database_url) as registry:
            registry.init()
            _, key = registry.add_source("bench-desa", [REGENCY])
            villages = [c for c in registry.region_tree().codes_at("village") if c.startswith(REGENCY + ".")]
        ensure_topics(bootstrap)
        key_file = scratch / "pseudonym.key"
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)  # a secret file must be private (services/common/secrets.py)
        env = dict(
            os.environ,
            UCJ_KAFKA_BOOTSTRAP=bootstrap,
            UCJ_DATABASE_URL=database_url,
            UCJ_CLOCK=NOW,
            UCJ_DATA_DIR=str(scratch),
            UCJ_PSEUDONYM_KEY_FILE=str(key_file),
        )
        env.pop("UCJ_PSEUDONYM_KEY", None)
        with open(scratch / "gateway.log", "wb") as out:
            gateway = subprocess.Popen(
                [sys.executable, "-m", "services.cli", "gateway", "--port", str(args.gateway_port)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=ROOT,
            )
        wait_healthy(args.gateway_port, gateway)

        bodies = [
            render(batch_events(b, villages), args.format) for b in range(args.batches + 1)
        ]  # made before the clock starts
        connection = http.client.HTTPConnection("127.0.0.1", args.gateway_port, timeout=120)
        headers = {"Authorization": f"Bearer {key}"}
        post(connection, headers, *bodies[0])  # warm-up: connection, producer, first metadata
        log(f"posting {args.batches} batches of {BATCH:,} events ({args.format}) over one keep-alive connection")
        accepted, started = 0, time.perf_counter()
        for body in bodies[1:]:
            accepted += post(connection, headers, *body)
        seconds = time.perf_counter() - started
        connection.close()
        log(f"accepted {accepted:,} of {args.batches * BATCH:,} events in {seconds:.1f} s")
        print(
            json.dumps(
                {
                    "format": args.format,
                    "batches": args.batches,
                    "batch_size": BATCH,
                    "accepted": accepted,
                    "seconds": round(seconds, 2),
                    "accepted_events_per_second": round(accepted / seconds),
                }
            )
        )
    finally:
        if gateway is not None:
            gateway.terminate()
            gateway.wait(timeout=60)
        stop_broker(port=args.port, data_dir=scratch / "kafka")
        shutil.rmtree(scratch, ignore_errors=True)


def post(connection: http.client.HTTPConnection, headers: dict, body: bytes, content_type: str, path: str) -> int:
    connection.request("POST", path, body=body, headers={**headers, "Content-Type": content_type})
    response = connection.getresponse()
    answer = json.loads(response.read())
    if response.status != 200 or answer["rejected"]:
        raise SystemExit(f"the gateway answered {response.status}: {json.dumps(answer)[:500]}")
    return answer["accepted"]


def wait_healthy(port: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("the gateway exited; see its log in the scratch directory")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the gateway was not healthy within {timeout:.0f} s")


if __name__ == "__main__":
    main()
