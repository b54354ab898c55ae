"""Rate windows shared by every process: the `limits` package on the same Redis as the cache.

Without Redis (the embedded profile: one web process) the windows live in process memory. The storage
follows the cache's location, so each test worker's windows stay in its own Redis database.

While Redis is down, members' windows let requests through (a limit must not take the site down with
it) and the send bucket refuses (email waits in its table until Redis is back).
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache

from django.conf import settings
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter, SlidingWindowCounterRateLimiter

from community.redis_outage import REDIS_DOWN, SOCKET_OPTIONS, redis_failed, redis_paused

UNAVAILABLE = (*REDIS_DOWN, StorageError)


@cache
def _limiter(location: str) -> SlidingWindowCounterRateLimiter:
    return SlidingWindowCounterRateLimiter(_storage(location))


@cache
def _exact_limiter(location: str) -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(_storage(location))


def _storage(location: str):
    if location.startswith(("redis://", "rediss://")):
        return storage_from_string(location, **SOCKET_OPTIONS)
    return storage_from_string(location)


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
    if redis_paused():
        return Window(allowed=True, retry_at=None)
    try:
        if limiter.hit(item, "community", key):
            return Window(allowed=True, retry_at=None)
        reset = limiter.get_window_stats(item, "community", key).reset_time
    except UNAVAILABLE as error:
        redis_failed(error)
        return Window(allowed=True, retry_at=None)
    return Window(allowed=False, retry_at=datetime.fromtimestamp(reset, tz=UTC))


def window_test(*, limit: str, key: str) -> bool:
    """Whether one more hit would fit, without counting it."""
    if redis_paused():
        return True
    try:
        return _limiter(_storage_location()).test(parse(limit), "community", key)
    except UNAVAILABLE as error:
        redis_failed(error)
        return True


def bucket_take(*, limit: str | RateLimitItem, key: str) -> Window:
    """Take one token from a shared bucket that no window of the limit's length may exceed, wherever it
    starts (a moving window: a log of the last `limit` hits in Redis). For the mail provider's send
    rate, where the approximate windows of `window_hit` could let a burst through at a boundary."""
    item: RateLimitItem = parse(limit) if isinstance(limit, str) else limit
    limiter = _exact_limiter(_storage_location())
    try:
        if limiter.hit(item, "community", key):
            return Window(allowed=True, retry_at=None)
        reset = limiter.get_window_stats(item, "community", key).reset_time
    except UNAVAILABLE as error:
        redis_failed(error)
        return Window(allowed=False, retry_at=None)
    return Window(allowed=False, retry_at=datetime.fromtimestamp(reset, tz=UTC))
