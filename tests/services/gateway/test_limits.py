"""Token buckets give their burst then their rate; unknown keys are remembered briefly, by digest."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.gateway.limits import Buckets, Limits, UnknownKeys, retry_after
from services.gateway.settings import MAX_EVENTS, GatewaySettings


def test_an_unknown_key_is_remembered_until_its_time_is_up():
    unknown = UnknownKeys(seconds=10)
    unknown.remember("wrong", now=100.0)
    assert unknown.known_unknown("wrong", now=109.9) and not unknown.known_unknown("other", now=100.0)
    assert not unknown.known_unknown("wrong", now=110.0) and len(unknown) == 0


def test_only_the_newest_are_kept_and_no_key_is_stored_as_it_was_sent():
    unknown = UnknownKeys(seconds=10, kept=3)
    for n in range(5):
        unknown.remember(f"key-{n}", now=0.0)
    assert len(unknown) == 3
    assert [unknown.known_unknown(f"key-{n}", now=1.0) for n in range(5)] == [False, False, True, True, True]
    assert all("key-" not in digest for digest in unknown._until)


# -- token buckets


def test_a_bucket_gives_its_burst_then_its_rate_and_says_how_long_to_wait():
    buckets = Buckets(rate=2.0, burst=3)
    assert [buckets.take("k", 1, now=0.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k", 1, now=0.0) == pytest.approx(0.5)
    assert buckets.take("k", 1, now=0.5) == 0.0  # refilled one token
    assert buckets.take("other", 3, now=0.5) == 0.0  # each name its own bucket


@given(
    rate=st.floats(0.1, 1000),
    burst=st.integers(1, 100),
    takes=st.lists(st.tuples(st.floats(0, 10), st.integers(1, 100)), max_size=40),
)
def test_no_one_gets_more_than_the_burst_plus_the_rate_over_time(rate, burst, takes):
    buckets, now, granted = Buckets(rate=rate, burst=burst), 0.0, 0
    for step, amount in takes:
        now += step
        if buckets.take("k", amount, now) == 0.0:
            granted += amount
    assert granted <= burst + rate * now + 1e-6


def test_retry_after_is_whole_seconds_and_at_least_one():
    assert (retry_after(0.01), retry_after(1.0), retry_after(1.2)) == ("1", "1", "2")


def test_limits_that_cannot_work_are_refused_in_one_sentence():
    assert Limits().problem(MAX_EVENTS) is None
    assert "at least 5,000" in Limits(event_burst=100).problem(MAX_EVENTS)
    with pytest.raises(SystemExit, match="UCJ_GATEWAY_REQUESTS_PER_SECOND must be a number"):
        GatewaySettings.from_env({"UCJ_GATEWAY_REQUESTS_PER_SECOND": "fast"})
    with pytest.raises(SystemExit, match="limits do not work: every rate limit must be above 0"):
        GatewaySettings.from_env({}, limits={"events_per_second": 0})


def test_flags_win_over_the_environment():
    settings = GatewaySettings.from_env(
        {"UCJ_GATEWAY_REQUEST_BURST": "7", "UCJ_GATEWAY_EVENTS_PER_SECOND": "50"}, limits={"request_burst": 9}
    )
    assert (settings.limits.request_burst, settings.limits.events_per_second) == (9, 50.0)
