import random

import pytest

from faxgw.webhooks.backoff import DAY_S, BackoffPolicy


def test_default_gives_up_after_a_day():
    assert BackoffPolicy().give_up_after_s == DAY_S


def test_step_cap_grows_exponentially_then_stops_at_the_cap():
    policy = BackoffPolicy(base_s=1, factor=2, max_step_s=30)
    assert [policy.step_cap(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_huge_failure_counts_do_not_overflow():
    assert BackoffPolicy(max_step_s=600).step_cap(10_000) == 600


def test_delays_are_full_jitter_within_floor_and_cap():
    policy = BackoffPolicy(base_s=1, factor=2, max_step_s=30, min_step_s=0.1)
    rng = random.Random(7)
    for failures in range(1, 12):
        cap = policy.step_cap(failures)
        delays = [policy.delay(failures, rng) for _ in range(200)]
        assert all(0.1 <= d <= cap for d in delays)
        if cap >= 8:
            # Full jitter spreads over the whole range, not just near the cap.
            assert min(delays) < cap / 4 and max(delays) > cap * 3 / 4


def test_next_attempt_is_after_now_and_before_the_deadline():
    policy = BackoffPolicy(base_s=1, max_step_s=60, give_up_after_s=100)
    rng = random.Random(1)
    at = policy.next_attempt_at(failures=3, window_start=0, now=10, rng=rng)
    assert at is not None and 10 < at <= 10 + 4


def test_last_retry_lands_on_the_deadline_not_past_it():
    policy = BackoffPolicy(base_s=50, max_step_s=50, give_up_after_s=100, min_step_s=50)
    assert policy.next_attempt_at(failures=1, window_start=0, now=90) == 100


def test_gives_up_once_the_deadline_is_reached():
    policy = BackoffPolicy(give_up_after_s=100)
    assert policy.next_attempt_at(failures=9, window_start=0, now=100) is None
    assert policy.next_attempt_at(failures=9, window_start=0, now=250) is None


def test_zero_give_up_time_means_one_attempt_only():
    policy = BackoffPolicy(give_up_after_s=0)
    assert policy.next_attempt_at(failures=1, window_start=5, now=5) is None


@pytest.mark.parametrize(
    "kwargs",
    [dict(min_step_s=0), dict(base_s=5, max_step_s=1), dict(factor=0.5), dict(give_up_after_s=-1)],
)
def test_nonsense_settings_are_refused(kwargs):
    with pytest.raises(ValueError):
        BackoffPolicy(**kwargs)
