"""The sliding one-minute window of the rate limiter, on a clock the test moves."""

import pytest
from litestar.exceptions import TooManyRequestsException

from backend.core.ratelimit import WINDOW_S, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_window_slides_and_retry_after_says_when_the_oldest_hit_leaves_it() -> None:
    clock = Clock()
    limiter = RateLimiter(now=clock)
    limiter.check("k", 2, "things")
    clock.now += 20
    limiter.check("k", 2, "things")
    with pytest.raises(TooManyRequestsException) as refused:
        limiter.check("k", 2, "things")
    assert refused.value.headers == {"Retry-After": str(int(WINDOW_S - 20))}
    limiter.check("other", 2, "things")  # keys are counted apart
    clock.now += WINDOW_S - 20  # the first hit leaves the window
    limiter.check("k", 2, "things")


def test_refusing_does_not_count_and_recording_does() -> None:
    limiter = RateLimiter(now=Clock())
    limiter.refuse_if_blocked("k", 1, "things")
    limiter.refuse_if_blocked("k", 1, "things")  # looking twice counted nothing
    limiter.record("k")
    with pytest.raises(TooManyRequestsException):
        limiter.refuse_if_blocked("k", 1, "things")
