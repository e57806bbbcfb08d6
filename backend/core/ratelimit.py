"""Per-key request rate limits (sliding one-minute window), answered with 429 and ``Retry-After``.

In-process on purpose: each backend process counts for itself, so N processes allow up to N times the
limit (docs/security.md says so). That bounds abuse without a shared store.
"""

import math
import time
from collections import deque
from collections.abc import Callable

from litestar.exceptions import TooManyRequestsException

WINDOW_S = 60.0
_MAX_KEYS = 100_000  # forget the oldest keys beyond this, so a flood of distinct keys cannot grow memory


class RateLimiter:
    """Counts hits per key; refuses once ``limit`` hits fell inside the last ``WINDOW_S`` seconds."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._now = now

    def retry_after(self, key: str, limit: int) -> float | None:
        """Record a hit; None when allowed, else the seconds until one more hit would be."""
        now = self._now()
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= _MAX_KEYS:
                self._hits.pop(next(iter(self._hits)))
            hits = self._hits[key] = deque()
        while hits and hits[0] <= now - WINDOW_S:
            hits.popleft()
        if len(hits) >= limit:
            return hits[0] + WINDOW_S - now
        hits.append(now)
        return None

    def check(self, key: str, limit: int, what: str) -> None:
        """Raise 429 with ``Retry-After`` when ``key`` is over ``limit`` per minute."""
        wait = self.retry_after(key, limit)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequestsException(
                detail=f"Too many {what}: the limit is {limit} per minute. Try again in {seconds} s.",
                headers={"Retry-After": str(seconds)},
                extra={"limitPerMinute": limit, "retryAfterS": seconds},
            )
