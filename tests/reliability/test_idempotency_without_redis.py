"""R2 x R6: a retried API POST with an `Idempotency-Key` creates one thing while Redis is really stopped
(a private redis-server of the test's own, killed), and when Redis stops or returns between the first
request and its retry. Events and complaints have nothing else in the database that tells a retry from
a new request, so the key's record must be in PostgreSQL (community.models.IdempotencyRecord)."""

import threading
import time

import pytest
from django.db import connection

from community.models import IdempotencyRecord
from community.redis_outage import redis_paused
from content.models import Event, Post
from moderation.models import Complaint
from tests.api.helpers import JsonClient, error_of
from tests.factories import MemberFactory, SpaceFactory
from tests.reliability.processes import RedisServer

CREATES = {
    # kind: (path of the space "garden", body, model counted)
    "post": ("/api/v1/spaces/garden/posts/", {"title": "Seeds", "body": "Who has tomato seeds?"}, Post),
    "event": (
        "/api/v1/spaces/garden/events/",
        {
            "title": "Planting day",
            "description": "Bring gloves.",
            "starts_at": "2031-05-01T10:00:00+08:00",
            "ends_at": "2031-05-01T14:00:00+08:00",
            "timezone": "Asia/Shanghai",
        },
        Event,
    ),
    "complaint": (
        "/api/v1/moderation/complaints/",
        {"topic": "service", "subject": "Slow", "body": "The feed is slow today."},
        Complaint,
    ),
}
# Redis is stopped for every request of a test; the slowest may not pay a connection timeout
SLOWEST_SECONDS = 3.0


@pytest.fixture
def redis_server(settings):
    """The cache, sessions' cached half, rate windows and the broker on a private redis-server."""
    server = RedisServer()
    server.start()
    settings.CELERY_BROKER_URL = server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    yield server
    server.stop()


@pytest.fixture
def space(db):
    return SpaceFactory(slug="garden", name="Garden")


def api_client(member) -> JsonClient:
    client = JsonClient()
    client.force_login(member)
    return client


def timed_post(client, path, body, key):
    started = time.monotonic()
    response = client.post(path, body, headers={"Idempotency-Key": key})
    return response, time.monotonic() - started


@pytest.mark.parametrize("redis", ["stopped", "running"])
@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_retried_api_create_makes_one_object_whether_redis_runs_or_not(
    redis_server, space, member, kind, redis
):
    path, body, model = CREATES[kind]
    client = api_client(member)
    if redis == "stopped":
        redis_server.stop()
    first, first_took = timed_post(client, path, body, f"retry-{kind}")
    second, second_took = timed_post(client, path, body, f"retry-{kind}")
    assert first.status_code == 201, first.content
    assert second.status_code == 201, second.content
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert model.objects.count() == 1
    assert IdempotencyRecord.objects.filter(member=member, scope="api").count() == 1
    assert redis_paused() is (redis == "stopped")  # the requests really met a dead Redis
    assert max(first_took, second_took) < SLOWEST_SECONDS


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_create_answered_before_redis_stopped_is_replayed_during_the_outage(
    redis_server, space, member, kind
):
    """The case the cache lost: the answer was lost, and by the time the client retries Redis is gone."""
    path, body, model = CREATES[kind]
    client = api_client(member)
    first = client.post(path, body, headers={"Idempotency-Key": f"before-{kind}"})
    redis_server.stop()
    second = client.post(path, body, headers={"Idempotency-Key": f"before-{kind}"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert model.objects.count() == 1


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_create_made_during_the_outage_is_replayed_after_redis_returns(redis_server, space, member, kind):
    path, body, model = CREATES[kind]
    client = api_client(member)
    redis_server.stop()
    first = client.post(path, body, headers={"Idempotency-Key": f"during-{kind}"})
    redis_server.start()
    from community.redis_outage import redis_recovered

    redis_recovered()  # as the circuit would after its few seconds
    second = client.post(path, body, headers={"Idempotency-Key": f"during-{kind}"})
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert model.objects.count() == 1
    assert not redis_paused()


def test_with_redis_stopped_the_same_key_for_another_request_is_still_a_422(redis_server, space, member):
    client = api_client(member)
    redis_server.stop()
    path = "/api/v1/spaces/garden/events/"
    body = CREATES["event"][1]
    assert client.post(path, body, headers={"Idempotency-Key": "k"}).status_code == 201
    other = client.post(path, body | {"title": "Weeding day"}, headers={"Idempotency-Key": "k"})
    assert other.status_code == 422
    assert error_of(other)["code"] == "idempotency_key_reused"
    assert Event.objects.count() == 1


def test_with_redis_stopped_a_malformed_key_is_still_a_400(redis_server, space, member):
    redis_server.stop()
    response = api_client(member).post(
        "/api/v1/moderation/complaints/", CREATES["complaint"][1], headers={"Idempotency-Key": "has space"}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "idempotency_key_invalid"
    assert not Complaint.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["event", "complaint"])
def test_with_redis_stopped_two_identical_requests_at_the_same_moment_create_one_object(redis_server, kind):
    """The advisory lock lives in PostgreSQL: it orders the two while Redis is away."""
    SpaceFactory(slug="garden", name="Garden")
    member = MemberFactory()
    path, body, model = CREATES[kind]
    clients = [api_client(member), api_client(member)]
    redis_server.stop()
    barrier = threading.Barrier(2)
    responses: list = [None, None]
    errors: list = []

    def send(index):
        try:
            barrier.wait(timeout=10)
            responses[index] = clients[index].post(path, body, headers={"Idempotency-Key": "same-moment"})
        except BaseException as error:  # reported in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert sorted(r.headers.get("Idempotent-Replayed", "") for r in responses) == ["", "true"]
    assert model.objects.count() == 1
