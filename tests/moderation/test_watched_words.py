"""Watched words (LEGAL L20 refuse to publish, L21 hold for review): matching, the three actions through
content's publishing, the cached matcher and the admin."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from content.hooks import PublishBlocked
from content.models import ContentStatus, Post
from content.services.comments import comment_create
from content.services.posts import post_edit, post_publish
from moderation.demo import seed_demo_watched_words
from moderation.models import ReviewItem, RuleHit, WatchedWord
from moderation.rules import rule_hit_sentence
from moderation.watched_words import Matcher, Word, watched_words_matcher
from tests.api.helpers import JsonClient, error_of
from tests.factories import MemberFactory, PostFactory, SpaceFactory
from tests.moderation.translations import pending_zh  # noqa: F401 - a fixture


def matcher(*words: tuple[str, bool, str]) -> Matcher:
    return Matcher(
        Word(pk=n, pattern=pattern, is_regex=is_regex, action=action)
        for n, (pattern, is_regex, action) in enumerate(words, start=1)
    )


def found(pattern: str, text: str, *, is_regex: bool = False) -> str | None:
    hit = matcher((pattern, is_regex, "block")).find(text)
    return hit.found if hit else None


# --- matching (no database) --------------------------------------------------------------------


@pytest.mark.legal("L20")
def test_a_chinese_word_is_found_inside_a_sentence_without_spaces():
    assert found("违禁词", "这里有违禁词出现") == "违禁词"
    assert found("违禁词", "这里没有问题") is None


def test_a_chinese_word_split_by_spaces_or_invisible_characters_is_still_found():
    assert found("违禁词", "这里有违 禁 词出现") == "违 禁 词"
    assert found("违禁词", "这里有违\u200b禁词出现") == "违禁词"


def test_a_latin_word_matches_whole_words_only():
    assert found("ass", "a kick-ass class") == "ass"
    assert found("ass", "first class, passing grass") is None
    assert found("spam", "spammy but not spam-free") == "spam"
    assert found("spam", "spammer") is None


def test_a_latin_word_beside_chinese_characters_is_a_whole_word():
    # Chinese members write English words inline, with no space around them
    assert found("spam", "快来买spam药") == "spam"
    assert found("spam", "快来买spammer药") is None


def test_matching_ignores_case_and_full_width_forms():
    assert found("spam", "Buy SPAM now") == "spam"
    assert found("spam", "买ＳＰＡＭ吧") == "spam"
    assert found("ＳＰＡＭ", "cheap spam") == "spam"
    assert found("免费领取", "免費領取") is None  # traditional characters are other words: add them too


def test_a_phrase_matches_across_any_spacing():
    assert found("free money", "get FREE   money today") == "free   money"
    assert found("free money", "free moneybags") is None


def test_a_regular_expression_matches_case_insensitively_on_normalised_text():
    assert found(r"v[i1]agra", "cheap V1AGRA here", is_regex=True) == "v1agra"
    assert found(r"加\s*微信\s*\d{5,}", "请加微信１２３４５６", is_regex=True) == "加微信123456"
    assert found(r"(ab)+c", "xxababcxx", is_regex=True) == "ababc"  # its own groups are kept apart


def test_the_strongest_action_wins_and_a_broken_pattern_is_skipped():
    words = matcher(("hello", False, "flag"), ("world", False, "hold"), ("([", True, "block"))
    hit = words.find("hello world")
    assert hit.action == "hold" and hit.found == "world"
    assert words.size == 2
    assert matcher().find("anything") is None


# --- through publishing --------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    settings.MODERATION_PREMODERATE_FIRST_POSTS = 0  # these tests are about words only


@pytest.fixture
def space(db):
    return SpaceFactory(slug="garden", name="Garden")


def watch(pattern, action, *, is_regex=False, reason="spam"):
    return WatchedWord.objects.create(pattern=pattern, action=action, is_regex=is_regex, reason=reason)


@pytest.mark.django_db
@pytest.mark.legal("L20")
def test_a_blocked_chinese_word_refuses_the_post_and_names_only_the_word(member, space):
    watch(r"违禁\S", "block", is_regex=True)
    with pytest.raises(PublishBlocked) as refused:
        post_publish(author=member, space=space, title="你好", body="这里有违禁词出现")
    assert refused.value.code == "watched_word_blocked"
    assert "违禁词" in refused.value.message and r"\S" not in refused.value.message
    assert not Post.objects.exists()


@pytest.mark.django_db
@pytest.mark.legal("L20")
def test_a_blocked_word_in_the_title_or_a_comment_is_refused_too(member, space):
    watch("spam", "block")
    with pytest.raises(PublishBlocked):
        post_publish(author=member, space=space, title="ＳＰＡＭ offer", body="Nothing here")
    post = PostFactory(space=space)
    with pytest.raises(PublishBlocked):
        comment_create(author=member, post=post, body="more spam, please")
    assert not post.comments.exists()


@pytest.mark.django_db
@pytest.mark.legal("L20")
def test_a_refused_post_does_not_use_up_the_daily_window(member, space):
    watch("spam", "block")
    for _attempt in range(5):  # a new member may post 3 a day
        with pytest.raises(PublishBlocked):
            post_publish(author=member, space=space, title="t", body="spam")
    assert post_publish(author=member, space=space, title="t", body="Clean now").status == "published"


@pytest.mark.django_db
@pytest.mark.legal("L20")
def test_the_post_form_shows_the_refusal_and_keeps_the_members_text(member_client, space):
    watch("违禁词", "block")
    response = member_client.post(
        f"/s/{space.slug}/new/", {"title": "我的帖子", "body": "这里有违禁词出现", "kind": "discussion"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "which this community does not allow" in page
    assert "这里有违禁词出现" in page and "我的帖子" in page
    assert not Post.objects.exists()


@pytest.mark.django_db
@pytest.mark.legal("L20")
def test_the_api_answers_watched_word_blocked(member, space):
    watch("spam", "block")
    client = JsonClient()
    client.force_login(member)
    response = client.post(f"/api/v1/spaces/{space.slug}/posts/", {"title": "Hi", "body": "cheap SPAM"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "watched_word_blocked"
    assert "“spam”" in error["message"]


@pytest.mark.django_db
@pytest.mark.legal("L21")
def test_a_word_requiring_approval_holds_the_post_and_opens_a_review_item(member, space):
    watch("加微信", "hold", reason="spam")
    post = post_publish(author=member, space=space, title="交友", body="想认识的请加微信")
    assert post.status == ContentStatus.PENDING_REVIEW
    item = ReviewItem.objects.get(kind="post", object_id=post.pk)
    assert item.reason == "spam" and item.report_count == 0 and item.priority > 0
    assert item.snapshot_body == "想认识的请加微信" and item.snapshot_author == member
    hit = RuleHit.objects.get(review_item=item)
    assert hit.rule == "watched_word" and hit.data["found"] == "加微信"
    assert "加微信" in rule_hit_sentence(hit)
    space.refresh_from_db()
    assert space.post_count == 0


@pytest.mark.django_db
def test_a_flagged_word_publishes_and_opens_a_review_item(member, space):
    watch("crypto", "flag", reason="misleading")
    post = post_publish(author=member, space=space, title="Ideas", body="Crypto will double your money")
    assert post.status == ContentStatus.PUBLISHED
    item = ReviewItem.objects.get(kind="post", object_id=post.pk)
    assert item.reason == "misleading"
    assert RuleHit.objects.get(review_item=item).data["action"] == "flag"


@pytest.mark.django_db
def test_a_flagged_comment_opens_an_item_on_the_comment(member, space):
    watch("crypto", "flag")
    comment = comment_create(author=member, post=PostFactory(space=space), body="crypto!")
    assert comment.status == ContentStatus.PUBLISHED
    assert ReviewItem.objects.filter(kind="comment", object_id=comment.pk).exists()


@pytest.mark.django_db
def test_an_edit_meets_the_same_words(member, space):
    post = post_publish(author=member, space=space, title="Hello", body="All fine")
    watch("spam", "block")
    watch("加微信", "hold")
    with pytest.raises(PublishBlocked):
        post_edit(post=post, by=member, title="Hello", body="now with spam")
    post.refresh_from_db()
    assert post.body == "All fine"
    post_edit(post=post, by=member, title="Hello", body="请加微信")
    post.refresh_from_db()
    assert post.status == ContentStatus.PENDING_REVIEW
    assert ReviewItem.objects.filter(kind="post", object_id=post.pk).exists()


@pytest.mark.django_db
def test_a_changed_word_is_seen_by_the_next_publish(member, space):
    post_publish(author=member, space=space, title="1", body="spam is fine today")
    word = watch("spam", "block")
    with pytest.raises(PublishBlocked):
        post_publish(author=member, space=space, title="2", body="spam again")
    word.is_active = False
    word.save()
    assert post_publish(author=member, space=space, title="3", body="spam once more").pk
    word.delete()
    watch("once", "block")
    with pytest.raises(PublishBlocked):
        post_publish(author=member, space=space, title="4", body="just once")


def _publish_queries(author, space, n):
    with CaptureQueriesContext(connection) as captured:
        post_publish(author=author, space=space, title=f"Title {n}", body=f"An ordinary post {n}")
    return [query["sql"] for query in captured.captured_queries]


@pytest.mark.django_db
def test_publishing_costs_the_same_queries_with_0_or_50_watched_words(space):
    author = MemberFactory(trust_level=1, date_joined=timezone.now() - timedelta(days=30))
    _publish_queries(author, space, 0)  # joins the space: later posts do not
    assert watched_words_matcher().size == 0
    without = _publish_queries(author, space, 1)
    for n in range(25):
        WatchedWord.objects.create(pattern=f"word{n}", action="block")
        WatchedWord.objects.create(pattern=f"词{n}", action="flag" if n % 2 else "hold")
    assert watched_words_matcher().size == 50  # compiled once per change of the words, not per publish
    with_words = _publish_queries(author, space, 2)
    # is the author a moderator (group, then the space's role), the duplicate check, savepoint, the
    # membership (get_or_create), the insert, the space's counter, the outbox row, release: the words
    # add none (nor does the wave check, for an account older than a week)
    assert len(with_words) == len(without), "\n".join(with_words)
    assert len(without) == 8, "\n".join(without)


# --- the admin -----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_operators_add_a_word_in_the_admin_and_are_recorded_as_its_author(client, operator):
    client.force_login(operator)
    response = client.post(
        "/admin/moderation/watchedword/add/",
        {"pattern": " 违禁词 ", "action": "block", "reason": "illegal", "note": "", "is_active": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    word = WatchedWord.objects.get()
    assert word.pattern == "违禁词" and word.created_by == operator
    assert client.get("/admin/moderation/watchedword/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("pattern", "is_regex", "error"),
    [
        ("buy (now", "on", "This is not a valid regular expression: missing ), unterminated subpattern"),
        ("a*", "on", "This pattern matches empty text"),
        ("ＳＰＡＭ", "", "This word is already watched."),
    ],
)
def test_the_admin_refuses_a_bad_pattern_with_a_clear_error(client, operator, pattern, is_regex, error):
    WatchedWord.objects.create(pattern="spam", action="flag")
    client.force_login(operator)
    data = {"pattern": pattern, "action": "block", "reason": "spam", "note": "", "is_active": "on"}
    if is_regex:
        data["is_regex"] = is_regex
    response = client.post("/admin/moderation/watchedword/add/", data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert WatchedWord.objects.count() == 1


@pytest.mark.django_db
def test_members_and_moderators_cannot_reach_the_watched_words(client, member, moderator):
    assert client.get("/admin/moderation/watchedword/").status_code == 302  # to the admin's login
    for person in (member, moderator):
        client.force_login(person)
        assert client.get("/admin/moderation/watchedword/").status_code == 302


# --- Chinese, the demo words ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.legal("L20")
@pytest.mark.usefixtures("pending_zh")
def test_a_chinese_member_reads_the_refusal_in_chinese_beside_the_form(client, space):
    watch("违禁词", "block")
    author = MemberFactory(language="zh-hans")
    client.force_login(author)
    response = client.post(
        f"/s/{space.slug}/new/", {"title": "我的帖子", "body": "这里有违禁词出现", "kind": "discussion"}
    )
    page = response.content.decode()
    assert "你的内容包含“违禁词”，本社区不允许发布。请修改后再试。" in page
    assert "这里有违禁词出现" in page


@pytest.mark.django_db
def test_the_demo_words_are_seeded_once_and_work(member, space, operator):
    assert seed_demo_watched_words(operator=operator) == 3
    assert seed_demo_watched_words(operator=operator) == 0
    assert WatchedWord.objects.filter(created_by=operator).count() == 3
    held = post_publish(author=member, space=space, title="交友", body="有兴趣的朋友加微信聊")
    assert held.status == ContentStatus.PENDING_REVIEW
    with pytest.raises(PublishBlocked):
        post_publish(author=member, space=space, title="Grow fast", body="Buy  Followers today")
    flagged = post_publish(author=member, space=space, title="Look", body="See https://bit.ly/abc123")
    assert flagged.status == ContentStatus.PUBLISHED
    assert ReviewItem.objects.filter(object_id=flagged.pk).exists()
