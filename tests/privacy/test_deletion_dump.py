"""LEGAL L9, tested as LEGAL.md says: plant an email address and an IP for a member, delete the account,
run the job: they survive only in categories with a legal floor (the access log, the record of a
deleted post); travel past the floor, run retention: a full dump of the database contains neither."""

import os
import subprocess
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from content.models import Post
from privacy.access_log import access_log_flush
from privacy.deletion import deletion_request
from privacy.tasks import apply_retention, complete_deletions
from tests.factories import PASSWORD, MemberFactory, PostFactory, SpaceFactory
from tests.privacy.conftest import privacy_seed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.legal("L9")]

PG_DUMP = "/usr/lib/postgresql/15/bin/pg_dump"
EMAIL = "plant.l9-4e1c@example.org"
IP = "203.0.113.77"


@pytest.fixture(autouse=True)
def _registered(settings, tmp_path):
    from moderation.privacy import register

    register()
    privacy_seed()
    settings.MEDIA_ROOT = tmp_path / "media"


def database_dump() -> str:
    """pg_dump of the test database (schema and data), through the test run's own connection settings;
    a separate connection, so the test must commit what it wrote (transaction=True)."""
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db["PASSWORD"] or ""}
    command = [PG_DUMP, "--no-owner", "-h", db["HOST"] or "localhost", "-p", str(db["PORT"] or 5432)]
    command += ["-U", db["USER"], db["NAME"]]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=True, timeout=120)
    return result.stdout


def tables_holding(dump: str, needle: str) -> set[str]:
    """The tables whose COPY data contains the needle."""
    tables, current = set(), None
    for line in dump.splitlines():
        if line.startswith("COPY "):
            current = line.split()[1]
        elif line == "\\.":
            current = None
        elif current and needle in line:
            tables.add(current)
    return tables


def test_a_deleted_members_email_and_ip_survive_only_under_a_legal_floor_and_then_not_at_all():
    member = MemberFactory(email=EMAIL, display_name="Plant Member")
    space = SpaceFactory()
    PostFactory(space=space, author=member, title="Hello", body="A post that stays")
    # A post the member deleted: the law keeps a record of it (with where it came from) 60 days at least.
    record = PostFactory(space=space, author=member, title="Gone", body=f"Write to {EMAIL}, I am at {IP}")
    Post.objects.filter(pk=record.pk).update(deleted_at=timezone.now())

    # The member signs in and reads a page from the planted address: the access log (floor 6 months).
    client = Client()
    client.post("/accounts/login/", {"login": EMAIL, "password": PASSWORD}, REMOTE_ADDR=IP)
    client.get("/privacy/", REMOTE_ADDR=IP)
    assert access_log_flush() == 3  # the sign-in, the login request itself, the page

    before = database_dump()
    assert tables_holding(before, EMAIL) >= {"public.members_member", "public.account_emailaddress"}

    deletion_request(member=member, password=PASSWORD)
    with time_machine.travel(timezone.now() + timedelta(days=7, minutes=1), tick=True):
        assert complete_deletions.run() == 1
        after_job = database_dump()
    assert tables_holding(after_job, EMAIL) == {"public.content_post"}
    holding_ip = tables_holding(after_job, IP)
    assert "public.content_post" in holding_ip
    assert {t for t in holding_ip if t != "public.content_post"}, "the access log keeps the IP"
    assert all(t == "public.content_post" or t.startswith("public.privacy_accesslog") for t in holding_ip)
    assert "Plant Member" not in after_job

    # Past the floors (60 and 183 days) but not the keep-periods (190 days): a closed account's records
    # go at the floor.
    with time_machine.travel(timezone.now() + timedelta(days=185), tick=True):
        apply_retention.run()
        after_floor = database_dump()
    assert EMAIL not in after_floor
    assert IP not in after_floor
    # The post that was not deleted is still there, by the tombstone.
    assert Post.objects.filter(title="Hello", author_id=member.pk).exists()
