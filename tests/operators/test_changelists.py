"""The big admin lists cost the same queries for one row as for fifty: every column's relation is
joined (list_select_related) or prefetched once, never read row by row."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from content.delivery.models import Delivery
from privacy.consents import consent_grant
from privacy.requests import data_request_file
from tests.factories import CommentFactory, MemberFactory, PostFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def members(count):
    MemberFactory.create_batch(count)


def posts(count):
    space = SpaceFactory()
    for _ in range(count):
        PostFactory(space=space)


def comments(count):
    post = PostFactory()
    for _ in range(count):
        CommentFactory(post=post)


def deliveries(count):
    for number, recipient in enumerate(MemberFactory.create_batch(count)):
        Delivery.objects.create(
            source_kind="post.published",
            source_id=number,
            recipient=recipient,
            channel="email",
            category="posts",
            status="sent",
            due_at="2026-11-30T00:00:00Z",
        )


def consents(count):
    for member in MemberFactory.create_batch(count):
        consent_grant(member=member, purpose="marketing", channel="web")


def data_requests(count):
    for member in MemberFactory.create_batch(count):
        data_request_file(member=member, kind="correction", details="Fix my name.")


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


# (url, rows maker, queries for the operator, queries for the privacy officer or None when 403).
# The operator is a superuser: no permission queries. A privacy officer's first permission check loads
# their user permissions and their groups' permissions (2 queries, cached on the user for the request).
LISTS = {
    # members: the operator; COUNT for the paginator (no full count: show_full_result_count=False); the
    # date hierarchy's first and last day; its distinct dates; the page's members; their groups
    # (prefetched, for the roles column); the groups of the "groups" filter; inbox unread count
    "members": ("/admin/members/member/", members, 8, 10),
    # posts: the operator; COUNT; date bounds; their distinct dates; the spaces of the "space" filter; the
    # page with space and author joined; inbox unread count
    "posts": ("/admin/content/post/", posts, 7, None),
    # comments: the operator; COUNT; date bounds; their distinct dates; the page with post and author joined;
    # inbox unread count
    "comments": ("/admin/content/comment/", comments, 6, None),
    # deliveries: the operator; COUNT filtered and COUNT of all (show_full_result_count kept, pinned by
    # tests/delivery/test_admin.py); the distinct source kinds of their filter; date bounds; their distinct
    # dates; the page with recipients joined; inbox unread count
    "deliveries": ("/admin/content/delivery/", deliveries, 8, None),
    # consent ledger: the operator; COUNT; the page with member, actor, version and document joined;
    # inbox unread count (no date hierarchy on a ledger of millions)
    "consent entries": ("/admin/privacy/consententry/", consents, 4, 6),
    # data requests: the operator; COUNT; the page with member and handler joined and the overdue flag
    # annotated; inbox unread count
    "data requests": ("/admin/privacy/datarequest/", data_requests, 4, 6),
}


@pytest.mark.parametrize("name", list(LISTS))
def test_a_big_admin_list_costs_the_same_queries_for_one_row_and_for_fifty(
    client, operator, privacy_officer, name
):
    url, make, for_operator, for_officer = LISTS[name]
    make(1)
    client.force_login(operator)
    client.get(url)  # content types and other per-process caches, once
    one = page_queries(client, url)
    make(49)
    fifty = page_queries(client, url)
    assert one == fifty == for_operator, (one, fifty)
    if for_officer is not None:
        client.force_login(privacy_officer)
        assert page_queries(client, url) == for_officer
