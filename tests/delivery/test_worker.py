"""The whole chain with a real Celery worker: publish, after-commit kick, planning, dispatching."""

import os
import subprocess
import time
from datetime import UTC, datetime

import pytest
from django.db import connection

from bench.launchers import celery_worker_command
from content.delivery import outbox as outbox_module
from content.delivery.models import Delivery
from content.models import InboxItem
from content.services.posts import post_publish
from tests.delivery.conftest import join
from tests.delivery.test_outbox import real_kick


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _midday_zone() -> str:
    """A fixed-offset zone where it is about noon now, so quiet hours never hold the email back."""
    offset = 12 - datetime.now(tz=UTC).hour
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"


@pytest.fixture
def worker(transactional_db, settings):
    broker = settings.CACHES["default"]["LOCATION"]  # this test run's own Redis database
    settings.CELERY_BROKER_URL = broker
    process = subprocess.Popen(
        celery_worker_command(),
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DATABASE_URL": _database_url(),
            "CELERY_BROKER_URL": broker,
            "REDIS_URL": broker,
            "EMAIL_URL": "consolemail://",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    assert "content.plan_deliveries" in output, output


def test_a_published_post_reaches_a_member_by_inbox_and_email_through_a_real_worker(
    worker, space, author, monkeypatch
):
    monkeypatch.setattr(outbox_module, "outbox_kick", real_kick)
    reader = join(space, "all", timezone=_midday_zone())

    post_publish(author=author, space=space, title="Through the worker", body="End to end.")

    deadline = time.monotonic() + 60
    while not Delivery.objects.filter(recipient=reader, channel="email", status="sent").exists():
        assert time.monotonic() < deadline, "the email was not sent within 60 s"
        time.sleep(0.2)
    assert InboxItem.objects.filter(recipient=reader, kind="post.new").count() == 1
