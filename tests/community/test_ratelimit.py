"""The shared rate windows on Redis: the approximate window for members' limits, and the exact moving
window for the mail provider's send rate."""

import time_machine

from community.ratelimit import bucket_take, window_hit


def test_the_send_bucket_never_lets_more_than_the_limit_into_any_second(db):
    with time_machine.travel(1_800_000_000.0, tick=False) as clock:
        taken = [bucket_take(limit="5/second", key="test:exact").allowed for _ in range(7)]
        assert taken == [True] * 5 + [False] * 2
        clock.shift(0.5)  # half a second later the window still holds all five
        assert not bucket_take(limit="5/second", key="test:exact").allowed
        clock.shift(0.51)
        assert bucket_take(limit="5/second", key="test:exact").allowed


def test_a_full_bucket_says_when_the_next_token_is_free(db):
    with time_machine.travel(1_800_000_000.0, tick=False):
        for _ in range(2):
            bucket_take(limit="2/second", key="test:retry")
        refused = bucket_take(limit="2/second", key="test:retry")
    assert not refused.allowed
    assert refused.retry_at is not None
    assert refused.retry_at.timestamp() == 1_800_000_001.0


def test_member_windows_count_and_refuse(db):
    results = [window_hit(limit="2/minute", key="test:member").allowed for _ in range(3)]
    assert results == [True, True, False]


def test_while_redis_is_down_member_windows_let_requests_through_and_the_send_bucket_refuses(db, settings):
    from community.ratelimit import window_test
    from tests.reliability.processes import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": dead}}

    assert window_hit(limit="1/minute", key="test:down").allowed
    assert window_hit(limit="1/minute", key="test:down").allowed
    assert window_test(limit="1/minute", key="test:down")
    assert not bucket_take(limit="100/second", key="test:down").allowed


def test_while_redis_is_down_the_cache_misses_instead_of_failing(db, settings):
    from django.core.cache import cache

    from community.redis_outage import redis_paused
    from tests.reliability.processes import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": dead}}

    cache.set("greeting", "hello")
    assert cache.get("greeting", "missing") == "missing"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("lock", 1) is False
    assert redis_paused()  # the next calls skip Redis for a few seconds instead of timing out
