"""Flag threshold (LEGAL L20 "hide"): reports from enough trusted members hide the content until a
moderator reviews it; approving publishes it again."""

import pytest
from django.urls import reverse

from content.exceptions import NotFound
from content.models import ContentStatus, InboxItem
from moderation.models import ModerationAction, ReviewItem, RuleHit
from moderation.rules import rule_hit_sentence
from moderation.selectors import author_strikes, decisions_against
from moderation.services import report_file, review_item_decide
from tests.factories import CommentFactory, MemberFactory

pytestmark = [pytest.mark.django_db, pytest.mark.legal("L20")]


def trusted(n, level=2):
    return [MemberFactory(trust_level=level) for _ in range(n)]


def report(reporter, target, kind="post", reason="spam"):
    return report_file(reporter=reporter, kind=kind, object_id=target.pk, reason=reason)


def test_three_trusted_reporters_hide_the_post_until_reviewed(post, other_member):
    for reporter in trusted(2):
        report(reporter, post)
    post.refresh_from_db()
    assert post.status == ContentStatus.PUBLISHED
    report(trusted(1, level=3)[0], post)
    post.refresh_from_db()
    assert post.status == ContentStatus.HIDDEN
    item = ReviewItem.objects.get(kind="post", object_id=post.pk)
    hit = RuleHit.objects.get(review_item=item, rule="flag_threshold")
    assert hit.data == {"reporters": 3, "threshold": 3}
    assert "3 trusted members reported it, so it is hidden until a moderator decides" in rule_hit_sentence(
        hit
    )
    # the author is told at once, in their language
    notice = InboxItem.objects.get(recipient=other_member, kind="moderation.auto_hidden")
    assert "hidden until a moderator reviews it" in notice.data["text"]


def test_the_automatic_hide_is_recorded_but_is_no_strike_or_appealable_decision(post, other_member):
    for reporter in trusted(3):
        report(reporter, post)
    logged = ModerationAction.objects.get()
    assert logged.moderator is None and logged.action == ""
    assert logged.code == "moderation.post.hidden_automatically"
    assert logged.target_author == other_member
    assert author_strikes(author=other_member) == 0
    assert not decisions_against(member=other_member).exists()


def test_reports_from_new_members_do_not_count_toward_the_threshold(post):
    for reporter in trusted(5, level=1) + trusted(2):
        report(reporter, post)
    post.refresh_from_db()
    assert post.status == ContentStatus.PUBLISHED
    assert not RuleHit.objects.exists()


def test_the_threshold_comes_from_the_settings(post, settings):
    settings.MODERATION_FLAG_THRESHOLD = 2
    for reporter in trusted(2):
        report(reporter, post)
    post.refresh_from_db()
    assert post.status == ContentStatus.HIDDEN


def test_others_no_longer_see_the_hidden_post(client, post, member):
    for reporter in trusted(3):
        report(reporter, post)
    client.force_login(member)
    assert client.get(reverse("content:post_detail", args=[post.pk])).status_code == 404


def test_approving_the_item_publishes_the_post_again(post, moderator):
    for reporter in trusted(3):
        report(reporter, post)
    item = ReviewItem.objects.get()
    assert review_item_decide(item=item, by=moderator, action="approve", reason="No breach.", rule="R1")
    post.refresh_from_db()
    assert post.status == ContentStatus.PUBLISHED


def test_once_hidden_the_post_cannot_be_reported_again_and_nothing_repeats(post):
    for reporter in trusted(3):
        report(reporter, post)
    with pytest.raises(NotFound):  # hidden: other members no longer find it
        report(trusted(1)[0], post)
    assert RuleHit.objects.filter(rule="flag_threshold").count() == 1
    assert ModerationAction.objects.count() == 1


def test_comments_are_hidden_by_the_threshold_too(post, other_member):
    comment = CommentFactory(post=post, author=other_member)
    for reporter in trusted(3):
        report(reporter, comment, kind="comment", reason="harassment")
    comment.refresh_from_db()
    assert comment.status == ContentStatus.HIDDEN
