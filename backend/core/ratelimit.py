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

    def blocked_for(self, key: str, limit: int) -> float | None:
        """None while ``key`` has had fewer than ``limit`` hits in the window, else the seconds until it may."""
        now = self._now()
        hits = self._hits.get(key)
        if hits is None:
            return None
        while hits and hits[0] <= now - WINDOW_S:
            hits.popleft()
        return hits[0] + WINDOW_S - now if len(hits) >= limit else None

    def record(self, key: str) -> None:
        hits = self._hits.get(key)
        if hits is None:
            if len(self._hits) >= _MAX_KEYS:
                self._hits.pop(next(iter(self._hits)))
            hits = self._hits[key] = deque()
        hits.append(self._now())

    def check(self, key: str, limit: int, what: str) -> None:
        """Count a hit; raise 429 with ``Retry-After`` when ``key`` is over ``limit`` per minute."""
        self.refuse_if_blocked(key, limit, what)
        self.record(key)

    def refuse_if_blocked(self, key: str, limit: int, what: str) -> None:
        """Raise 429 with ``Retry-After`` when ``key`` is over ``limit`` per minute, without counting a hit."""
        wait = self.blocked_for(key, limit)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequestsException(
                detail=f"Too many {what}: the limit is {limit} per minute. Try again in {seconds} s.",
                headers={"Retry-After": str(seconds)},
                extra={"limitPerMinute": limit, "retryAfterS": seconds},
            )
