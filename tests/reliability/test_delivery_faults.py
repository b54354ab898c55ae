"""The delivery engine under real faults (DESIGN.md, "How a post travels"): a worker killed with
`kill -9` in the middle of planning a post's fan-out to 2,000 members and in the middle of sending it
(R1), Redis stopped while members post, comment and RSVP (R2; both at 5,000 members under
`make soak`), and two workers sharing one global send rate. Real PostgreSQL, real Redis servers, real
Celery workers; mail written to a folder."""

import os
import re
import time
import uuid
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.conf import settings
from django.urls import reverse

from content.delivery.models import Delivery, Outbox
from content.delivery.outbox import task_kick
from content.delivery.planner import deliveries_plan
from content.models import RSVP, InboxItem, Post, RSVPStatus
from content.services.posts import post_publish
from content.tasks import dispatch_email, relay_outbox
from tests.factories import EventFactory, MemberFactory, MembershipFactory, SpaceFactory
from tests.reliability.processes import (
    RedisServer,
    Worker,
    bulk_members,
    midday_zone,
    read_mail,
    wait_until,
)

pytestmark = pytest.mark.django_db(transaction=True)

CLOCK_READ = timedelta(milliseconds=5)
# Issue 9 asks R1 and R2 for a post's fan-out to 5,000 members. On the shared 2-core machine (load 9-11)
# that took R1 106 s (2,000: 17 s) and R2 328 s (3 readers: 7 s), seven minutes more than `make test`
# can spend: the 5,000 variants are marked `soak` and run by `make soak` (SOAK=1 pytest -m soak).
SOAK = os.environ.get("SOAK") == "1"
AT_5000 = pytest.param(
    5000,
    marks=[pytest.mark.soak, pytest.mark.skipif(not SOAK, reason="5,000 members: run by make soak")],
    id="5000",
)
# R2: "no request waits on the broker more than a second" (each kick: content.delivery.outbox.task_kick)
BROKER_WAIT_SECONDS = 1.0


@pytest.fixture
def mail_dir():
    path = settings.BASE_DIR / "var" / "faults" / uuid.uuid4().hex[:12] / "mail"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def broker(redis_server, settings):
    """Everything Redis does for this test (broker, cache, rate windows) on the private server."""
    settings.CELERY_BROKER_URL = redis_server.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_server.url}}
    return redis_server


def _beat(task, *, times=1):
    """What celery beat would do: publish the periodic task (the test stands in for beat). Through
    task_kick, which connects to settings.CELERY_BROKER_URL now: the Celery app may already hold a
    connection to the test run's own broker from an earlier test."""
    for _ in range(times):
        task_kick(task)


def _sent(**filters) -> int:
    return Delivery.objects.filter(channel="email", status="sent", **filters).count()


@pytest.mark.parametrize("members", [pytest.param(2000, id="2000"), AT_5000])
def test_a_worker_killed_during_dispatch_to_thousands_of_members_leaves_each_member_exactly_one_email(
    broker, mail_dir, members
):
    space = SpaceFactory()
    author = MemberFactory()
    readers = bulk_members(space=space, count=members, prefix="kill")
    post = post_publish(author=author, space=space, title="To everyone", body="One email each.")
    planned = deliveries_plan(outbox_id=Outbox.objects.get(kind="post.published", object_id=post.pk).pk)
    assert planned == members

    env = {"DELIVERY_RATE": "400/second", "DELIVERY_LEASE_SECONDS": "4"}
    first = Worker(broker=broker.url, mail_dir=mail_dir, env=env)
    _beat(dispatch_email, times=3)
    wait_until(lambda: _sent() >= 300, timeout=120, what="first emails")
    first.kill()
    killed_at = _sent()
    assert 0 < killed_at < members, "the kill must land in the middle of the dispatch"

    second = Worker(broker=broker.url, mail_dir=mail_dir, env=env)
    try:

        def all_sent() -> bool:
            _beat(dispatch_email)
            return _sent() == members

        wait_until(all_sent, timeout=600, what="every email sent after the restart", every=1.0)
    finally:
        log = second.stop()
    assert "content.dispatch_email" in log

    messages = read_mail(mail_dir)
    ids_by_recipient = defaultdict(set)
    for message in messages:
        ids_by_recipient[message["To"]].add(message["Message-ID"])
    # every member: exactly one distinct Message-ID (a mailbox provider collapses equal ones)
    assert len(ids_by_recipient) == members
    assert all(len(ids) == 1 for ids in ids_by_recipient.values())
    # raw duplicates: at most the one message the killed process had in flight
    duplicates = len(messages) - len(ids_by_recipient)
    assert duplicates <= 1
    assert set(Delivery.objects.filter(channel="email").values_list("status", flat=True)) == {"sent"}
    assert len(readers) == members
    print(f"\nkill -9 after {killed_at} of {members} sent; raw duplicates: {duplicates}")


@pytest.mark.parametrize("members", [pytest.param(2000, id="2000"), AT_5000])
def test_a_worker_killed_during_the_fan_out_leaves_each_member_exactly_one_delivery_per_channel(
    broker, mail_dir, members
):
    """R1's first half: the worker planning a post's deliveries is killed between two of its batches
    (20 recipients each here, so the fan-out lasts long enough to land in). The relay hands the
    unplanned outbox row to a second worker, which plans the rest: one inbox item, one inbox delivery
    and one email per member, nothing twice."""
    space = SpaceFactory()
    author = MemberFactory()
    bulk_members(space=space, count=members, prefix="fan")
    # the commit publishes the planning task to the private broker; no worker takes it yet
    post = post_publish(author=author, space=space, title="To everyone", body="One of each.")
    row = Outbox.objects.get(kind="post.published", object_id=post.pk)
    mine = Delivery.objects.filter(source_kind="post.published", source_id=post.pk)

    env = {"DELIVERY_RATE": "400/second", "DELIVERY_PLAN_BATCH": "20", "DELIVERY_RELAY_AFTER_SECONDS": "1"}
    first = Worker(broker=broker.url, mail_dir=mail_dir, env=env)
    wait_until(lambda: mine.count() >= 200, timeout=120, what="the first batches", every=0.05)
    first.kill()
    planned_at_kill = mine.count()
    row.refresh_from_db()
    assert row.planned_at is None and 0 < planned_at_kill < 2 * members, "the kill must land mid fan-out"

    second = Worker(broker=broker.url, mail_dir=mail_dir, env=env)
    try:

        def all_sent() -> bool:
            _beat(relay_outbox)
            _beat(dispatch_email)
            return _sent(source_id=post.pk) == members

        wait_until(all_sent, timeout=600, what="the fan-out finished and every email sent", every=1.0)
    finally:
        second.stop()

    for channel in ("inbox", "email"):
        per_member = Counter(mine.filter(channel=channel).values_list("recipient_id", flat=True))
        assert len(per_member) == members and set(per_member.values()) == {1}, channel
    items = Counter(InboxItem.objects.filter(data__post_id=post.pk).values_list("recipient_id", flat=True))
    assert len(items) == members and set(items.values()) == {1}
    messages = read_mail(mail_dir)
    assert len(messages) == members and len({m["To"] for m in messages}) == members
    print(f"\nfan-out killed after {planned_at_kill} of {2 * members} delivery rows; nothing twice")


@pytest.mark.parametrize("members", [pytest.param(3, id="3"), AT_5000])
def test_with_redis_stopped_members_still_post_and_everything_arrives_once_redis_is_back(
    broker, mail_dir, client, monkeypatch, members
):
    space = SpaceFactory(slug="garden")
    poster = MemberFactory(timezone=midday_zone())
    MembershipFactory(space=space, member=poster)
    bulk_members(space=space, count=members, prefix="outage")
    event = EventFactory(space=space, capacity=10)
    client.force_login(poster)

    kicks: list[float] = []  # how long each request's publish to the broker took

    def timed_kick(task, *args):
        started = time.monotonic()
        try:
            return task_kick(task, *args)
        finally:
            kicks.append(time.monotonic() - started)

    monkeypatch.setattr("content.delivery.outbox.task_kick", timed_kick)

    broker.stop()
    slowest = 0.0

    def answered(method, *args, **kwargs):
        nonlocal slowest
        started = time.monotonic()
        response = method(*args, **kwargs)
        slowest = max(slowest, time.monotonic() - started)
        return response

    for number in range(3):
        response = answered(
            client.post,
            reverse("content:post_create", args=[space.slug]),
            {
                "title": f"Posted while Redis is down {number}",
                "body": f"Post number {number}.",
                "kind": "discussion",
            },
        )
        assert response.status_code == 302, re.findall(
            r"(?s)errorlist.{0,300}|message.{0,200}", response.content.decode()
        )
    first = Post.objects.order_by("pk").first()
    response = answered(
        client.post, reverse("content:comment_create", args=[first.pk]), {"body": "And a reply."}
    )
    assert response.status_code == 302
    response = answered(client.post, reverse("content:event_rsvp", args=[event.pk]), {"going": "1"})
    assert response.status_code == 302
    assert answered(client.get, reverse("content:post_detail", args=[first.pk])).status_code == 200
    # no request waits on the broker more than a second: a refused connection fails at once
    assert len(kicks) == 4, kicks  # each post and the comment asked for planning, and could not
    assert max(kicks) < BROKER_WAIT_SECONDS, f"a request waited {max(kicks):.2f} s on the broker"
    # nor on Redis as a cache: the circuit stays open instead of paying a timeout per call
    assert slowest < 3.0, f"a request took {slowest:.2f} s with Redis down"
    assert Outbox.objects.filter(planned_at__isnull=True).count() == 4  # three posts and a comment
    assert RSVP.objects.filter(event=event, member=poster, status=RSVPStatus.GOING).exists()
    assert not Delivery.objects.exists()

    broker.start()
    worker = Worker(
        broker=broker.url,
        mail_dir=mail_dir,
        env={"DELIVERY_RELAY_AFTER_SECONDS": "1", "DELIVERY_RATE": "400/second"},
    )
    owed = 3 * members  # three posts to every member; the reply goes to the post's author, who wrote it
    try:

        def delivered() -> bool:
            _beat(relay_outbox)
            _beat(dispatch_email)
            return not Outbox.objects.filter(planned_at__isnull=True).exists() and _sent() == owed

        wait_until(delivered, timeout=900, what="the relay and the dispatcher after Redis returned", every=1)
        _beat(relay_outbox, times=2)  # a later relay finds nothing left to do
        _beat(dispatch_email, times=2)
        time.sleep(2)
    finally:
        worker.stop()

    assert _sent() == owed
    assert Delivery.objects.filter(channel="email").count() == owed
    received = Counter((m["To"], m["Subject"]) for m in read_mail(mail_dir))
    assert len(received) == owed
    assert set(received.values()) == {1}
    print(f"\nRedis down: {len(kicks)} kicks, slowest {max(kicks) * 1000:.0f} ms; {owed} emails once each")


def test_two_workers_sharing_a_limit_of_20_per_second_never_send_21_in_any_second(broker, mail_dir):
    space = SpaceFactory()
    author = MemberFactory()
    bulk_members(space=space, count=200, prefix="rate")
    post = post_publish(author=author, space=space, title="Rate", body="At most 20 a second.")
    deliveries_plan(outbox_id=Outbox.objects.get(kind="post.published", object_id=post.pk).pk)

    env = {"DELIVERY_RATE": "20/second"}
    workers = [Worker(broker=broker.url, mail_dir=mail_dir, env=env) for _ in range(2)]
    try:

        def all_sent() -> bool:
            _beat(dispatch_email, times=2)
            return _sent() == 200

        wait_until(all_sent, timeout=120, what="200 emails at 20/s", every=1.0)
    finally:
        logs = [worker.stop() for worker in workers]

    times = sorted(Delivery.objects.filter(channel="email").values_list("sent_at", flat=True))
    # 21 sends inside one second would need 21 consecutive send times less than a second apart. A send
    # time is the dispatcher's clock read just before the bucket's own (the same code path, microseconds
    # apart; two workers' scripts may reach Redis in the other order), hence a small CLOCK_READ margin.
    tightest = min(times[index + 20] - times[index] for index in range(len(times) - 20))
    assert tightest >= timedelta(seconds=1) - CLOCK_READ, tightest
    busiest = max(
        sum(1 for later in times[index:] if later - start < timedelta(seconds=1) - CLOCK_READ)
        for index, start in enumerate(times)
    )
    assert busiest <= 20
    # both processes sent: the limit held across them, not inside each
    assert all("content.dispatch_email" in log and "succeeded" in log for log in logs)
    senders = [log.count("succeeded in") for log in logs]
    assert all(senders)
    elapsed = (times[-1] - times[0]).total_seconds()
    print(f"\n200 emails in {elapsed:.1f} s by two workers; tightest 21 sends: {tightest}")
