"""What bench/pipeline.py runs things with: a scratch broker, producing, the worker, the Faust agents, timing.

Every consumer is timed the same way (`follow`): from the first sign of progress, or from a
known start, until everything it was given is processed. Counting from the first sign of
progress leaves a consumer's start-up and recovery out, and only the events it processed
after that sign are divided by the time.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from prometheus_client.parser import text_string_to_metric_families

from services.common.producer import kafka_producer
from services.dev.kafka_local import ensure_broker, stop_broker
from services.registry import Registry
from services.worker_client import WorkerUnavailable, processed, status_of
from streams.broker.offsets import end_offsets
from streams.broker.topics import PARTICIPANT_EVENTS, REKEYED_EVENTS, ensure_topics

NOW = "2026-06-30T12:00:00+07:00"  # the worker's fixed clock, so runs compare
ROOT = Path(__file__).resolve().parent.parent
POLL_SECONDS = 0.2  # how often progress is read while a consumer runs
MAX_PAUSE_SECONDS = 7.0  # the worker's consumer session times out after 10 s without a heartbeat

Offsets = dict[int, int]  # partition -> offset


class BenchError(Exception):
    """The bench cannot give a figure it can stand behind (a consumer died, dead letters, too few events)."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class Stack:
    """A fresh broker and registry in a scratch directory."""

    def __init__(self, scratch: Path, port: int):
        self.scratch, self.port = scratch, port
        self.bootstrap = ensure_broker(port=port, data_dir=scratch / "kafka", timeout=120)
        self.workers: list[Worker] = []  # stopped with the broker, whatever happened
        self.database_url = f"sqlite:///{scratch / 'registry.db'}"
        Registry(self.database_url).init()
        ensure_topics(self.bootstrap)

    def close(self) -> None:
        for worker in self.workers:
            if worker.process.poll() is None:
                worker.stop(kill=True)
        stop_broker(port=self.port, data_dir=self.scratch / "kafka")


def produce(bootstrap: str, messages: Iterable[tuple[bytes, bytes]], rate: float = 0) -> int:
    """Send (key, value) pairs to the events topic, at most `rate` a second when given."""
    producer, sent, started = kafka_producer(bootstrap), 0, time.monotonic()
    for key, value in messages:
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


class JavaProducer:
    """Kafka's own Java console producer, with the settings of services/common/producer.py, fed lines on stdin.

    A Python producer at the rates of the latency phase takes most of a core that the worker and
    the broker share. Started once, before anything is timed; line breaks and tabs in values
    become spaces.
    """

    def __init__(self, bootstrap: str):
        from services.dev.kafka_local.manager import jars_dir, require_tool

        command = [
            require_tool("java"),
            "-Xmx256m",
            "-cp",
            str(jars_dir() / "*"),
            "kafka.tools.ConsoleProducer",
            "--bootstrap-server",
            bootstrap,
            "--topic",
            PARTICIPANT_EVENTS,
            "--property",
            "parse.key=true",
            "--property",
            "key.separator=\t",
            "--producer-property",
            "acks=all",
            "--producer-property",
            "enable.idempotence=true",
            "--producer-property",
            "linger.ms=20",
            "--producer-property",
            "compression.type=gzip",
            "--producer-property",
            f"batch.size={256 * 1024}",
        ]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)

    def send(self, messages: list[tuple[bytes, bytes]], rate: float = 0) -> None:
        """Hand over (key, value) pairs, at most `rate` a second when given."""
        clean, started = bytes.maketrans(b"\t\r\n", b"   "), time.monotonic()
        for start in range(0, len(messages), 100):  # 100 lines at a time, on schedule
            chunk = messages[start : start + 100]
            self.process.stdin.write(
                b"".join(key.translate(clean) + b"\t" + value.translate(clean) + b"\n" for key, value in chunk)
            )
            self.process.stdin.flush()
            ahead = (start + len(chunk)) / rate - (time.monotonic() - started) if rate else 0
            if ahead > 0:
                time.sleep(ahead)
        log(f"handed {len(messages):,} events to the Java producer in {time.monotonic() - started:.1f} s")

    def close(self) -> None:
        self.process.stdin.close()
        if self.process.wait(timeout=60) != 0:
            raise BenchError(f"Kafka's console producer exited with {self.process.returncode}")


@dataclass(frozen=True)
class Mark:
    """A moment of a consumer's run: how much it had processed, and the CPU time used so far."""

    at: float  # time.monotonic()
    done: int
    cpu: float  # of the consumer's process (its threads included)
    machine_cpu: float  # of every core: far above `cpu`, something else shared the machine

    @classmethod
    def now(cls, pid: int, done: int, at: float | None = None) -> "Mark":
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        ticks = [int(t) for t in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        per_second = os.sysconf("SC_CLK_TCK")
        return cls(
            time.monotonic() if at is None else at,
            done,
            (int(fields[11]) + int(fields[12])) / per_second,  # utime, stime (fields 14 and 15 of stat)
            (sum(ticks[:8]) - ticks[3] - ticks[4]) / per_second,  # user..steal, less idle and iowait
        )


@dataclass(frozen=True)
class Timing:
    start: Mark
    end: Mark

    @property
    def events(self) -> int:
        return self.end.done - self.start.done

    @property
    def seconds(self) -> float:
        return self.end.at - self.start.at

    @property
    def per_second(self) -> float:
        return self.events / self.seconds

    @property
    def cpu_seconds(self) -> float:
        return self.end.cpu - self.start.cpu

    @property
    def machine_cpu_seconds(self) -> float:
        return self.end.machine_cpu - self.start.machine_cpu


def follow(
    progress: Callable[[], int],
    total: int,
    pid: int,
    check: Callable[[], None],
    started: float | None = None,
    poll: float = POLL_SECONDS,
    label: str = "",
) -> Timing:
    """Read `progress()` of process `pid` until it reaches `total`.

    Timed from `started` when given (progress 0 then), else from the first reading above 0.
    """
    first = Mark.now(pid, 0, at=started) if started is not None else None
    last_report = time.monotonic()
    while True:
        check()
        done = progress()
        if first is None and (done or total == 0):
            first = Mark.now(pid, done)
        if done >= total:  # no events timed when all were done at the first look
            return Timing(first, first if first.done >= total else Mark.now(pid, total))
        if time.monotonic() - last_report > 15:
            log(f"  {label}: {done:,} of {total:,}")
            last_report = time.monotonic()
        time.sleep(poll)


class Worker:
    """`ucj worker` in a subprocess, with the bench's clock."""

    def __init__(self, stack: Stack, port: int):
        self.url = f"http://127.0.0.1:{port}"
        self.command = [
            sys.executable,
            "-m",
            "services.cli",
            "worker",
            "--web-port",
            str(port),
            "--state-dir",
            str(stack.scratch / f"state-{port}"),
        ]
        self.env = dict(
            os.environ, UCJ_KAFKA_BOOTSTRAP=stack.bootstrap, UCJ_DATABASE_URL=stack.database_url, UCJ_CLOCK=NOW
        )
        self.log_path = stack.scratch / f"worker-{port}.log"
        stack.workers.append(self)
        self.start()

    def start(self) -> None:
        self.started = time.monotonic()
        with open(self.log_path, "ab") as out:
            self.process = subprocess.Popen(self.command, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)

    def check(self) -> None:
        if self.process.poll() is not None:
            raise BenchError(f"the worker exited ({self.process.returncode}); see {self.log_path}")

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

    def dead_letters(self) -> float:
        """Inputs this worker process sent to the dead letter (the counter starts at 0 with each process)."""
        return sum(s.value for s in self.metrics().get("ucj_dead_letters", []) if s.name.endswith("_total"))

    def progress(self, bootstrap: str, topic: str, targets: Offsets, since: Offsets) -> int:
        """Messages of `topic` past `since` and up to `targets` that the worker has processed (0 before it answers)."""
        try:
            status = status_of(self.url)
        except WorkerUnavailable:
            return 0
        return processed(status, topic, targets) - processed(status, topic, since)

    def wait_ready(self) -> None:
        """Until the worker owns its partitions."""
        while True:
            self.check()
            try:
                if status_of(self.url)["partitions"]:
                    return
            except WorkerUnavailable:
                pass
            time.sleep(0.5)

    def pause(self) -> None:
        os.kill(self.process.pid, signal.SIGSTOP)
        self.paused = time.monotonic()

    def resume(self) -> float:
        """Lets the worker run again; the moment it does. Fails if it was paused near its session timeout."""
        os.kill(self.process.pid, signal.SIGCONT)
        resumed = time.monotonic()
        if resumed - self.paused > MAX_PAUSE_SECONDS:
            raise BenchError(
                f"the worker was paused {resumed - self.paused:.1f} s, near its session timeout: a rebalance would be timed too"
            )
        return resumed

    def stop(self, kill: bool = False) -> None:
        self.process.kill() if kill else self.process.terminate()
        self.process.wait(timeout=60)


def worker_offsets(bootstrap: str) -> dict[str, Offsets]:
    """The end of each topic the worker counts from."""
    return {topic: end_offsets(bootstrap, topic) for topic in (PARTICIPANT_EVENTS, REKEYED_EVENTS)}


def wait_caught_up(
    worker: Worker,
    bootstrap: str,
    since: dict[str, Offsets] | None = None,
    started: float | None = None,
    poll: float = POLL_SECONDS,
) -> Timing:
    """Until the worker has processed every event produced after `since`, and what it re-keyed of them.

    The events counted are those of the events topic; the re-keyed copies are extra work in the same time.
    """
    since = since or {PARTICIPANT_EVENTS: {}, REKEYED_EVENTS: {}}
    targets = end_offsets(bootstrap, PARTICIPANT_EVENTS)
    total = sum(targets.values()) - sum(since[PARTICIPANT_EVENTS].values())
    events = follow(
        lambda: worker.progress(bootstrap, PARTICIPANT_EVENTS, targets, since[PARTICIPANT_EVENTS]),
        total,
        worker.process.pid,
        worker.check,
        started,
        poll,
        "worker",
    )
    rekeyed = end_offsets(bootstrap, REKEYED_EVENTS)  # complete now that every event is processed
    left = sum(rekeyed.values()) - sum(since[REKEYED_EVENTS].values())
    while worker.progress(bootstrap, REKEYED_EVENTS, rekeyed, since[REKEYED_EVENTS]) < left:
        worker.check()
        time.sleep(poll)
    return Timing(events.start, Mark.now(worker.process.pid, events.end.done))


@contextmanager
def group_progress(bootstrap: str, group: str, targets: Offsets) -> Iterator[Callable[[], int]]:
    """Reads how many messages of the events topic, up to `targets`, the consumer group has committed."""
    from kafka.admin import KafkaAdminClient

    admin = KafkaAdminClient(bootstrap_servers=bootstrap)

    def progress() -> int:
        offsets = admin.list_group_offsets(group).get(group, {})
        return sum(
            min(max(meta.offset, 0), targets.get(tp.partition, 0))
            for tp, meta in offsets.items()
            if tp.topic == PARTICIPANT_EVENTS
        )

    try:
        yield progress
    finally:
        admin.close()


def run_agent(stack: Stack, mode: str, web_port: int) -> Timing:
    """bench/naive_app.py in `mode` (naive or iterate) over the whole events topic, under its own consumer group."""
    env = dict(
        os.environ, UCJ_KAFKA_BOOTSTRAP=stack.bootstrap, UCJ_BENCH_DATA=str(stack.scratch / mode), UCJ_BENCH_MODE=mode
    )
    log_path = stack.scratch / f"{mode}.log"
    with open(log_path, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "naive_app.py"), "worker", "-l", "warn", "--web-port", str(web_port)],
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    targets = end_offsets(stack.bootstrap, PARTICIPANT_EVENTS)

    def check() -> None:
        if process.poll() is not None:
            raise BenchError(f"the {mode} agent exited ({process.returncode}); see {log_path}")

    try:
        with group_progress(stack.bootstrap, f"ucj-bench-{mode}", targets) as progress:
            return follow(progress, sum(targets.values()), process.pid, check, label=mode)
    finally:
        process.terminate()
        process.wait(timeout=60)
