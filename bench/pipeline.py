"""Benchmark of one worker against a real local broker (see BENCHMARKS.md).

    .venv/bin/python bench/pipeline.py --quick              # every phase at the small sizes below
    .venv/bin/python bench/pipeline.py --output results.json # every phase at full size: over half an hour
    .venv/bin/python bench/pipeline.py --only throughput --events 200000 --participants 60000

Phases, in this order (--only picks some):
  throughput  One stream from the simulator (--events over --participants), produced first, then
              consumed from the start, one after the other, by the worker (`ucj worker`), the
              naive baseline (a Faust Record agent, one table write per event) and a Faust agent
              that only iterates the stream (both bench/naive_app.py, each its own consumer
              group). Each one's events/s, and the ratios worker/agent and worker/naive.
  depth       Participants with 1, 12 and 120 prior events in order (monthly assistance
              payments, bench/history.py), --depth-participants of each, loaded and processed
              first. Then, per depth, the worker is paused (SIGSTOP), one more in-order event per
              participant of that depth is produced, and the worker is timed from its resumption
              until it has processed them. events/s per depth, and the ratios 12/1 and 120/1.
              Fails if the worker sends any of these events to the dead letter.
  latency     p50 and p99 of the worker's event delay histogram while events arrive at each of
              --latency-rates for --latency-seconds. A warm-up of the stream's first
              LATENCY_WARM_UP_SECONDS at that rate is produced at once and processed first, and
              left out: the figures are those of the steady state, not of the worker's start.
              Events go through Kafka's Java console producer (bench/harness.py JavaProducer):
              at these rates a Python producer takes most of a core the worker needs.
  restart     --state-participants enrolled, SIGKILL, restart: seconds until the counts are exact.
Every phase also reports the worker's peak RSS (VmHWM). Each phase starts its own broker in a
scratch directory; nothing of the user's state is touched. UCJ_BENCH_KEEP=1 keeps the scratch
directory (the worker's and the broker's logs) after a run that succeeded, too.

Timing: a consumer is timed from the first sign of progress (its /status for the worker, its
committed offsets for the agents) until everything is processed, and only the events it
processed after that first sign count; so start-up and recovery are left out. Every stream is
fully produced before its consumer starts, so producing never shares the CPU with it. Next to
events/s, each figure gives events per CPU-second of the consumer's own process, and the CPU
time of the whole machine in the same interval: on a machine others share, the per-CPU figures
and ratios move least.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import date, datetime
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # this checkout's code, not an installed one

from bench.harness import (  # noqa: E402
    NOW,
    BenchError,
    JavaProducer,
    Stack,
    Timing,
    Worker,
    log,
    produce,
    run_agent,
    wait_caught_up,
    worker_offsets,
)
from bench.history import histories  # noqa: E402
from services.dev.simulation import generate_events  # noqa: E402
from services.gateway.publishing import message  # noqa: E402
from services.registry import Registry  # noqa: E402
from streams.broker.offsets import end_offsets  # noqa: E402
from streams.broker.topics import PARTICIPANT_EVENTS  # noqa: E402
from streams.domain.events import ParticipantEnrolled  # noqa: E402

DEPTHS = (1, 12, 120)
FINAL_MONTH = date(2026, 6, 1)  # the depth phase's final payments cover the month of NOW
# The final events take seconds or less: look more often than POLL_SECONDS, though each look
# at /status costs the worker about 6 ms of CPU (it computes every region's figures).
DEPTH_POLL_SECONDS = 0.1
LATENCY_WARM_UP_SECONDS = 2.0  # of the latency stream, processed before the timed part
FULL = dict(
    events=1_000_000,
    participants=300_000,
    depth_participants=20_000,
    latency_rates="5000,2500,half",
    latency_seconds=60.0,
    state_participants=1_000_000,
)
QUICK = dict(
    events=100_000,
    participants=30_000,
    depth_participants=2_000,
    latency_rates="half",
    latency_seconds=15.0,
    state_participants=50_000,
)

_streams: dict[int, list[tuple[bytes, bytes]]] = {}  # participants -> the simulated stream generated so far


def simulated(participants: int, limit: int) -> list[tuple[bytes, bytes]]:
    """The first `limit` (key, value) of the simulator's stream, generated once per run and reused."""
    known = _streams.get(participants, [])
    if len(known) < limit:
        now = datetime.fromisoformat(NOW)
        records = generate_events(participants=participants, seed=2024, start=date(2024, 1, 1), end=now.date(), now=now)
        known = _streams[participants] = [(r.key, r.value) for r in islice(records, limit)]
    return known[:limit]


def figures(timing: Timing, worker: Worker | None = None) -> dict:
    if not timing.events:
        raise BenchError("all events were processed before the first look at the consumer: too few to time")
    shown = dict(
        events_per_s=round(timing.per_second),
        timed_events=timing.events,
        seconds=round(timing.seconds, 2),
        cpu_seconds=round(timing.cpu_seconds, 2),
        events_per_cpu_s=round(timing.events / max(timing.cpu_seconds, 0.01)),
        machine_cpu_seconds=round(timing.machine_cpu_seconds, 2),
    )
    return shown | (dict(peak_rss_mib=round(worker.peak_rss_mib())) if worker else {})


def ratio(one: dict, other: dict) -> dict:
    """one's figures over other's: events per second, and events per CPU-second of each one's own process."""
    return {key: round(one[key] / other[key], 2) for key in ("events_per_s", "events_per_cpu_s")}


def phase_throughput(args, scratch: Path, results: dict) -> None:
    stack = Stack(scratch / "throughput", args.port)
    try:
        n = produce(stack.bootstrap, simulated(args.participants, args.events))
        phase = results["throughput"] = dict(events=n, participants=args.participants)
        worker = Worker(stack, args.web_port)
        timing = wait_caught_up(worker, stack.bootstrap)
        phase["worker"] = figures(timing, worker)
        log(
            f"(a) worker: {timing.events:,} events in {timing.seconds:.1f} s = {timing.per_second:,.0f} events/s, peak RSS {worker.peak_rss_mib():.0f} MiB"
        )
        worker.stop()
        if args.skip_baseline:
            return
        for name, mode in (("naive", "naive"), ("agent", "iterate")):
            base = run_agent(stack, mode, args.web_port + 1)
            phase[name] = figures(base)
            phase[f"worker_to_{name}"] = ratio(phase["worker"], phase[name])
            log(
                f"(a) {mode} Faust agent: {base.events:,} events in {base.seconds:.1f} s = {base.per_second:,.0f} events/s; worker/{name} = {phase[f'worker_to_{name}']['events_per_s']:.2f}"
            )
    finally:
        stack.close()


def phase_depth(args, scratch: Path, results: dict) -> None:
    stack = Stack(scratch / "depth", args.port)
    try:
        tree = Registry(stack.database_url).region_tree()
        count, finals = args.depth_participants, {}

        def prior_events():  # participant by participant: each history loads in a batch or two
            for depth in DEPTHS:
                finals[depth] = []
                for events in histories(tree, depth, count, FINAL_MONTH):
                    finals[depth].append(message(events[-1]))
                    yield from map(message, events[:-1])

        prior = produce(stack.bootstrap, prior_events())
        phase = results["depth"] = dict(participants_per_depth=count, prior_events=prior)
        worker = Worker(stack, args.web_port)
        load = wait_caught_up(worker, stack.bootstrap)
        phase["load"] = figures(load)
        log(f"(depth) prior history loaded: {load.per_second:,.0f} events/s")
        expect_counted(worker, active=0)  # every prior history ends the month before NOW's
        for done, depth in enumerate(DEPTHS, start=1):
            time.sleep(2)  # let the worker settle (partials, timers) before the clock runs
            since = worker_offsets(stack.bootstrap)
            worker.pause()
            try:
                produce(stack.bootstrap, finals[depth])
            finally:
                started = worker.resume()
            timing = wait_caught_up(worker, stack.bootstrap, since=since, started=started, poll=DEPTH_POLL_SECONDS)
            phase[str(depth)] = figures(timing)
            log(
                f"(depth) {depth:>3} prior events: {timing.events:,} final events in {timing.seconds:.2f} s = {timing.per_second:,.0f} events/s"
            )
            expect_counted(worker, active=done * count)
        for depth in DEPTHS[1:]:
            phase[f"ratio_{depth}_to_1"] = ratio(phase[str(depth)], phase["1"])
        phase["peak_rss_mib"] = round(worker.peak_rss_mib())
        worker.stop()
    finally:
        stack.close()


def expect_counted(worker: Worker, active: int) -> None:
    """The depth phase's events are all valid and counted: no dead letter, the expected province count."""
    dead, counted = worker.dead_letters(), worker.province_active()
    if dead:
        raise BenchError(
            f"the worker sent {dead:.0f} of the depth phase's events to the dead letter; see {worker.log_path}"
        )
    if counted != active:
        raise BenchError(f"the worker counts {counted:.0f} active participants in the province, not {active}")


def latency_rates(args, results: dict) -> list[tuple[str, float]]:
    """(label, events/s) per entry of --latency-rates; `half` is half the worker's throughput measured in this run."""
    rates = []
    for entry in args.latency_rates.split(","):
        if entry == "half":
            try:
                rates.append(("half", results["throughput"]["worker"]["events_per_s"] / 2))
            except KeyError:
                raise BenchError("--latency-rates half needs the throughput phase in the same run") from None
        else:
            rates.append((entry, float(entry)))
    return rates


def phase_latency(args, scratch: Path, results: dict) -> None:
    phase = results["latency"] = {}
    for label, rate in latency_rates(args, results):
        stack = Stack(scratch / f"latency-{label}", args.port)
        try:
            records = simulated(args.participants, int(rate * args.latency_seconds))  # generated before the clock runs
            worker = Worker(stack, args.web_port)
            worker.wait_ready()
            producer = JavaProducer(stack.bootstrap)
            warm_up = int(rate * LATENCY_WARM_UP_SECONDS)
            producer.send(records[:warm_up])
            wait_until_produced(stack.bootstrap, warm_up)
            wait_caught_up(worker, stack.bootstrap)
            before = delay_buckets(worker)
            producer.send(records[warm_up:], rate=rate)
            producer.close()
            wait_until_produced(stack.bootstrap, len(records))
            wait_caught_up(worker, stack.bootstrap)
            buckets = [(le, count - before.get(le, 0.0)) for le, count in delay_buckets(worker).items()]
            p50, p99 = quantile(buckets, 0.5), quantile(buckets, 0.99)
            phase[label] = dict(
                events_per_s=round(rate),
                seconds=round((len(records) - warm_up) / rate, 1),
                p50_s=round(p50, 3),
                p99_s=round(p99, 3),
                peak_rss_mib=round(worker.peak_rss_mib()),
            )
            log(
                f"(b) at {rate:,.0f} events/s for {phase[label]['seconds']:.0f} s after a warm-up: p50 {p50:.2f} s, p99 {p99:.2f} s (histogram interpolation)"
            )
            worker.stop()
        finally:
            stack.close()


def wait_until_produced(bootstrap: str, events: int) -> None:
    """Until the events topic holds `events` records: the Java producer sends asynchronously."""
    deadline = time.monotonic() + 120
    while sum(end_offsets(bootstrap, PARTICIPANT_EVENTS).values()) < events:
        if time.monotonic() > deadline:
            raise BenchError(f"the events topic did not reach {events:,} records in 120 s")
        time.sleep(0.1)


def delay_buckets(worker: Worker) -> dict[float, float]:
    """The worker's event delay histogram so far: upper bound -> events at most that late."""
    return {
        float(s.labels["le"]): s.value
        for s in worker.metrics()["ucj_event_delay_seconds"]
        if s.name.endswith("_bucket")
    }


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
        villages = Registry(stack.database_url).region_tree().codes_at("village")
        rng, moment, day = random.Random(7), datetime.fromisoformat("2026-06-01T08:00:00+07:00"), date(2026, 6, 1)

        def enrollments():
            for n in range(args.state_participants):
                yield message(
                    ParticipantEnrolled(
                        event_id=f"r-{n}",
                        occurred_at=moment,
                        participant_id=f"R-{n:08d}",
                        region_code=rng.choice(villages),
                        segment="BPU",
                        source="bench",
                        covered_from=day,
                        paid_through=date(2026, 12, 31),
                    )
                )

        n = produce(stack.bootstrap, enrollments())
        worker = Worker(stack, args.web_port)
        wait_caught_up(worker, stack.bootstrap)
        expected = worker.province_active()
        if expected != n:
            raise BenchError(f"the worker counts {expected:.0f} active participants, not the {n} enrolled")
        rss = worker.peak_rss_mib()
        worker.stop(kill=True)
        worker.start()
        while True:
            worker.check()
            try:
                if worker.province_active() == expected:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        seconds = time.monotonic() - worker.started
        peak = max(rss, worker.peak_rss_mib())
        results["restart"] = dict(participants=n, to_exact_s=round(seconds, 1), peak_rss_mib=round(peak))
        log(
            f"(c) SIGKILL with {n:,} participants of state: exact again {seconds:.1f} s after restart; peak RSS {peak:.0f} MiB"
        )
        worker.stop()
    finally:
        stack.close()


PHASES = {"throughput": phase_throughput, "depth": phase_depth, "latency": phase_latency, "restart": phase_restart}


def rate(f: dict) -> str:
    return f"{f['events_per_s']:,} events/s ({f['timed_events']:,} in {f['seconds']:.1f} s; {f['events_per_cpu_s']:,} per CPU-second)"


def times(r: dict) -> str:
    return f"{r['events_per_s']:.2f} (per CPU-second: {r['events_per_cpu_s']:.2f})"


def summary(results: dict) -> str:
    """The figures as a small table."""
    rows: list[tuple[str, str]] = []
    if "throughput" in results:
        t = results["throughput"]
        rows.append(
            (
                f"(a) worker, {t['events']:,} simulated events",
                rate(t["worker"]) + f", peak RSS {t['worker']['peak_rss_mib']} MiB",
            )
        )
        if "naive" in t:
            rows += [
                ("(a) naive Faust agent (table write per event)", rate(t["naive"])),
                ("(a) do-nothing Faust agent", rate(t["agent"])),
            ]
            rows += [
                ("(a) worker / do-nothing agent", times(t["worker_to_agent"])),
                ("(a) worker / naive agent", times(t["worker_to_naive"])),
            ]
    if "depth" in results:
        d = results["depth"]
        rows.append((f"(depth) loading {d['prior_events']:,} prior events", rate(d["load"])))
        rows += [
            (f"(depth) {depth} prior event{'s' * (depth > 1)}, one more each", rate(d[str(depth)])) for depth in DEPTHS
        ]
        rows += [(f"(depth) {depth} / 1", times(d[f"ratio_{depth}_to_1"])) for depth in DEPTHS[1:]]
        rows.append(("(depth) peak RSS", f"{d['peak_rss_mib']} MiB"))
    for label, f in results.get("latency", {}).items():
        at = f"{f['events_per_s']:,}/s" + (" (half the worker's throughput)" if label == "half" else "")
        rows.append(
            (
                f"(b) latency at {at}",
                f"p50 {f['p50_s']:.2f} s, p99 {f['p99_s']:.2f} s, peak RSS {f['peak_rss_mib']} MiB",
            )
        )
    if "restart" in results:
        r = results["restart"]
        rows.append(
            (
                f"(c) SIGKILL with {r['participants']:,} participants",
                f"exact again after {r['to_exact_s']:.1f} s, peak RSS {r['peak_rss_mib']} MiB",
            )
        )
    phases = ", ".join(f"{name} {seconds} s" for name, seconds in results["phase_seconds"].items())
    rows.append(
        (
            "wall time",
            f"{results['wall_seconds']:.0f} s ({phases}; load average {results['load_average']:.1f} before the run)",
        )
    )
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


def sized(name: str) -> str:
    shown = lambda value: f"{value:,}" if isinstance(value, int) else str(value)  # noqa: E731
    return f"(full: {shown(FULL[name])}; --quick: {shown(QUICK[name])})"


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="the small sizes below, for a check in minutes rather than the published figures",
    )
    parser.add_argument("--events", type=int, help=f"throughput: events of the simulated stream {sized('events')}")
    parser.add_argument(
        "--participants",
        type=int,
        help=f"throughput and latency: participants of the simulated stream {sized('participants')}",
    )
    parser.add_argument(
        "--depth-participants",
        type=int,
        help=f"depth: participants per depth, so final events timed per depth {sized('depth_participants')}",
    )
    parser.add_argument(
        "--latency-rates",
        help=f"latency: events/s, comma-separated; `half` is half the worker's throughput measured in this run {sized('latency_rates')}",
    )
    parser.add_argument(
        "--latency-seconds", type=float, help=f"latency: how long events arrive at each rate {sized('latency_seconds')}"
    )
    parser.add_argument(
        "--state-participants",
        type=int,
        help=f"restart: participants of state when the worker is killed {sized('state_participants')}",
    )
    parser.add_argument(
        "--only",
        default=",".join(PHASES),
        help="comma-separated phases to run; they run in this order whatever the order given: %(default)s",
    )
    parser.add_argument(
        "--skip-baseline", action="store_true", help="throughput: time the worker only, not the two Faust agents"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=49092,
        help="broker port of the scratch brokers; PORT+1 is also used (default: %(default)s)",
    )
    parser.add_argument(
        "--web-port",
        type=int,
        default=49066,
        help="the worker's web port; WEB_PORT+1 is the agents' (default: %(default)s)",
    )
    parser.add_argument("--output", help="also write every figure and ratio as JSON to this file")
    args = parser.parse_args()
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    unknown = set(args.only.split(",")) - set(PHASES)
    if unknown:
        parser.error(f"unknown phase(s) {', '.join(sorted(unknown))}; choose from {', '.join(PHASES)}")
    return args


def main() -> None:
    args = arguments()
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="ucj-bench-"))
    # the load average shows whether something else shared the machine
    results: dict = dict(
        cpu_count=os.cpu_count(),
        started=time.strftime("%Y-%m-%d %H:%M"),
        mode="quick" if args.quick else "full",
        load_average=os.getloadavg()[0],
        phase_seconds={},
    )
    try:
        for name, phase in PHASES.items():
            if name in args.only.split(","):
                log(f"phase {name}")
                phase_started = time.monotonic()
                phase(args, scratch, results)
                results["phase_seconds"][name] = round(time.monotonic() - phase_started)
    except BaseException as error:
        print(json.dumps(results, indent=2))
        log(f"logs kept in {scratch}")
        if isinstance(error, BenchError):
            sys.exit(f"bench failed: {error}")
        raise
    if not os.environ.get("UCJ_BENCH_KEEP"):
        shutil.rmtree(scratch, ignore_errors=True)
    results["wall_seconds"] = round(time.monotonic() - started)
    print(json.dumps(results, indent=2))
    if args.output:
        Path(args.output).write_text(json.dumps(results, indent=2) + "\n")
    print(summary(results))


if __name__ == "__main__":
    main()
