import pytest

from content.services.posts import post_publish
from tests.factories import MemberFactory, MembershipFactory, SpaceFactory


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
