import os
import time

import pytest

from bench.harness import BenchError, follow
from bench.pipeline import DEPTHS, figures, quantile, ratio, summary


def readings(*values):
    values = iter(values)
    return lambda: next(values)


def test_follow_counts_only_what_was_processed_after_the_first_sign_of_progress():
    timing = follow(readings(0, 0, 400, 700, 1000), 1000, os.getpid(), lambda: None, poll=0.01)
    assert timing.events == 600
    assert timing.start.done == 400 and timing.end.done == 1000
    assert 0.01 <= timing.seconds < 1


def test_follow_from_a_known_start_counts_everything():
    started = time.monotonic()
    timing = follow(readings(0, 500, 1000), 1000, os.getpid(), lambda: None, started=started, poll=0.01)
    assert timing.events == 1000 and timing.start.at == started


def test_nothing_is_timed_when_everything_was_done_at_the_first_look():
    timing = follow(readings(1000), 1000, os.getpid(), lambda: None, poll=0.01)
    assert timing.events == 0
    with pytest.raises(BenchError, match="too few to time"):
        figures(timing)


def test_follow_stops_when_the_consumer_fails():
    def check():
        raise BenchError("the worker exited")

    with pytest.raises(BenchError, match="exited"):
        follow(readings(0), 10, os.getpid(), check)


def test_ratio_of_both_figures():
    worker = dict(events_per_s=3000, events_per_cpu_s=4000)
    agent = dict(events_per_s=2000, events_per_cpu_s=1000)
    assert ratio(worker, agent) == dict(events_per_s=1.5, events_per_cpu_s=4.0)


def test_quantile_interpolates_within_the_bucket_like_promql():
    buckets = [(0.1, 50.0), (0.5, 90.0), (1.0, 100.0), (float("inf"), 100.0)]
    assert quantile(buckets, 0.5) == pytest.approx(0.1)
    assert quantile(buckets, 0.7) == pytest.approx(0.3)
    assert quantile(buckets, 0.99) == pytest.approx(0.95)


def test_summary_has_a_row_for_every_figure():
    f = dict(
        events_per_s=1000,
        timed_events=900,
        seconds=0.9,
        cpu_seconds=0.5,
        events_per_cpu_s=1800,
        machine_cpu_seconds=1.0,
    )
    r = dict(events_per_s=1.0, events_per_cpu_s=1.0)
    results = dict(
        throughput=dict(
            events=1000,
            participants=300,
            worker=f | dict(peak_rss_mib=100),
            naive=f,
            agent=f,
            worker_to_naive=r,
            worker_to_agent=r,
        ),
        depth=dict(
            prior_events=133, load=f, peak_rss_mib=90, **{str(d): f for d in DEPTHS}, ratio_12_to_1=r, ratio_120_to_1=r
        ),
        latency=dict(half=dict(events_per_s=500, seconds=15, p50_s=0.1, p99_s=0.2, peak_rss_mib=80)),
        restart=dict(participants=50, to_exact_s=3.0, peak_rss_mib=70),
        phase_seconds=dict(throughput=1, depth=2, latency=3, restart=4),
        wall_seconds=10,
        load_average=0.5,
    )
    table = summary(results).splitlines()
    assert len(table) == 5 + 7 + 1 + 1 + 1
    assert table[3].split()[-4:] == ["1.00", "(per", "CPU-second:", "1.00)"]
    assert "half the worker's throughput" in table[12]
