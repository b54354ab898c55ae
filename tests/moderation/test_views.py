from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from content.models import ContentStatus, Post
from moderation.models import Report, ReviewItem
from moderation.services import report_file, review_item_claim
from tests.factories import MemberFactory, PostFactory
from tests.moderation.queries import assert_own_queries

pytestmark = pytest.mark.django_db


def _report(reporter, target, kind="post", reason="spam"):
    return report_file(reporter=reporter, kind=kind, object_id=target.pk, reason=reason, details="")


@pytest.fixture
def item(member, post):
    _report(member, post)
    return ReviewItem.objects.get()


def _as(client, who):
    if who is not None:
        client.force_login(who)
    return client


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("member", 403), ("other_member", 403), ("moderator", 200), ("operator", 200)],
)
def test_only_moderators_and_operators_open_the_queue_and_items(client, request, item, role, expected):
    who = None if role == "anonymous" else request.getfixturevalue(role)
    client = _as(client, who)
    assert client.get("/moderation/").status_code == expected
    assert client.get(f"/moderation/items/{item.pk}/").status_code == expected
    response = client.post(f"/moderation/items/{item.pk}/claim/")
    assert response.status_code == (302 if expected != 403 else 403)
    if role == "anonymous":
        assert "/accounts/login/" in response["Location"]
        assert ReviewItem.objects.get().claimed_by_id is None


def test_a_space_moderator_sees_only_their_spaces_items(client, member, item, space_moderator, other_member):
    elsewhere = PostFactory(author=other_member)
    _report(member, elsewhere)
    foreign = ReviewItem.objects.get(object_id=elsewhere.pk)
    client.force_login(space_moderator)
    page = client.get("/moderation/").content.decode()
    assert f"/moderation/items/{item.pk}/" in page
    assert f"/moderation/items/{foreign.pk}/" not in page
    assert client.get(f"/moderation/items/{foreign.pk}/").status_code == 404


@pytest.mark.parametrize("rows", [1, 50])
def test_the_queue_costs_the_same_queries_for_1_and_50_items(client, moderator, space, other_member, rows):
    for _ in range(rows):
        _report(MemberFactory(), PostFactory(space=space, author=other_member))
    client.force_login(moderator)
    # (sessions live in the cache) 1 the moderator, 2 the moderator's groups (site moderator?), 3 the
    # items with their space, claimer and author (one JOINed query), 4 the unread count in the header.
    with assert_own_queries(4):
        response = client.get("/moderation/")
    assert response.content.decode().count('class="card queue-item') == rows


@pytest.mark.legal("L19")
def test_overdue_items_come_first_and_are_marked(client, moderator, member, space, other_member):
    slow = PostFactory(space=space, author=other_member)
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        _report(member, slow, reason="off_topic")
    urgent = PostFactory(space=space, author=other_member)
    _report(member, urgent, reason="illegal")
    fresh = PostFactory(space=space, author=other_member)
    _report(member, fresh, reason="harassment")
    client.force_login(moderator)
    page = client.get("/moderation/").content.decode()
    ids = {p.pk: ReviewItem.objects.get(object_id=p.pk).pk for p in (slow, urgent, fresh)}
    positions = [page.index(f"/moderation/items/{ids[p.pk]}/") for p in (slow, urgent, fresh)]
    assert positions == sorted(positions)
    assert page.count("Overdue") == 1 + page.count("Overdue only")

    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        page = client.get("/moderation/?overdue=on").content.decode()
    assert f"/moderation/items/{ids[urgent.pk]}/" in page  # the 2-hour clock has run out
    assert f"/moderation/items/{ids[fresh.pk]}/" not in page  # harassment: first look within a day


def test_the_queue_filters_by_reason_and_by_my_claims(
    client, moderator, operator, member, space, other_member
):
    spam, rude = PostFactory(space=space, author=other_member), PostFactory(space=space, author=other_member)
    _report(member, spam, reason="spam")
    _report(member, rude, reason="harassment")
    spam_item, rude_item = (
        ReviewItem.objects.get(object_id=spam.pk),
        ReviewItem.objects.get(object_id=rude.pk),
    )
    review_item_claim(item=rude_item, by=operator)
    client.force_login(operator)
    page = client.get("/moderation/?reason=spam").content.decode()
    assert f"/items/{spam_item.pk}/" in page and f"/items/{rude_item.pk}/" not in page
    page = client.get("/moderation/?mine=on").content.decode()
    assert f"/items/{rude_item.pk}/" in page and f"/items/{spam_item.pk}/" not in page
    partial = client.get("/moderation/?reason=harassment", headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode() and f"/items/{rude_item.pk}/" in partial.content.decode()


def test_the_item_page_shows_the_snapshot_every_report_and_the_case_file(client, moderator, item, post):
    Report.objects.filter(review_item=item).update(details="Links to a shop")
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{item.pk}/").content.decode()
    assert post.title in page
    assert "Links to a shop" in page
    assert "Trust level" in page and "Earlier actions" in page


def test_claiming_with_htmx_returns_the_claim_box_and_names_the_holder_to_the_loser(
    client, moderator, operator, item
):
    client.force_login(moderator)
    response = client.post(f"/moderation/items/{item.pk}/claim/", headers={"HX-Request": "true"})
    assert "You are handling this item" in response.content.decode()
    client.force_login(operator)
    response = client.post(f"/moderation/items/{item.pk}/claim/", headers={"HX-Request": "true"})
    assert moderator.display_name in response.content.decode()
    assert ReviewItem.objects.get().claimed_by_id == moderator.pk


@pytest.mark.legal("L18")
def test_the_decide_form_needs_a_reason_and_a_rule_beside_the_fields(client, moderator, item):
    client.force_login(moderator)
    response = client.post(
        f"/moderation/items/{item.pk}/decide/", {"action": "hide", "reason": "", "rule": ""}
    )
    assert response.status_code == 400
    assert response.content.decode().count('class="errorlist') >= 2
    assert ReviewItem.objects.get().status == "open"


@pytest.mark.legal("L18")
def test_deciding_from_the_page_hides_the_post_for_members(client, moderator, member, item, post):
    client.force_login(moderator)
    response = client.post(
        f"/moderation/items/{item.pk}/decide/",
        {"action": "hide", "reason": "Advertising.", "rule": "Rules v1 §4"},
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).status == ContentStatus.HIDDEN
    client.force_login(member)
    assert client.get(f"/p/{post.pk}/").status_code == 404


@pytest.mark.legal("L17")
def test_a_member_reports_a_post_through_the_form_and_sees_a_receipt(client, member, post):
    client.force_login(member)
    form = client.get(f"/moderation/report/post/{post.pk}/")
    assert form.status_code == 200 and "Harassment or abuse" in form.content.decode()
    response = client.post(
        f"/moderation/report/post/{post.pk}/", {"reason": "harassment", "details": "Insults"}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/p/{post.pk}/"
    assert "We received your report" in response.content.decode()
    assert Report.objects.get().details == "Insults"


def test_the_report_form_keeps_the_text_and_shows_the_error_beside_the_field(client, member, post):
    client.force_login(member)
    response = client.post(f"/moderation/report/post/{post.pk}/", {"details": "Keep me"})
    assert response.status_code == 400
    assert "Keep me" in response.content.decode() and 'class="errorlist' in response.content.decode()


@pytest.mark.parametrize("kind", ["comment", "event", "member"])
def test_every_kind_of_target_has_a_report_form(client, member, other_member, post, kind):
    from tests.factories import CommentFactory, EventFactory

    target = {
        "comment": lambda: CommentFactory(post=post, author=other_member),
        "event": lambda: EventFactory(space=post.space, organiser=other_member),
        "member": lambda: other_member,
    }[kind]()
    client.force_login(member)
    assert client.get(f"/moderation/report/{kind}/{target.pk}/").status_code == 200


def test_outsiders_get_a_404_for_private_content_and_visitors_must_log_in(
    client, member, private_space, other_member
):
    secret = PostFactory(space=private_space, author=other_member)
    assert client.get(f"/moderation/report/post/{secret.pk}/").status_code == 302
    client.force_login(member)
    assert client.get(f"/moderation/report/post/{secret.pk}/").status_code == 404
    assert client.get("/moderation/report/space/1/").status_code == 404


def test_the_item_page_links_an_edited_posts_earlier_versions(client, moderator):
    from django.utils import timezone

    from moderation.models import ReviewItem
    from moderation.services import report_file
    from tests.factories import MemberFactory, PostFactory

    post = PostFactory(edited_at=timezone.now())
    report_file(reporter=MemberFactory(), kind="post", object_id=post.pk, reason="spam")
    client.force_login(moderator)

    page = client.get(f"/moderation/items/{ReviewItem.objects.get().pk}/").content.decode()

    assert f'href="/p/{post.pk}/revisions/"' in page
