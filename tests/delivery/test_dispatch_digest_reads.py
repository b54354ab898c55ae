"""A dispatch round reads what all its digest emails say in a fixed number of queries (DispatchRun.prepare),
instead of four or five per digest, and the emails members receive are the same as before, byte for byte.

`_legacy_digest_content` is a frozen copy of content.delivery.messages._digest_content as it was before
the round read the digests together (commit 626e937): the reference the new path is compared with."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from content.delivery import messages
from content.delivery.digest import digests_compose, email_type_wanted
from content.delivery.dispatcher import DispatchRun, deliveries_claim, delivery_message
from content.delivery.messages import Content, _item_sentence
from content.delivery.models import Category, Delivery, DeliveryStatus, EmailOptOut
from content.delivery.planner import COMMENT_CREATED, POST_PUBLISHED
from content.delivery.reminders import REMINDER_1H, REMINDER_24H, REMINDER_KINDS
from content.delivery.send_checks import space_reachable
from content.models import Comment, ContentStatus, Event, InboxItem, Post
from privacy.consents import consent_grant, consent_is_granted
from tests.factories import (
    CommentFactory,
    EventFactory,
    MemberFactory,
    MembershipFactory,
    PostFactory,
    SpaceFactory,
)

START = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai (the factories' timezone)
EIGHT_LOCAL = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)  # 08:05 the next morning: the digest hour


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=True) as traveller:
        yield traveller


def _legacy_digest_content(delivery: Delivery) -> Content | None:
    """content.delivery.messages._digest_content at 626e937 (one digest, its own four or five queries)."""
    items = [
        item
        for item in Delivery.objects.filter(digest_id=delivery.pk)
        .exclude(status=DeliveryStatus.CANCELLED)
        .select_related("inbox_item__actor")
        .order_by("id")
        if item.inbox_item is not None and item.inbox_item.read_at is None
    ]
    post_ids = {item.inbox_item.data.get("post_id") for item in items}
    reachable = space_reachable(member_id=delivery.recipient_id)
    visible = set(
        Post.objects.filter(
            pk__in=[pk for pk in post_ids if pk], status=ContentStatus.PUBLISHED, deleted_at__isnull=True
        )
        .filter(reachable)
        .values_list("pk", flat=True)
    )
    comment_ids = {item.source_id for item in items if item.source_kind == COMMENT_CREATED}
    visible_comments = set(
        Comment.objects.filter(
            pk__in=comment_ids, status=ContentStatus.PUBLISHED, deleted_at__isnull=True
        ).values_list("pk", flat=True)
    )
    event_ids = {item.inbox_item.data.get("event_id") for item in items if item.source_kind in REMINDER_KINDS}
    upcoming = set(
        Event.objects.filter(
            pk__in=[pk for pk in event_ids if pk],
            status=ContentStatus.PUBLISHED,
            deleted_at__isnull=True,
            starts_at__gt=timezone.now(),
        )
        .filter(reachable)
        .values_list("pk", flat=True)
    )
    if any(item.category == Category.PROMOTIONAL for item in items) and not consent_is_granted(
        delivery.recipient, "marketing"
    ):
        items = [item for item in items if item.category != Category.PROMOTIONAL]
    stopped = set(
        EmailOptOut.objects.filter(member_id=delivery.recipient_id).values_list("category", flat=True)
    )
    items = [item for item in items if item.category not in stopped]
    member = delivery.recipient
    items = [
        item
        for item in items
        if email_type_wanted(member=member, category=item.category, source_kind=item.source_kind)
    ]
    lines = []
    for item in items:
        inbox = item.inbox_item
        if item.source_kind in REMINDER_KINDS:
            if inbox.data.get("event_id") not in upcoming:
                continue
        elif inbox.data.get("post_id") not in visible or (
            item.source_kind == COMMENT_CREATED and item.source_id not in visible_comments
        ):
            continue
        names = {
            "actor": inbox.actor.public_name if inbox.actor else "",
            "title": inbox.data.get("title", ""),
            "space": inbox.data.get("space", ""),
        }
        lines.append((_item_sentence(inbox.kind, names), settings.SITE_URL + inbox.url))
    if not lines:
        return None
    subject = ngettext("Your digest: %(count)s new item", "Your digest: %(count)s new items", len(lines)) % {
        "count": len(lines)
    }
    return Content(
        subject=subject,
        headline=subject,
        title="",
        excerpt="",
        url=reverse("content:inbox"),
        when=None,
        items=lines,
    )


def _waiting(member, *, kind, source_kind, source_id, category, data, actor=None, url="/x/"):
    """One item waiting for the member's digest, with its inbox item, as the planner leaves it."""
    item = InboxItem.objects.create(recipient=member, kind=kind, actor=actor, url=url, data=data)
    return Delivery.objects.create(
        source_kind=source_kind,
        source_id=source_id,
        recipient=member,
        channel="digest",
        category=category,
        status="pending",
        due_at=timezone.now(),
        inbox_item=item,
    )


def _post_item(member, post, *, category=Category.POSTS):
    return _waiting(
        member,
        kind="post.new",
        source_kind=POST_PUBLISHED,
        source_id=post.pk,
        category=category,
        data={"post_id": post.pk, "title": post.title, "space": post.space.name},
        actor=post.author,
        url=f"/posts/{post.pk}/",
    )


def _comment_item(member, comment):
    return _waiting(
        member,
        kind="comment.reply",
        source_kind=COMMENT_CREATED,
        source_id=comment.pk,
        category=Category.REPLIES,
        data={"post_id": comment.post_id, "title": comment.post.title},
        actor=comment.author,
        url=f"/posts/{comment.post_id}/#c{comment.pk}",
    )


def _reminder_item(member, event, kind=REMINDER_24H):
    return _waiting(
        member,
        kind=kind,
        source_kind=kind,
        source_id=event.pk,
        category=Category.REMINDERS,
        data={"event_id": event.pk, "title": event.title},
        url=f"/events/{event.pk}/",
    )


def _community():
    """Digests covering every way an item is kept or left out: posts in a public and a private space
    (the reader a member of it or not), a post moved away or deleted, comments shown and hidden,
    reminders of events ahead and past, promotions with and without consent, a one-click stop, a
    switched-off type, an item read in the inbox, a deleted actor, a reader in Chinese."""
    public, private = SpaceFactory(name="Garden"), SpaceFactory(name="Inner circle", visibility="private")
    author = MemberFactory(display_name="Ann Author")
    gone = MemberFactory(display_name="")  # a deleted account: "Deleted member"
    shown = PostFactory(space=public, author=author, title="Spring picnic")
    secret = PostFactory(space=private, author=author, title="Board minutes")
    removed = PostFactory(space=public, author=gone, title="Old news", deleted_at=timezone.now())
    by_gone = PostFactory(space=public, author=gone, title="Orphan post")
    announcement = PostFactory(space=public, author=author, title="Big announcement")
    kind_reply = CommentFactory(post=shown, author=author)
    rude_reply = CommentFactory(post=shown, author=author, status=ContentStatus.HIDDEN)
    ahead = EventFactory(space=public, title="Seed swap")
    past = EventFactory(space=public, title="Last week", starts_at=timezone.now() + timedelta(hours=3))
    secret_event = EventFactory(space=private, title="Closed meeting")

    readers = []
    for index in range(8):
        reader = MemberFactory(language="zh-hans" if index == 3 else "en")
        readers.append(reader)
        _post_item(reader, shown)
        _post_item(reader, secret)
        _post_item(reader, removed)
        _post_item(reader, by_gone)
        _comment_item(reader, kind_reply)
        _comment_item(reader, rude_reply)
        _reminder_item(reader, ahead)
        _reminder_item(reader, past, kind=REMINDER_1H)
        _reminder_item(reader, secret_event)
        _post_item(reader, announcement, category=Category.PROMOTIONAL)
    MembershipFactory(space=private, member=readers[0])
    MembershipFactory(space=private, member=readers[1], status="requested")  # not active
    consent_grant(member=readers[0], purpose="marketing", channel="web")
    consent_grant(member=readers[2], purpose="marketing", channel="web")
    EmailOptOut.objects.create(member=readers[4], category=Category.POSTS)
    readers[5].email_event_reminders = False
    readers[5].save(update_fields=["email_event_reminders"])
    InboxItem.objects.filter(recipient=readers[6], kind="post.new").update(read_at=timezone.now())
    for reader in readers[7:]:  # everything read: no digest email at all
        InboxItem.objects.filter(recipient=reader).update(read_at=timezone.now())
    Post.objects.filter(pk=shown.pk).update(title="Spring picnic (moved)")  # the inbox keeps its words
    return readers


def _fresh(delivery_id):
    return Delivery.objects.select_related("recipient", "inbox_item").get(pk=delivery_id)


def _as_sent(message):
    """What the member receives, but the Date header and the MIME boundary, which differ per render."""
    if message is None:
        return None
    raw = message.message()
    del raw["Date"]
    return raw.as_bytes().replace(raw.get_boundary().encode(), b"BOUNDARY")  # random per render


@pytest.mark.django_db
def test_digests_read_for_the_whole_round_say_exactly_what_each_digest_read_alone_said(clock, monkeypatch):
    readers = _community()
    clock.move_to(EIGHT_LOCAL)
    assert digests_compose() == len(readers)
    ids = deliveries_claim(limit=100)
    assert len(ids) == len(readers)
    run = DispatchRun()
    run.prepare(ids)
    # both renders in the same second: the unsubscribe link's signed token carries the time (a busy
    # CI machine once put the two renders of one digest on either side of a second)
    with time_machine.travel(timezone.now(), tick=False):
        sent = {delivery_id: delivery_message(run.delivery(delivery_id), run) for delivery_id in ids}
        monkeypatch.setattr(
            messages, "_digest_content", lambda delivery, reads=None: _legacy_digest_content(delivery)
        )
        before = {delivery_id: _as_sent(delivery_message(_fresh(delivery_id))) for delivery_id in ids}

    assert {delivery_id: _as_sent(message) for delivery_id, message in sent.items()} == before
    body = {
        _fresh(delivery_id).recipient_id: message.body if message else ""
        for delivery_id, message in sent.items()
    }
    first, requested, consenting, chinese, stopped, no_reminders, read, all_read = (
        body[m.pk] for m in readers
    )
    # the branches the fixture means to cover did happen
    assert all_read == ""  # everything read: no digest email
    assert "Board minutes" in first and "Board minutes" not in requested  # private: active members only
    assert "Closed meeting" in first and "Closed meeting" not in consenting
    assert "Seed swap" in consenting and "Seed swap" not in no_reminders and "Last week" not in first
    assert "Old news" not in first and "Deleted member" in first  # deleted post; deleted actor
    assert "Big announcement" in first and "Big announcement" not in requested  # promotion: consent
    assert "Orphan post" not in read and "Seed swap" in read  # read in the inbox: left out
    assert "Orphan post" not in stopped and "Spring picnic" in stopped  # posts stopped, replies not
    assert chinese and chinese != first  # the Chinese reader's words
    assert sum(message is not None for message in sent.values()) == len(readers) - 1


def _round_reads(count: int, clock, django_assert_num_queries):
    public, private = SpaceFactory(), SpaceFactory(visibility="private")
    post, secret, announcement = (
        PostFactory(space=public),
        PostFactory(space=private),
        PostFactory(space=public),
    )
    reply = CommentFactory(post=post)
    event = EventFactory(space=public)
    for _index in range(count):
        reader = MemberFactory()
        MembershipFactory(space=private, member=reader)
        _post_item(reader, post)
        _post_item(reader, secret)
        _comment_item(reader, reply)
        _reminder_item(reader, event)
        _post_item(reader, announcement, category=Category.PROMOTIONAL)
        consent_grant(member=reader, purpose="marketing", channel="web")
    clock.move_to(EIGHT_LOCAL)  # the items were written the day before, whatever today's date is
    assert digests_compose() == count
    ids = deliveries_claim(limit=100)
    run = DispatchRun()
    # the round's rows; send facts: verified addresses, one-click stops, emails sent lately; the
    # digests' items (with inbox items, actors and whether a reply is still shown); their posts;
    # their events; the readers' memberships of the private spaces among them; marketing consent
    with django_assert_num_queries(9):
        run.prepare(ids)
        sent = [delivery_message(run.delivery(delivery_id), run) for delivery_id in ids]
    assert len(sent) == count and all(message.subject == _("Your digest: 5 new items") for message in sent)


@pytest.mark.django_db
def test_a_round_of_one_digest_reads_what_it_says_in_nine_queries(clock, django_assert_num_queries):
    _round_reads(1, clock, django_assert_num_queries)


@pytest.mark.django_db
def test_a_round_of_twenty_digests_reads_what_they_say_in_the_same_nine_queries(
    clock, django_assert_num_queries
):
    _round_reads(20, clock, django_assert_num_queries)


@pytest.mark.django_db
def test_a_digest_sent_alone_outside_a_round_still_reads_its_own_items(clock):
    readers = _community()
    clock.move_to(EIGHT_LOCAL)
    digests_compose()
    digest = Delivery.objects.get(recipient=readers[0], source_kind="digest")
    content = messages.message_content(_fresh(digest.pk))
    assert content == _legacy_digest_content(_fresh(digest.pk))
