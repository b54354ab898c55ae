from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail

from content.delivery.models import Delivery, Outbox
from content.services.events import rsvp_set
from content.tasks import dispatch_email, plan_deliveries
from tests.delivery.conftest import join
from tests.factories import EventFactory


@pytest.fixture
def dispatch_kicks(monkeypatch):
    kicked = []
    monkeypatch.setattr(dispatch_email, "apply_async", lambda **options: kicked.append(options["retry"]))
    return kicked


def test_the_planning_task_plans_and_kicks_the_dispatcher(space, publish, dispatch_kicks):
    join(space, "all")
    row = Outbox.objects.get(object_id=publish().pk)
    assert plan_deliveries.apply(args=[row.pk]).get() == 1
    assert dispatch_kicks == [False]
    assert plan_deliveries.apply(args=[row.pk]).get() == 0
    assert dispatch_kicks == [False]


def test_the_planning_task_tolerates_a_missing_outbox_row(db, dispatch_kicks):
    assert plan_deliveries.apply(args=[123456]).get() == 0
    assert dispatch_kicks == []


def test_a_broker_failure_when_kicking_the_dispatcher_does_not_fail_the_planning(space, publish, monkeypatch):
    def broker_down(**options):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(dispatch_email, "apply_async", broker_down)
    join(space, "all")
    row = Outbox.objects.get(object_id=publish().pk)
    assert plan_deliveries.apply(args=[row.pk]).get() == 1
    assert Delivery.objects.filter(channel="email", status="pending").count() == 1


def test_a_member_promoted_from_the_waitlist_gets_a_transactional_email_even_at_night(
    space, django_capture_on_commit_callbacks, dispatch_kicks
):
    event = EventFactory(space=space, capacity=1)
    going, waiting = join(space, "mute"), join(space, "mute")
    with django_capture_on_commit_callbacks(execute=False):
        rsvp_set(event=event, member=going, going=True)
        rsvp_set(event=event, member=waiting, going=True)
        rsvp_set(event=event, member=going, going=False)
    row = Outbox.objects.get(kind="event.promoted")

    # 23:30 in Shanghai: quiet hours do not hold back a transactional notice
    with time_machine.travel(datetime(2026, 11, 30, 15, 30, tzinfo=UTC), tick=True):
        plan_deliveries.run(row.pk)
        assert dispatch_email.run() == 1

    message = mail.outbox[0]
    assert message.to == [waiting.email]
    assert event.title in message.subject
    assert "List-Unsubscribe" not in message.extra_headers
    assert Delivery.objects.get(recipient=waiting, channel="email").category == "transactional"
