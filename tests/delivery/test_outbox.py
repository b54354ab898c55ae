import json
import time
from datetime import timedelta

import redis
import time_machine
from django.utils import timezone

from content.delivery import outbox as outbox_module
from content.delivery.models import Outbox
from content.delivery.outbox import outbox_relay
from content.services.posts import post_publish

real_kick = outbox_module.outbox_kick
CLOSED_PORT = "redis://127.0.0.1:1/0"


def test_publishing_asks_for_planning_only_after_the_commit(
    space, author, kicks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post = post_publish(author=author, space=space, title="Hello", body="Body text.")
    row = Outbox.objects.get(kind="post.published", object_id=post.pk)
    assert kicks == []
    for callback in callbacks:
        callback()
    assert kicks == [row.pk]


def test_publishing_succeeds_quickly_when_the_broker_is_down(
    space, author, monkeypatch, settings, django_capture_on_commit_callbacks, caplog
):
    monkeypatch.setattr("content.delivery.outbox.outbox_kick", real_kick)
    settings.CELERY_BROKER_URL = CLOSED_PORT
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        post = post_publish(author=author, space=space, title="Still works", body="Broker or not.")
    assert time.monotonic() - started < 1  # no retry loop: one refused connection
    assert Outbox.objects.get(kind="post.published", object_id=post.pk).planned_at is None
    assert "content.delivery.kick_failed" in caplog.text


def test_the_kick_publishes_the_planning_task_with_the_outbox_id(db, settings):
    url = settings.CACHES["default"]["LOCATION"]
    settings.CELERY_BROKER_URL = url
    client = redis.Redis.from_url(url)
    client.delete("celery")
    try:
        assert real_kick(outbox_id=41) is True
        message = json.loads(client.lpop("celery"))
        assert message["headers"]["task"] == "content.plan_deliveries"
        assert message["headers"]["argsrepr"] == "[41]"
    finally:
        client.delete("celery")


def test_the_relay_resends_rows_left_unplanned_for_a_minute(publish, kicks):
    post = publish()
    row = Outbox.objects.get(kind="post.published", object_id=post.pk)
    assert outbox_relay() == 0
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert outbox_relay() == 1
    assert kicks == [row.pk]


def test_a_planned_row_is_not_relayed(publish, kicks):
    post = publish()
    Outbox.objects.filter(object_id=post.pk).update(planned_at=timezone.now())
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert outbox_relay() == 0
