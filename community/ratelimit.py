"""Rate windows shared by every process: the `limits` package on the same Redis as the cache.

Without Redis (the embedded profile: one web process) the windows live in process memory. The storage
follows the cache's location, so each test worker's windows stay in its own Redis database.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter


@cache
def _limiter(location: str) -> SlidingWindowCounterRateLimiter:
    return SlidingWindowCounterRateLimiter(storage_from_string(location))


@cache
def _exact_limiter(location: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(storage_from_string(location))


def _storage_location() -> str:
    cache_config = settings.CACHES["default"]
    if cache_config["BACKEND"].endswith("RedisCache"):
        return cache_config["LOCATION"]
    return "memory://"


@dataclass(frozen=True)
class Window:
    allowed: bool
    retry_at: datetime | None


def window_hit(*, limit: str, key: str) -> Window:
    """Count one hit of `key` against `limit` ("3/day", "10/hour"). When the window is full nothing is
    counted and `retry_at` says when the next hit will fit."""
    item: RateLimitItem = parse(limit)
    limiter = _limiter(_storage_location())
    if limiter.hit(item, "community", key):
        return Window(allowed=True, retry_at=None)
    reset = limiter.get_window_stats(item, "community", key).reset_time
    return Window(allowed=False, retry_at=datetime.fromtimestamp(reset, tz=UTC))


def window_test(*, limit: str, key: str) -> bool:
    """Whether one more hit would fit, without counting it."""
    return _limiter(_storage_location()).test(parse(limit), "community", key)


def bucket_take(*, limit: str, key: str) -> Window:
    """Take one token from a shared bucket that no window of the limit's length may exceed, wherever it
    starts (a moving window: a log of the last `limit` hits in Redis). For the mail provider's send
    rate, where the approximate windows of `window_hit` could let a burst through at a boundary."""
    item: RateLimitItem = parse(limit)
    limiter = _exact_limiter(_storage_location())
    if limiter.hit(item, "community", key):
        return Window(allowed=True, retry_at=None)
    reset = limiter.get_window_stats(item, "community", key).reset_time
    return Window(allowed=False, retry_at=datetime.fromtimestamp(reset, tz=UTC))
