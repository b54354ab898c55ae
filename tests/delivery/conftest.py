from datetime import UTC, datetime

import pytest
import time_machine

from content.delivery.models import Outbox
from content.delivery.planner import deliveries_plan
from content.services.posts import post_publish
from tests.factories import MemberFactory, MembershipFactory, SpaceFactory

# 2026-11-30 is a Monday; Shanghai (the factories' timezone) is UTC+8
MONDAY_TEN_LOCAL = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
TUESDAY_EIGHT_LOCAL = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)


@pytest.fixture(autouse=True)
def kicks(monkeypatch):
    """The after-commit kick is recorded instead of published (the broker test restores it)."""
    sent = []
    monkeypatch.setattr("content.delivery.outbox.outbox_kick", lambda *, outbox_id: sent.append(outbox_id))
    return sent


@pytest.fixture
def space(db):
    return SpaceFactory()


@pytest.fixture
def author(space):
    member = MemberFactory(display_name="Ann Author")
    MembershipFactory(space=space, member=member, notification_level="all")
    return member


@pytest.fixture
def publish(space, author, django_capture_on_commit_callbacks):
    """Publish through the service; the after-commit kick is captured, not sent."""

    def _publish(**changes):
        with django_capture_on_commit_callbacks(execute=False):
            return post_publish(
                author=changes.pop("author", author),
                space=changes.pop("space", space),
                title=changes.pop("title", "Hello everyone"),
                body=changes.pop("body", "A first post."),
                **changes,
            )

    return _publish


def join(space, level="all", **member_fields):
    member = MemberFactory(**member_fields)
    MembershipFactory(space=space, member=member, notification_level=level)
    return member


@pytest.fixture
def clock():
    """Monday 10:00 in Shanghai, the clock ticking."""
    with time_machine.travel(MONDAY_TEN_LOCAL, tick=True) as traveller:
        yield traveller


def plan_post(post) -> int:
    """Plan the post's deliveries as the planning task does; the emails planned."""
    return deliveries_plan(outbox_id=Outbox.objects.get(kind="post.published", object_id=post.pk).pk)
