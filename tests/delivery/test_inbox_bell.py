"""The bell: the inbox link with the unread count, on every page, refreshed by htmx polling."""

from django.urls import reverse

from content.models import InboxItem
from tests.factories import MemberFactory


def test_the_bell_shows_the_members_unread_count(member_client, member):
    InboxItem.objects.create(recipient=member, kind="post.new", data={"title": "A"})
    InboxItem.objects.create(recipient=member, kind="post.new", data={"title": "B"})
    InboxItem.objects.create(recipient=MemberFactory(), kind="post.new", data={"title": "C"})

    response = member_client.get(reverse("content:inbox_bell"))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'aria-label="2 unread"' in page
    assert 'hx-trigger="every 30s, focus from:window"' in page


def test_without_unread_items_the_bell_has_no_badge(member_client):
    page = member_client.get(reverse("content:inbox_bell")).content.decode()
    assert "count-badge" not in page


def test_a_signed_out_tab_is_told_to_stop_polling(client):
    assert client.get(reverse("content:inbox_bell")).status_code == 286


def test_the_bell_costs_the_same_queries_with_one_or_fifty_unread(
    member_client, member, django_assert_num_queries
):
    InboxItem.objects.create(recipient=member, kind="post.new", data={"title": "A"})
    # the member (the session is in the cache) and one COUNT on the partial "unread" index
    with django_assert_num_queries(2):
        member_client.get(reverse("content:inbox_bell"))
    InboxItem.objects.bulk_create(
        [InboxItem(recipient=member, kind="post.new", data={"title": str(n)}) for n in range(49)]
    )
    with django_assert_num_queries(2):
        page = member_client.get(reverse("content:inbox_bell")).content.decode()
    assert 'aria-label="50 unread"' in page


def test_every_page_carries_the_bell_for_a_member(member_client):
    page = member_client.get(reverse("content:space_list")).content.decode()
    assert 'id="inbox-bell"' in page
