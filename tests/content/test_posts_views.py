import pytest
from django.urls import reverse

from content.models import InboxItem, Post, SpaceMembership
from tests.factories import CommentFactory, EventFactory, MembershipFactory, PostFactory, SpaceFactory


@pytest.fixture
def space(db):
    return SpaceFactory(slug="general", name="General")


@pytest.fixture
def private_post(db, member):
    private = SpaceFactory(slug="inner", name="Inner circle", visibility="private")
    MembershipFactory(space=private, member=member)
    post = PostFactory(space=private, author=member, title="Secret plans")
    CommentFactory(post=post, body="secret comment")
    return post


def test_a_member_publishes_a_post_from_the_form(member_client, space):
    response = member_client.post(
        reverse("content:post_create", args=["general"]),
        {"title": "Hello", "body": "**Hi** all", "kind": "discussion"},
    )
    post = Post.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("content:post_detail", args=[post.pk])
    page = member_client.get(response.url).content.decode()
    assert "<strong>Hi</strong>" in page


@pytest.mark.legal("L21")
def test_a_refused_post_keeps_the_text_and_says_when_to_try_again(member_client, space):
    for n in range(3):
        member_client.post(
            reverse("content:post_create", args=["general"]),
            {"title": f"T{n}", "body": f"Body {n}", "kind": "discussion"},
        )
    response = member_client.post(
        reverse("content:post_create", args=["general"]),
        {"title": "My fourth", "body": "Words I do not want to lose", "kind": "discussion"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "today&#x27;s limit of new posts" in html or "today's limit of new posts" in html
    assert "you can post again" in html
    assert 'value="My fourth"' in html
    assert "Words I do not want to lose" in html


def test_an_over_long_title_is_refused_beside_the_field(member_client, space):
    response = member_client.post(
        reverse("content:post_create", args=["general"]),
        {"title": "x" * 201, "body": "kept body", "kind": "discussion"},
    )
    html = response.content.decode()
    assert 'id="id_title_error"' in html
    assert "kept body" in html


def test_an_unknown_space_is_a_404(member_client):
    assert member_client.get(reverse("content:post_create", args=["nope"])).status_code == 404
    assert member_client.get(reverse("content:space_detail", args=["nope"])).status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "other_member"])
def test_outsiders_get_a_404_for_a_private_post_and_never_its_title(client, request, private_post, who):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("content:post_detail", args=[private_post.pk]))
    assert response.status_code == 404
    assert "Secret plans" not in response.content.decode()
    comment = private_post.comments.get()
    assert client.post(reverse("content:comment_react", args=[comment.pk]), {"kind": "like"}).status_code in (
        302,
        404,
    )
    assert "Secret plans" not in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize("who", ["member", "operator"])
def test_members_of_the_private_space_and_operators_read_it(client, request, private_post, who):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("content:post_detail", args=[private_post.pk]))
    assert response.status_code == 200
    assert "secret comment" in response.content.decode()


def test_a_signed_in_outsider_sees_the_private_space_door_and_can_ask_to_join(
    client, other_member, private_post
):
    client.force_login(other_member)
    door = client.get(reverse("content:space_detail", args=["inner"])).content.decode()
    assert "Ask to join" in door and "Secret plans" not in door
    client.post(reverse("content:space_join", args=["inner"]))
    assert SpaceMembership.objects.get(member=other_member).status == "requested"


def test_a_space_moderator_approves_a_request_and_the_member_is_told(
    client, member, other_member, private_post
):
    space = private_post.space
    SpaceMembership.objects.filter(member=member).update(role="moderator")
    MembershipFactory(space=space, member=other_member, status="requested")
    client.force_login(member)
    client.post(
        reverse("content:space_members_manage", args=["inner"]),
        {"action": "approve", "member": other_member.pk},
    )
    assert SpaceMembership.objects.get(member=other_member).status == "active"
    assert InboxItem.objects.get(recipient=other_member).kind == "space.request_approved"


def test_the_manage_page_is_only_for_space_moderators(client, member, other_member, operator, private_post):
    MembershipFactory(space=private_post.space, member=other_member)
    client.force_login(other_member)
    assert client.get(reverse("content:space_members_manage", args=["inner"])).status_code == 403
    client.force_login(operator)
    assert client.get(reverse("content:space_members_manage", args=["inner"])).status_code == 200


def test_a_reaction_by_htmx_returns_the_updated_bar(client, member, other_member, space):
    post = PostFactory(space=space, author=member)
    client.force_login(other_member)
    response = client.post(
        reverse("content:post_react", args=[post.pk]), {"kind": "like"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith("<form")
    assert 'aria-pressed="true"' in html


def test_anonymous_visitors_cannot_react_or_comment(client, space):
    post = PostFactory(space=space)
    response = client.post(reverse("content:post_react", args=[post.pk]), {"kind": "like"})
    assert response.status_code == 302 and "/accounts/login/" in response.url
    response = client.post(reverse("content:comment_create", args=[post.pk]), {"body": "hi"})
    assert response.status_code == 302


def test_an_empty_comment_gets_a_field_error(member_client, space):
    post = PostFactory(space=space)
    response = member_client.post(reverse("content:comment_create", args=[post.pk]), {"body": "  "})
    assert response.status_code == 400
    assert 'id="id_body_error"' in response.content.decode()


def test_another_member_cannot_edit_or_delete_my_post(client, member, other_member, space):
    post = PostFactory(space=space, author=member)
    client.force_login(other_member)
    response = client.post(reverse("content:post_edit", args=[post.pk]), {"title": "x", "body": "y"})
    assert response.status_code == 403
    assert client.post(reverse("content:post_delete", args=[post.pk])).status_code == 403
    post.refresh_from_db()
    assert post.title != "x" and post.deleted_at is None


def test_revisions_are_visible_to_moderators_only(client, member, moderator, space):
    post = PostFactory(space=space, author=member)
    client.force_login(member)
    client.post(reverse("content:post_edit", args=[post.pk]), {"title": "Changed", "body": "Changed body"})
    assert client.get(reverse("content:post_revisions", args=[post.pk])).status_code == 404
    client.force_login(moderator)
    page = client.get(reverse("content:post_revisions", args=[post.pk])).content.decode()
    assert post.title in page


def test_a_deleted_post_disappears_for_members(member_client, member, space):
    post = PostFactory(space=space, author=member)
    member_client.post(reverse("content:post_delete", args=[post.pk]))
    assert member_client.get(reverse("content:post_detail", args=[post.pk])).status_code == 404


def test_muted_authors_are_collapsed(client, member, other_member, space):
    from members.models import Mute

    PostFactory(space=space, author=other_member, title="Loud post")
    MembershipFactory(space=space, member=member)
    Mute.objects.create(muter=member, muted=other_member)
    client.force_login(member)
    html = client.get(reverse("content:space_detail", args=["general"])).content.decode()
    assert "whom you muted" in html


def feed_queries(client, space, n, django_assert_num_queries, expected):
    for _ in range(n):
        post = PostFactory(space=space)
        CommentFactory(post=post)
    with django_assert_num_queries(expected):
        response = client.get(reverse("content:space_detail", args=[space.slug]))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [1, 50])
def test_the_space_page_query_count_does_not_grow_with_posts(
    client, member, space, n, django_assert_num_queries
):
    MembershipFactory(space=space, member=member)
    client.force_login(member)
    # member, the private-space door check, the space, the feed page, its reaction summary, my
    # reactions, muted ids, pinned posts (none, so nothing to decorate), my membership, moderator checks
    # (group, space role), inbox unread count
    feed_queries(client, space, n, django_assert_num_queries, 12)


@pytest.mark.parametrize("n", [1, 50])
def test_the_home_feed_query_count_does_not_grow_with_posts(
    client, member, space, n, django_assert_num_queries
):
    MembershipFactory(space=space, member=member)
    for _ in range(n):
        PostFactory(space=space)
    client.force_login(member)
    # member (the session itself is in the Redis cache), feed page, reactions summary, my reactions,
    # muted ids, my spaces, inbox unread count
    with django_assert_num_queries(7):
        client.get(reverse("home"))


@pytest.mark.parametrize("n", [1, 200])
def test_a_post_with_many_comments_has_a_fixed_query_count(
    client, member, space, n, django_assert_num_queries
):
    post = PostFactory(space=space)
    CommentFactory.create_batch(n, post=post)
    client.force_login(member)
    # member, post, post reactions x3 (summary, mine, muted), comments, comment reactions x3,
    # moderator checks (group, space role), the correction note (issue 10: one query, shown above the
    # body), inbox unread count; can_participate needs none (public)
    with django_assert_num_queries(13):
        response = client.get(reverse("content:post_detail", args=[post.pk]))
    assert response.status_code == 200


def test_load_more_returns_the_next_page_for_htmx(member_client, member, space):
    MembershipFactory(space=space, member=member)
    posts = [PostFactory(space=space) for _ in range(35)]
    first = member_client.get(reverse("content:space_detail", args=["general"])).content.decode()
    assert posts[-1].title in first and posts[0].title not in first
    cursor = first.split("?after=")[1].split('"')[0]
    more = member_client.get(
        reverse("content:space_detail", args=["general"]) + f"?after={cursor}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert posts[0].title in more and posts[-1].title not in more
    assert "<html" not in more


def test_a_malformed_cursor_gives_the_first_page(member_client, space):
    PostFactory(space=space, title="Only post")
    html = member_client.get(
        reverse("content:space_detail", args=["general"]) + "?after=garbage"
    ).content.decode()
    assert "Only post" in html


def test_the_inbox_lists_items_and_marks_them_read(member_client, member, space):
    event = EventFactory(space=space, title="Tea")
    item = InboxItem.objects.create(
        recipient=member, kind="event.promoted", url="/events/", data={"title": "Tea", "event_id": event.pk}
    )
    assert "Tea" in member_client.get(reverse("content:inbox")).content.decode()
    response = member_client.get(reverse("content:inbox_open", args=[item.pk]))
    assert response.url == "/events/"
    item.refresh_from_db()
    assert item.read_at is not None


def test_someone_elses_inbox_item_is_a_404(client, member, other_member):
    item = InboxItem.objects.create(recipient=member, kind="space.invited", data={"space": "x"})
    client.force_login(other_member)
    assert client.get(reverse("content:inbox_open", args=[item.pk])).status_code == 404


def test_visitors_see_the_landing_page_with_public_spaces(client, space):
    SpaceFactory(slug="hidden", name="Hidden", visibility="private")
    html = client.get("/").content.decode()
    assert "General" in html and "Hidden" not in html


def test_a_member_not_in_any_space_is_invited_to_browse(member_client):
    assert "Browse spaces" in member_client.get("/").content.decode()


def test_a_members_posts_page_lists_what_the_viewer_may_read(client, member, other_member, space):
    private = SpaceFactory(slug="secret", visibility="private")
    MembershipFactory(space=private, member=member)
    PostFactory(space=space, author=member, title="Open thoughts")
    PostFactory(space=private, author=member, title="Hidden thoughts")
    client.force_login(other_member)
    html = client.get(reverse("content:member_posts", args=[member.pk])).content.decode()
    assert "Open thoughts" in html and "Hidden thoughts" not in html
    profile = client.get(reverse("members:profile", args=[member.pk])).content.decode()
    assert "Open thoughts" in profile and "Hidden thoughts" not in profile


def test_a_members_posts_page_follows_the_profile_rules(client, member, other_member, space):
    from members.models import Block

    PostFactory(space=space, author=member)
    response = client.get(reverse("content:member_posts", args=[member.pk]))
    assert response.status_code == 302  # profiles are for members by default
    Block.objects.create(blocker=member, blocked=other_member)
    client.force_login(other_member)
    assert client.get(reverse("content:member_posts", args=[member.pk])).status_code == 404
