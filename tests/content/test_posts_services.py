from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from content.exceptions import DuplicateContent, NotAllowed, PostingLimitReached, SpaceClosed
from content.hooks import _publish_checks, register_publish_check
from content.models import ContentStatus, Mention, Post, PostRevision, SpaceMembership
from content.services.comments import comment_create
from content.services.posts import post_delete, post_edit, post_pin, post_publish, post_set_promotional
from content.services.reactions import reaction_toggle
from tests.factories import MemberFactory, MembershipFactory, PostFactory, SpaceFactory


@pytest.fixture
def space(db):
    return SpaceFactory(slug="general", name="General")


def publish(author, space, n=0, **kwargs):
    return post_publish(author=author, space=space, title=f"Title {n}", body=f"Body number {n}", **kwargs)


def test_publishing_renders_markdown_safely_and_joins_the_space(member, space):
    post = post_publish(
        author=member,
        space=space,
        title="Hello",
        body=(
            "**bold** [site](https://example.com)\n\n- one\n- two\n\n"
            "<script>alert(1)</script><img src=x onerror=alert(1)>"
        ),
    )
    assert "<strong>bold</strong>" in post.body_html
    assert 'rel="nofollow ugc noopener"' in post.body_html
    assert "<li>one</li>" in post.body_html
    assert "<script" not in post.body_html and "onerror=" not in post.body_html.replace("onerror=alert", "")
    assert "<img" not in post.body_html
    assert SpaceMembership.objects.filter(space=space, member=member, status="active").exists()
    space.refresh_from_db()
    assert (space.member_count, space.post_count) == (1, 1)


def test_javascript_and_data_links_are_dropped(member, space):
    post = post_publish(
        author=member, space=space, title="t", body="[a](javascript:alert(1)) [b](data:text/html,x)"
    )
    assert "javascript:" not in post.body_html.split("[a]")[0] or 'href="javascript' not in post.body_html
    assert 'href="javascript' not in post.body_html
    assert 'href="data' not in post.body_html


@pytest.mark.legal("L21")
def test_a_new_member_reaches_the_daily_post_limit_with_a_retry_time(member, space):
    for n in range(3):
        publish(member, space, n)
    with pytest.raises(PostingLimitReached) as refused:
        publish(member, space, 3)
    assert refused.value.retry_at > timezone.now()
    assert "limit" in refused.value.message
    assert Post.objects.filter(author=member).count() == 3


def test_a_regular_member_has_a_much_higher_limit(space):
    regular = MemberFactory(trust_level=3)
    for n in range(10):
        publish(regular, space, n)
    assert Post.objects.filter(author=regular).count() == 10


@pytest.mark.legal("L21")
def test_new_members_may_include_at_most_two_links(member, space):
    with pytest.raises(PostingLimitReached):
        post_publish(
            author=member, space=space, title="t", body="https://a.com https://b.com [c](https://c.com)"
        )
    post_publish(author=member, space=space, title="t", body="https://a.com and https://b.com")


def test_the_same_text_twice_in_a_day_is_refused_even_with_different_spacing_or_case(member, space):
    post_publish(author=member, space=space, title="Buy now", body="Great offer at our shop")
    with pytest.raises(DuplicateContent):
        post_publish(author=member, space=space, title="Again", body="great   OFFER at our\u200b shop")
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        post_publish(author=member, space=space, title="Again", body="Great offer at our shop")


def test_slow_mode_refuses_a_second_post_too_soon(member):
    slow = SpaceFactory(slow_mode_seconds=600)
    publish(member, slow, 1)
    with pytest.raises(PostingLimitReached) as refused:
        publish(member, slow, 2)
    assert refused.value.retry_at is not None
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        publish(member, slow, 2)


def test_only_moderators_post_in_an_announcement_space(member, moderator):
    announcements = SpaceFactory(posting_policy="moderators")
    with pytest.raises(SpaceClosed):
        publish(member, announcements)
    post = publish(moderator, announcements, kind="announcement", is_promotional=True)
    assert post.is_promotional


def test_a_member_cannot_mark_their_post_promotional(member, space):
    with pytest.raises(NotAllowed):
        publish(member, space, kind="announcement")
    post = publish(member, space)
    with pytest.raises(NotAllowed):
        post_set_promotional(post=post, by=member, promotional=True)


def test_outsiders_cannot_post_in_a_private_space(member, other_member):
    private = SpaceFactory(visibility="private")
    MembershipFactory(space=private, member=member)
    publish(member, private)
    with pytest.raises(NotAllowed):
        publish(other_member, private)


def test_title_and_body_have_a_stated_maximum(member, space):
    from content.exceptions import ContentError

    with pytest.raises(ContentError, match="at most 200"):
        post_publish(author=member, space=space, title="x" * 201, body="ok")
    with pytest.raises(ContentError):
        post_publish(author=member, space=space, title="   ", body="ok")


def test_unicode_edge_cases_are_kept_as_written(member, space):
    title = "社群 🎉 مرحبا\u200b"
    post = post_publish(author=member, space=space, title=title, body="emoji 👩‍👩‍👧 RTL שלום")
    post.refresh_from_db()
    assert post.title == title.strip()
    assert "👩‍👩‍👧" in post.body_html


def test_editing_keeps_the_earlier_version(member, space):
    post = publish(member, space)
    post_edit(post=post, by=member, title="New title", body="New body")
    revision = PostRevision.objects.get(post=post)
    assert (revision.title, revision.body) == ("Title 0", "Body number 0")
    post.refresh_from_db()
    assert post.edited_at and post.body_html == "<p>New body</p>\n"


def test_another_member_cannot_edit_or_delete_but_a_space_moderator_can(member, other_member, space):
    post = publish(member, space)
    with pytest.raises(NotAllowed):
        post_edit(post=post, by=other_member, title="x", body="y")
    with pytest.raises(NotAllowed):
        post_delete(post=post, by=other_member)
    space_moderator = MembershipFactory(space=space, role="moderator").member
    post_edit(post=post, by=space_moderator, title="Fixed", body="Fixed body")
    assert post_delete(post=post, by=space_moderator) is True
    assert post_delete(post=post, by=space_moderator) is False  # idempotent


def test_deleting_is_soft_the_record_stays(member, space):
    post = publish(member, space)
    post_delete(post=post, by=member)
    post.refresh_from_db()
    assert post.deleted_at is not None and post.body == "Body number 0"


def test_only_space_moderators_pin(member, moderator, space):
    post = publish(member, space)
    with pytest.raises(NotAllowed):
        post_pin(post=post, by=member, pinned=True)
    assert post_pin(post=post, by=moderator, pinned=True).is_pinned


def test_a_publish_check_can_hold_a_post_for_review(member, space):
    def hold_everything(draft):
        return "hold"

    register_publish_check(hold_everything)
    try:
        post = publish(member, space)
    finally:
        _publish_checks.remove(hold_everything)
    assert post.status == ContentStatus.PENDING_REVIEW
    space.refresh_from_db()
    assert space.post_count == 0


def test_mentions_link_to_the_member_and_skip_those_who_blocked_the_author(member, space):
    li = MemberFactory(display_name="李伟")
    alex = MemberFactory(display_name="Alex Member")
    blocker = MemberFactory(display_name="Blocker")
    from members.models import Block

    Block.objects.create(blocker=blocker, blocked=member)
    post = post_publish(author=member, space=space, title="t", body='Hi @李伟, @"Alex Member" and @Blocker')
    assert set(Mention.objects.filter(post=post).values_list("member_id", flat=True)) == {li.pk, alex.pk}
    assert f'href="/members/{li.pk}/"' in post.body_html


def test_a_mention_inside_a_link_title_address_or_text_stays_plain_text(member, space):
    """Found by the stored-XSS suite (S2): @name was replaced inside attribute values too, which broke
    the surrounding link's markup (nothing could run: quotes and brackets stayed escaped)."""
    bob = MemberFactory(display_name="bob")
    member.trust_level = 2  # three links: more than a new member may post
    member.save(update_fields=["trust_level"])
    body = '[a](http://a.example "@bob") [b](http://b.example/?q=@bob) [see @bob](http://c.example) and @bob'
    post = post_publish(author=member, space=space, title="t", body=body)
    html = post.body_html
    assert html.count('class="mention"') == 1  # only the last, in plain text
    assert 'title="@bob"' in html
    assert 'href="http://b.example/?q=@bob"' in html
    assert ">see @bob</a>" in html
    assert html.rstrip().endswith(f'and <a class="mention" href="/members/{bob.pk}/">@bob</a></p>')


def test_a_blocked_member_cannot_reply_to_the_blocker(member, other_member, space):
    from members.models import Block

    post = publish(member, space)
    Block.objects.create(blocker=member, blocked=other_member)
    with pytest.raises(NotAllowed):
        comment_create(author=other_member, post=post, body="hello")


def test_replies_stay_one_level_deep_and_count(member, other_member, space):
    post = publish(member, space)
    top = comment_create(author=other_member, post=post, body="first")
    reply = comment_create(author=member, post=post, body="reply", parent=top)
    reply_to_reply = comment_create(author=other_member, post=post, body="deeper", parent=reply)
    assert reply_to_reply.parent_id == top.pk
    post.refresh_from_db()
    assert post.comment_count == 3


def test_reactions_toggle_and_switch_kind(member, other_member, space):
    post = publish(member, space)
    assert reaction_toggle(member=other_member, post=post, kind="like") == "like"
    assert reaction_toggle(member=other_member, post=post, kind="heart") == "heart"
    post.refresh_from_db()
    assert post.reaction_count == 1
    assert reaction_toggle(member=other_member, post=post, kind="heart") is None
    post.refresh_from_db()
    assert post.reaction_count == 0


def test_an_unknown_reaction_kind_is_refused(member, space):
    from content.exceptions import ContentError

    post = PostFactory(space=space)
    with pytest.raises(ContentError):
        reaction_toggle(member=member, post=post, kind="poop")
