"""A real Celery worker process, against the test Redis and the test database."""

import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from members.models import Member
from members.tasks import purge_unverified_signups
from tests.factories import MemberFactory


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


@pytest.fixture
def worker_queue(transactional_db):
    if connection.vendor != "postgresql":
        pytest.fail("the worker test runs on the real PostgreSQL that make test starts")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    celery = Path(sys.executable).with_name("celery")
    process = subprocess.Popen(
        [
            str(celery),
            "-A",
            "community",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
        ],
        cwd=settings.BASE_DIR,
        env={**os.environ, "DATABASE_URL": database_url(), "CELERY_BROKER_URL": settings.CELERY_BROKER_URL},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield queue
    process.terminate()
    try:
        output, _ = process.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
    assert "purge_unverified_signups" in output, output


def test_a_task_sent_to_a_real_worker_changes_the_database(worker_queue):
    stale = MemberFactory(verified=False, date_joined=timezone.now() - timedelta(days=30))
    kept = MemberFactory()

    purge_unverified_signups.apply_async(queue=worker_queue)

    deadline = time.monotonic() + 60
    while Member.objects.filter(pk=stale.pk).exists():
        assert time.monotonic() < deadline, "the worker did not run the task within 60 s"
        time.sleep(0.2)
    assert Member.objects.filter(pk=kept.pk).exists()
