from datetime import UTC, datetime, timedelta

from django.core import mail
from django.utils import timezone

from content.delivery.digest import digests_compose
from content.delivery.dispatcher import deliveries_dispatch
from content.delivery.models import Delivery, Outbox
from content.delivery.planner import deliveries_plan
from tests.delivery.conftest import join, plan_post

# Shanghai (the factories' timezone) is UTC+8
SEVEN_LOCAL = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)  # 07:00 on 1 December
EIGHT_LOCAL = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)  # 08:05


def test_a_digest_member_gets_one_email_at_their_local_morning(space, publish, clock):
    reader = join(space, "digest")
    plan_post(publish(title="Garden day"))
    plan_post(publish(title="Book swap", body="Bring a book."))
    assert deliveries_dispatch() == 0  # nothing by email on the spot

    clock.move_to(SEVEN_LOCAL)
    assert digests_compose() == 0
    clock.move_to(EIGHT_LOCAL)
    assert digests_compose() == 1
    assert digests_compose() == 0  # one digest a day, however often the composer runs
    assert deliveries_dispatch() == 1

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [reader.email]
    assert message.subject == "Your digest: 2 new items"
    assert "Garden day" in message.body and "Book swap" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_emails_held_back_by_quiet_hours_arrive_in_the_next_digest(space, publish, clock):
    join(space, "all")
    clock.move_to(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # 23:00 local
    plan_post(publish(title="Late news"))
    deliveries_dispatch()
    assert mail.outbox == []

    clock.move_to(EIGHT_LOCAL)
    digests_compose()
    deliveries_dispatch()
    assert [m.subject for m in mail.outbox] == ["Your digest: 1 new item"]
    assert "Late news" in mail.outbox[0].body


def test_items_read_in_the_inbox_are_left_out_and_an_all_read_digest_is_not_sent(space, publish, clock):
    reader = join(space, "digest")
    plan_post(publish())
    Delivery.objects.get(recipient=reader, channel="digest").inbox_item.__class__.objects.update(
        read_at=timezone.now()
    )
    clock.move_to(EIGHT_LOCAL)
    digests_compose()
    deliveries_dispatch()
    assert mail.outbox == []
    digest = Delivery.objects.get(recipient=reader, source_kind="digest")
    assert digest.status == "cancelled"


def test_items_arriving_after_the_digest_went_out_wait_for_tomorrow(space, publish, clock):
    reader = join(space, "digest")
    plan_post(publish(title="First"))
    clock.move_to(EIGHT_LOCAL)
    digests_compose()
    deliveries_dispatch()
    plan_post(publish(title="Second", body="Later that morning."))
    clock.shift(timedelta(minutes=15))
    digests_compose()
    deliveries_dispatch()
    assert len(mail.outbox) == 1
    second = Delivery.objects.get(recipient=reader, channel="digest", digest__isnull=True)
    assert second.status == "pending"

    clock.shift(timedelta(days=1))
    digests_compose()
    deliveries_dispatch()
    assert len(mail.outbox) == 2 and "Second" in mail.outbox[1].body


def test_a_category_stopped_by_one_click_is_left_out_of_the_digest_too(space, publish, clock):
    from content.delivery.models import EmailOptOut

    reader = join(space, "digest")
    EmailOptOut.objects.create(member=reader, category="posts")
    plan_post(publish())
    clock.move_to(EIGHT_LOCAL)
    digests_compose()
    deliveries_dispatch()
    assert mail.outbox == []


def test_a_reply_hidden_after_it_entered_the_digest_is_left_out(space, publish, author, clock):
    from content.models import Comment
    from content.services.comments import comment_create

    replier = join(space, "all")
    author.email_mode = "daily"
    author.save(update_fields=["email_mode"])
    post = publish(title="Ask me anything")
    kept = comment_create(author=replier, post=post, body="A kind reply.")
    hidden = comment_create(author=replier, post=post, body="A rude reply.")
    for comment in (kept, hidden):
        deliveries_plan(outbox_id=Outbox.objects.get(kind="comment.created", object_id=comment.pk).pk)
    deliveries_dispatch()  # daily digest mode: both wait
    Comment.objects.filter(pk=hidden.pk).update(status="hidden")

    clock.move_to(EIGHT_LOCAL)
    digests_compose()
    deliveries_dispatch()

    (digest,) = [m for m in mail.outbox if m.to == [author.email]]
    assert digest.subject == "Your digest: 1 new item"
