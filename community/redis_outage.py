"""Keeping the site up while Redis is down.

Redis holds the cache, the cached half of sessions, the rate windows and the Celery broker. None of it
is the record of anything (PostgreSQL is), so an outage must cost members nothing but speed: the cache
misses, sessions are read from the database, members' rate windows let requests through, the global
send bucket refuses (email waits in its table), and after-commit kicks fail fast (the relay covers them).

A failed call opens a short circuit for this process, so a page does not pay a connection timeout for
every cache call while Redis is away.
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
PAUSE_SECONDS = 5.0
# a dead Redis is noticed in half a second; a busy one gets two seconds before we call it down
SOCKET_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 2.0}

_down_until = 0.0


def redis_paused() -> bool:
    """Whether a recent failure says not to try Redis yet."""
    return time.monotonic() < _down_until


def redis_failed(error: BaseException) -> None:
    global _down_until
    if not redis_paused():
        logger.warning("community.redis.down pause=%ss error=%s", PAUSE_SECONDS, error)
    _down_until = time.monotonic() + PAUSE_SECONDS


def redis_recovered() -> None:
    global _down_until
    _down_until = 0.0


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, where an outage reads as a miss and writes are dropped."""

    def _guard(self, call, fallback):
        if redis_paused():
            return fallback
        try:
            return call()
        except REDIS_DOWN as error:
            redis_failed(error)
            return fallback

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False)

    def get(self, key, default=None, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).delete(key, version), False)

    def get_many(self, keys, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), [])

    def delete_many(self, keys, version=None):
        self._guard(lambda: super(ResilientRedisCache, self).delete_many(keys, version), None)
