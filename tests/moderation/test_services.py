import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from content.exceptions import NotAllowed, NotFound
from content.models import ContentStatus, InboxItem, Post, Space
from members.trust import upheld_reports_count
from moderation.exceptions import ActionNotPossible, AlreadyDecided, ClaimedByOther, ReportLimitReached
from moderation.models import AppendOnlyError, ModerationAction, Report, ReviewItem, ReviewStatus
from moderation.services import report_file, review_item_claim, review_item_decide
from tests.factories import CommentFactory, MemberFactory, PostFactory

pytestmark = pytest.mark.django_db


def _report(reporter, post, reason="spam", details=""):
    return report_file(reporter=reporter, kind="post", object_id=post.pk, reason=reason, details=details)


@pytest.mark.legal("L17")
def test_a_report_gives_the_reporter_a_receipt(member, post):
    report = _report(member, post, details="Buy now links")
    receipt = InboxItem.objects.get(recipient=member, kind="report.received")
    assert receipt.data["report_id"] == report.pk
    assert receipt.url == f"/p/{post.pk}/"
    assert "received your report" in receipt.data["text"]


@pytest.mark.legal("L17")
def test_a_second_report_of_the_same_target_returns_the_open_one(member, post):
    first = _report(member, post)
    second = _report(member, post, reason="harassment")
    assert second.pk == first.pk
    assert Report.objects.count() == 1
    assert InboxItem.objects.filter(kind="report.received").count() == 1


def test_content_the_reporter_cannot_read_cannot_be_reported(member, private_space, other_member):
    hidden = PostFactory(space=private_space, author=other_member)
    with pytest.raises(NotFound):
        _report(member, hidden)
    assert not ReviewItem.objects.exists()


def test_reports_of_one_target_aggregate_into_one_item_with_a_higher_priority(member, post):
    _report(member, post)
    item = ReviewItem.objects.get()
    alone = item.priority
    _report(MemberFactory(), post)
    item.refresh_from_db()
    assert ReviewItem.objects.count() == 1
    assert item.report_count == 2
    assert item.priority > alone


def test_the_snapshot_keeps_the_content_as_first_reported(member, post):
    original = post.title
    _report(member, post)
    Post.objects.filter(pk=post.pk).update(title="Edited to look harmless")
    _report(MemberFactory(), post)
    item = ReviewItem.objects.get()
    assert item.snapshot_title == original
    assert item.snapshot_author_id == post.author_id


@pytest.mark.legal("L19")
def test_a_more_serious_reason_tightens_the_clock(member, post):
    _report(member, post, reason="off_topic")
    item = ReviewItem.objects.get()
    assert item.due_at - item.created_at > timedelta(days=20)
    assert item.triage_due_at - item.created_at == timedelta(hours=24)
    _report(MemberFactory(), post, reason="illegal")
    item.refresh_from_db()
    assert item.reason == "illegal"
    assert item.due_at - timezone.now() <= timedelta(hours=2)


def test_trusted_reporters_with_upheld_reports_weigh_more(post, space, other_member):
    newcomer = MemberFactory(trust_level=0)
    regular = MemberFactory(trust_level=3)
    _report(newcomer, post)
    newcomer_priority = ReviewItem.objects.get().priority
    second = PostFactory(space=space, author=other_member)
    _report(regular, second)
    assert ReviewItem.objects.get(object_id=second.pk).priority > newcomer_priority


def test_a_reporter_whose_reports_were_dismissed_weighs_less(moderator, space, other_member):
    careless, fresh = MemberFactory(), MemberFactory()
    for _ in range(3):
        target = PostFactory(space=space, author=other_member)
        _report(careless, target)
        item = ReviewItem.objects.get(object_id=target.pk)
        review_item_decide(item=item, by=moderator, action="dismiss", reason="Fine.", rule="R1")
    a, b = PostFactory(space=space, author=other_member), PostFactory(space=space, author=other_member)
    _report(careless, a)
    _report(fresh, b)
    assert ReviewItem.objects.get(object_id=a.pk).priority < ReviewItem.objects.get(object_id=b.pk).priority


def test_reports_beyond_the_daily_limit_are_refused(member, space, other_member, settings):
    settings.MODERATION_REPORTS_PER_DAY = "2/day"
    for _ in range(2):
        _report(member, PostFactory(space=space, author=other_member))
    with pytest.raises(ReportLimitReached) as error:
        _report(member, PostFactory(space=space, author=other_member))
    assert error.value.retry_at is not None


def test_a_claimed_item_refuses_a_second_moderator_and_names_the_holder(member, post, moderator, operator):
    _report(member, post)
    item = ReviewItem.objects.get()
    review_item_claim(item=item, by=moderator)
    with pytest.raises(ClaimedByOther) as error:
        review_item_claim(item=ReviewItem.objects.get(), by=operator)
    assert moderator.display_name in error.value.message


def test_an_expired_claim_can_be_taken_over(member, post, moderator, operator):
    _report(member, post)
    review_item_claim(item=ReviewItem.objects.get(), by=moderator)
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        item = review_item_claim(item=ReviewItem.objects.get(), by=operator)
    assert item.claimed_by_id == operator.pk


def test_members_cannot_claim_or_decide(member, other_member, post):
    _report(member, post)
    item = ReviewItem.objects.get()
    with pytest.raises(NotAllowed):
        review_item_claim(item=item, by=other_member)
    with pytest.raises(NotAllowed):
        review_item_decide(item=item, by=member, action="hide", reason="x", rule="y")


def test_a_space_moderator_decides_only_in_their_space(member, post, space_moderator, other_member):
    elsewhere = PostFactory(author=other_member)
    _report(member, post)
    _report(member, elsewhere)
    own = ReviewItem.objects.get(object_id=post.pk)
    foreign = ReviewItem.objects.get(object_id=elsewhere.pk)
    assert review_item_decide(item=own, by=space_moderator, action="dismiss", reason="Fine.", rule="R1")
    with pytest.raises(NotAllowed):
        review_item_decide(item=foreign, by=space_moderator, action="dismiss", reason="Fine.", rule="R1")


@pytest.mark.legal("L18")
@pytest.mark.legal("L17")
def test_hiding_a_post_logs_it_settles_reports_and_tells_author_and_reporters(
    member, post, moderator, space, client
):
    _report(member, post)
    second_reporter = MemberFactory()
    _report(second_reporter, post, reason="harassment")
    item = ReviewItem.objects.get()
    assert review_item_decide(
        item=item, by=moderator, action="hide", reason="Insults a member.", rule="Rule 2"
    )

    item.refresh_from_db()
    post.refresh_from_db()
    assert item.status == ReviewStatus.DECIDED
    assert post.status == ContentStatus.HIDDEN
    assert Space.objects.get(pk=space.pk).post_count == 0
    action = ModerationAction.objects.get()
    assert (action.action, action.rule, action.target_author_id) == ("hide", "Rule 2", post.author_id)
    assert set(Report.objects.values_list("outcome", flat=True)) == {"upheld"}
    notice = InboxItem.objects.get(recipient=post.author, kind="moderation.notice")
    assert notice.data["reason"] == "Insults a member." and notice.data["rule"] == "Rule 2"
    assert "appeal" in notice.data["text"]
    outcomes = InboxItem.objects.filter(kind="report.outcome")
    assert {o.recipient_id for o in outcomes} == {member.pk, second_reporter.pk}
    assert all(o.data["outcome"] == "upheld" for o in outcomes)

    client.force_login(member)
    assert client.get(f"/p/{post.pk}/").status_code == 404


def test_deciding_twice_changes_nothing_the_second_time(member, post, moderator, operator):
    _report(member, post)
    item = ReviewItem.objects.get()
    assert review_item_decide(item=item, by=moderator, action="remove", reason="Spam.", rule="R1") is True
    again = ReviewItem.objects.get()
    assert review_item_decide(item=again, by=operator, action="approve", reason="No.", rule="R1") is False
    assert ModerationAction.objects.count() == 1
    assert Post.objects.get(pk=post.pk).status == ContentStatus.REMOVED
    assert InboxItem.objects.filter(kind="report.outcome").count() == 1
    with pytest.raises(AlreadyDecided):
        review_item_claim(item=again, by=operator)


@pytest.mark.legal("L17")
def test_dismissing_tells_reporters_and_leaves_the_author_alone(member, post, moderator):
    _report(member, post)
    review_item_decide(item=ReviewItem.objects.get(), by=moderator, action="dismiss", reason="Ok.", rule="R1")
    assert InboxItem.objects.get(kind="report.outcome").data["outcome"] == "dismissed"
    assert not InboxItem.objects.filter(kind="moderation.notice").exists()
    assert Post.objects.get(pk=post.pk).status == ContentStatus.PUBLISHED


@pytest.mark.legal("L21")
def test_approving_a_held_post_publishes_it_and_counts_it(moderator, space, other_member):
    held = PostFactory(space=space, author=other_member, status=ContentStatus.PENDING_REVIEW)
    now = timezone.now()
    item = ReviewItem.objects.create(
        kind="post", object_id=held.pk, space=space, reason="other", triage_due_at=now, due_at=now
    )
    assert review_item_decide(item=item, by=moderator, action="approve", reason="Fine.", rule="R0")
    assert Post.objects.get(pk=held.pk).status == ContentStatus.PUBLISHED
    assert Space.objects.get(pk=space.pk).post_count == 2


def test_hiding_a_comment_keeps_the_comment_count_right(member, post, moderator, other_member):
    comment = CommentFactory(post=post, author=other_member)
    Post.objects.filter(pk=post.pk).update(comment_count=1)
    report_file(reporter=member, kind="comment", object_id=comment.pk, reason="harassment", details="")
    item = ReviewItem.objects.get()
    review_item_decide(item=item, by=moderator, action="hide", reason="Rude.", rule="R2")
    assert Post.objects.get(pk=post.pk).comment_count == 0


def test_a_profile_can_be_reported_but_not_hidden(member, other_member, moderator):
    report_file(reporter=member, kind="member", object_id=other_member.pk, reason="spam", details="")
    item = ReviewItem.objects.get()
    assert item.space_id is None and item.snapshot_author_id == other_member.pk
    with pytest.raises(ActionNotPossible):
        review_item_decide(item=item, by=moderator, action="hide", reason="x", rule="y")
    assert review_item_decide(item=item, by=moderator, action="warn", reason="Spam profile.", rule="R3")


def test_moderation_actions_are_append_only(member, post, moderator):
    _report(member, post)
    review_item_decide(item=ReviewItem.objects.get(), by=moderator, action="warn", reason="x", rule="y")
    action = ModerationAction.objects.get()
    action.reason = "rewritten"
    with pytest.raises(AppendOnlyError):
        action.save()
    with pytest.raises(AppendOnlyError):
        action.delete()
    with pytest.raises(AppendOnlyError):
        ModerationAction.objects.update(reason="rewritten")


def test_upheld_reports_count_towards_the_authors_trust(member, post, moderator, other_member):
    _report(member, post)
    review_item_decide(item=ReviewItem.objects.get(), by=moderator, action="remove", reason="x", rule="y")
    since = timezone.now() - timedelta(days=90)
    assert upheld_reports_count(member_ids=[other_member.pk, member.pk], since=since) == {
        other_member.pk: 1,
        member.pk: 0,
    }


@pytest.mark.django_db(transaction=True)
def test_two_moderators_claiming_at_once_exactly_one_wins(member, post, moderator, operator):
    _report(member, post)
    item_id = ReviewItem.objects.get().pk
    barrier = threading.Barrier(2)
    results: dict[int, str] = {}

    def claim(who):
        try:
            item = ReviewItem.objects.get(pk=item_id)
            barrier.wait()
            review_item_claim(item=item, by=who)
            results[who.pk] = "won"
        except ClaimedByOther:
            results[who.pk] = "lost"
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(who,)) for who in (moderator, operator)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["lost", "won"]
    winner = next(pk for pk, result in results.items() if result == "won")
    assert ReviewItem.objects.get(pk=item_id).claimed_by_id == winner
