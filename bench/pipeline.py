"""Benchmark of one worker against the real local broker (see BENCHMARKS.md).

    .venv/bin/python bench/pipeline.py            # everything, about 25 minutes
    .venv/bin/python bench/pipeline.py --only throughput --events 200000 --participants 60000

(a) throughput: events/s from produced to reflected in the metrics, 1,000,000 events over
    300,000 participants, and the same stream through the naive baseline (bench/naive_app.py);
(b) latency: p50 and p99 of the event delay histogram while events arrive at 5,000/s;
(c) restart: SIGKILL after 1,000,000 participants of state, time until counts are exact again;
(d) peak RSS (VmHWM) of the worker in each phase.
Each phase starts its own broker; nothing of the user's state is touched.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, datetime
from itertools import islice
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from services.kafka_local import ensure_broker, stop_broker
from services.producer import kafka_producer
from services.progress import end_offsets, processed, worker_status
from services.registry import Registry
from services.simulation import generate_events
from streams.topics import PARTICIPANT_EVENTS, REKEYED_EVENTS, ensure_topics

NOW = "2026-06-30T12:00:00+07:00"  # fixed clock, so runs compare
ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Stack:
    """A fresh broker and registry in a scratch directory."""

    def __init__(self, scratch: Path, port: int):
        self.scratch, self.port = scratch, port
        self.bootstrap = ensure_broker(port=port, data_dir=scratch / "kafka", timeout=120)
        self.database_url = f"sqlite:///{scratch / 'registry.db'}"
        Registry(self.database_url).init()
        ensure_topics(self.bootstrap)

    def close(self) -> None:
        stop_broker(port=self.port, data_dir=self.scratch / "kafka")


def produce(bootstrap: str, values, rate: float = 0) -> int:
    producer, sent, started = kafka_producer(bootstrap), 0, time.monotonic()
    for key, value in values:
        producer.send(PARTICIPANT_EVENTS, key=key, value=value)
        sent += 1
        if rate and sent % 100 == 0:
            ahead = sent / rate - (time.monotonic() - started)
            if ahead > 0:
                time.sleep(ahead)
    producer.flush()
    producer.close()
    log(f"produced {sent:,} events in {time.monotonic() - started:.1f} s")
    return sent


def simulated(participants: int, limit: int):
    now = datetime.fromisoformat(NOW)
    records = generate_events(participants=participants, seed=2024, start=date(2024, 1, 1), end=now.date(), now=now)
    return ((r.key, r.value) for r in islice(records, limit))


class Worker:
    def __init__(self, stack: Stack, port: int, command: list[str] | None = None, env: dict | None = None):
        self.url = f"http://127.0.0.1:{port}"
        self.command = command or [sys.executable, "-m", "services.cli", "worker", "--web-port", str(port), "--state-dir", str(stack.scratch / f"state-{port}")]
        self.env = dict(os.environ, UCJ_KAFKA_BOOTSTRAP=stack.bootstrap, UCJ_DATABASE_URL=stack.database_url, UCJ_CLOCK=NOW, **(env or {}))
        self.log_path = stack.scratch / f"worker-{port}.log"
        self.start()

    def start(self) -> None:
        self.started = time.monotonic()
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

    def peak_rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return 0.0

    def metrics(self) -> dict:
        with urllib.request.urlopen(self.url + "/metrics", timeout=30) as response:
            return {f.name: f.samples for f in text_string_to_metric_families(response.read().decode())}

    def province_active(self) -> float:
        return sum(s.value for s in self.metrics()["ucj_active_participants"] if s.labels["region"] == "61")

    def stop(self, kill: bool = False) -> None:
        self.process.kill() if kill else self.process.terminate()
        self.process.wait(timeout=60)


def wait_caught_up(worker: Worker, bootstrap: str) -> float:
    """Seconds from the worker's first processed event until every produced event is processed."""
    first = None
    for topic in (PARTICIPANT_EVENTS, REKEYED_EVENTS):
        targets, total, last_report = end_offsets(bootstrap, topic), None, 0.0
        total = sum(targets.values())
        while True:
            assert worker.process.poll() is None, f"worker died, see {worker.log_path}"
            try:
                done = processed(worker_status(worker.url), topic, targets)
            except OSError:
                done = 0
            if done and first is None:
                first = time.monotonic()
            if done >= total:
                break
            if time.monotonic() - last_report > 15:
                log(f"  {topic}: {done:,} of {total:,}")
                last_report = time.monotonic()
            time.sleep(0.2)
    return time.monotonic() - (first or time.monotonic())


def wait_group_caught_up(bootstrap: str, group: str, process: subprocess.Popen) -> float:
    """For the baseline, which has no /status: its committed offsets reach the end."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    targets, first = end_offsets(bootstrap, PARTICIPANT_EVENTS), None
    try:
        while True:
            assert process.poll() is None, "baseline died"
            offsets = admin.list_group_offsets(group).get(group, {})
            done = sum(min(meta.offset, targets.get(tp.partition, 0)) for tp, meta in offsets.items() if tp.topic == PARTICIPANT_EVENTS)
            if done and first is None:
                first = time.monotonic()
            if done >= sum(targets.values()):
                return time.monotonic() - first
            time.sleep(0.5)
    finally:
        admin.close()


def phase_throughput(args, scratch: Path, results: dict) -> None:
    stack = Stack(scratch / "throughput", args.port)
    try:
        n = produce(stack.bootstrap, simulated(args.participants, args.events))
        worker = Worker(stack, args.web_port)
        seconds = wait_caught_up(worker, stack.bootstrap)
        results["throughput_events_per_s"] = round(n / seconds)
        results["throughput_peak_rss_mib"] = round(worker.peak_rss_mib())
        log(f"(a) worker: {n:,} events in {seconds:.1f} s = {n / seconds:,.0f} events/s, peak RSS {worker.peak_rss_mib():.0f} MiB")
        worker.stop()
        if not args.skip_baseline:
            for mode in ("naive", "iterate"):
                base = run_baseline(stack, mode, args.web_port + 1)
                results[f"baseline_{mode}_events_per_s"] = round(n / base)
                log(f"(a) {mode} Faust agent: {n / base:,.0f} events/s; worker/{mode} = {base / seconds:.2f}")
    finally:
        stack.close()


def run_baseline(stack: Stack, mode: str, web_port: int) -> float:
    env = dict(os.environ, UCJ_KAFKA_BOOTSTRAP=stack.bootstrap, UCJ_BENCH_DATA=str(stack.scratch / mode), UCJ_BENCH_MODE=mode)
    with open(stack.scratch / f"{mode}.log", "wb") as out:
        process = subprocess.Popen([sys.executable, str(ROOT / "bench" / "naive_app.py"), "worker", "-l", "warn", "--web-port", str(web_port)], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        return wait_group_caught_up(stack.bootstrap, f"ucj-bench-{mode}", process)
    finally:
        process.terminate()
        process.wait(timeout=60)


def phase_latency(args, scratch: Path, results: dict) -> None:
    for rate in (float(r) for r in args.latency_rates.split(",")):
        stack = Stack(scratch / f"latency-{rate:.0f}", args.port)
        try:
            records = list(simulated(args.participants, int(rate * args.latency_seconds)))  # generated before the clock runs
            worker = Worker(stack, args.web_port)
            while True:
                try:
                    if worker_status(worker.url)["partitions"]:
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            produce(stack.bootstrap, records, rate=rate)
            wait_caught_up(worker, stack.bootstrap)
            buckets = [(float(s.labels["le"]), s.value) for s in worker.metrics()["ucj_event_delay_seconds"] if s.name.endswith("_bucket")]
            p50, p99 = quantile(buckets, 0.5), quantile(buckets, 0.99)
            results[f"latency_at_{rate:.0f}"] = dict(p50_s=round(p50, 3), p99_s=round(p99, 3), peak_rss_mib=round(worker.peak_rss_mib()))
            log(f"(b) at {rate:,.0f} events/s for {args.latency_seconds:.0f} s: p50 {p50:.2f} s, p99 {p99:.2f} s (histogram interpolation)")
            worker.stop()
        finally:
            stack.close()


def quantile(buckets: list[tuple[float, float]], q: float) -> float:
    """Like PromQL histogram_quantile: linear within the bucket that holds the rank."""
    buckets = sorted(buckets)
    total = buckets[-1][1]
    rank, lower, below = q * total, 0.0, 0.0
    for bound, count in buckets:
        if count >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(count - below, 1e-9)
        lower, below = bound, count
    return lower


def phase_restart(args, scratch: Path, results: dict) -> None:
    stack = Stack(scratch / "restart", args.port)
    try:
        tree = Registry(stack.database_url).region_tree()
        villages = tree.codes_at("village")
        rng = random.Random(7)

        def enrollments():
            for n in range(args.state_participants):
                pid = f"R-{n:08d}"
                event = {
                    "schema": "ucj.participant-event/1", "event_id": f"r-{n}", "type": "enrollment",
                    "occurred_at": "2026-06-01T08:00:00+07:00", "participant_id": pid,
                    "region_code": rng.choice(villages), "segment": "BPU", "source": "bench",
                    "covered_from": "2026-06-01", "paid_through": "2026-12-31",
                }
                yield pid.encode(), json.dumps(event).encode()

        n = produce(stack.bootstrap, enrollments())
        worker = Worker(stack, args.web_port)
        wait_caught_up(worker, stack.bootstrap)
        expected = worker.province_active()
        assert expected == n, (expected, n)
        rss = worker.peak_rss_mib()
        worker.stop(kill=True)
        worker.start()
        while True:
            try:
                if worker.province_active() == expected:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        seconds = time.monotonic() - worker.started
        results.update(restart_participants=n, restart_to_exact_s=round(seconds, 1), restart_peak_rss_mib=round(max(rss, worker.peak_rss_mib())))
        log(f"(c) SIGKILL with {n:,} participants of state: exact again {seconds:.1f} s after restart; peak RSS {max(rss, worker.peak_rss_mib()):.0f} MiB")
        worker.stop()
    finally:
        stack.close()


PHASES = {"throughput": phase_throughput, "latency": phase_latency, "restart": phase_restart}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--participants", type=int, default=300_000)
    parser.add_argument("--latency-rates", default="5000,2500", help="events/s, comma-separated (default: %(default)s)")
    parser.add_argument("--latency-seconds", type=float, default=60)
    parser.add_argument("--state-participants", type=int, default=1_000_000)
    parser.add_argument("--only", default=",".join(PHASES), help="comma-separated phases: %(default)s")
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument("--port", type=int, default=49092, help="broker port for the runs (and PORT+1)")
    parser.add_argument("--web-port", type=int, default=49066)
    parser.add_argument("--output", help="also write the results as JSON here")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="ucj-bench-"))
    results: dict = {"cpu_count": os.cpu_count(), "started": time.strftime("%Y-%m-%d %H:%M")}
    try:
        for name in args.only.split(","):
            log(f"phase {name}")
            PHASES[name](args, scratch, results)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(json.dumps(results, indent=2))
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
