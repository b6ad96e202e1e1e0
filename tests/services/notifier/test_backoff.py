from datetime import datetime, timedelta, timezone

import pytest

from services.notifier.backoff import RetryPolicy

T0 = datetime(2026, 6, 30, 1, 0, tzinfo=timezone.utc)


def no_jitter():
    return 0.0


def test_delays_double_up_to_the_cap():
    policy = RetryPolicy(initial_seconds=5, max_seconds=900)
    assert [policy.delay(n, no_jitter) for n in range(1, 10)] == [5, 10, 20, 40, 80, 160, 320, 640, 900]
    assert policy.delay(10_000, no_jitter) == 900  # no overflow after a long outage


def test_jitter_only_shortens_a_delay_within_its_fraction():
    policy = RetryPolicy(initial_seconds=10, max_seconds=100, jitter=0.2)
    assert policy.delay(1, lambda: 0.0) == 10
    assert policy.delay(1, lambda: 0.999999) == pytest.approx(8, abs=1e-3)
    delays = {policy.delay(3) for _ in range(50)}
    assert all(32 <= d <= 40 for d in delays) and len(delays) > 1


def test_next_attempt_and_giving_up():
    policy = RetryPolicy(initial_seconds=5, max_seconds=900, give_up_seconds=3600)
    assert policy.next_attempt(attempts=1, created_at=T0, failed_at=T0, random=no_jitter) == T0 + timedelta(seconds=5)
    assert policy.next_attempt(
        attempts=3, created_at=T0, failed_at=T0 + timedelta(seconds=60), random=no_jitter
    ) == T0 + timedelta(seconds=80)
    # the last try is at the give-up age, not after it
    late = T0 + timedelta(seconds=3500)
    assert policy.next_attempt(attempts=12, created_at=T0, failed_at=late, random=no_jitter) == T0 + timedelta(
        seconds=3600
    )
    # a failure at or past the give-up age gives up
    assert policy.next_attempt(attempts=13, created_at=T0, failed_at=T0 + timedelta(seconds=3600)) is None


@pytest.mark.parametrize(
    "options",
    [dict(initial_seconds=0), dict(initial_seconds=10, max_seconds=5), dict(give_up_seconds=0), dict(jitter=1)],
)
def test_rejects_nonsense(options):
    with pytest.raises(ValueError):
        RetryPolicy(**options)
