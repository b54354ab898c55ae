"""Issue 7's "done means": an operator who signs in lands on the admin, whose index shows the last 7
days of the community at a glance (the dashboard's own cached figures); others land on the home feed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from members.models import ActiveDay
from tests.factories import PASSWORD, CommentFactory, MemberFactory, PostFactory

pytestmark = pytest.mark.django_db


def _sign_in(client, member, next_url=""):
    address = f"/accounts/login/?next={next_url}" if next_url else "/accounts/login/"
    return client.post(address, {"login": member.email, "password": PASSWORD})


@pytest.mark.parametrize(
    ("who", "lands_on"),
    [("operator", "/admin/"), ("member", "/"), ("moderator", "/"), ("privacy_officer", "/")],
)
def test_an_operator_lands_on_the_admin_and_everyone_else_on_the_home_feed(client, request, who, lands_on):
    response = _sign_in(client, request.getfixturevalue(who))
    assert response.status_code == 302
    assert response.headers["Location"] == lands_on


def test_an_address_asked_for_before_signing_in_wins(client, operator):
    response = _sign_in(client, operator, next_url="/moderation/")
    assert response.headers["Location"] == "/moderation/"


def test_the_admin_index_shows_the_last_7_days_of_the_community(client, operator):
    writers = MemberFactory.create_batch(3)
    for writer in writers:
        ActiveDay.objects.create(member=writer, day=timezone.localdate())
    post = PostFactory(author=writers[0])
    CommentFactory(post=post, author=writers[1])
    client.force_login(operator)
    html = client.get("/admin/").content.decode()
    assert "The last 7 days at a glance" in html
    assert "<h3>Participation</h3>" in html and "<h3>Moderation</h3>" in html
    assert "<dt>Active in the last 7 days</dt><dd>3</dd>" in html


def test_a_second_look_at_the_admin_index_reads_the_glance_from_the_cache(client, operator):
    client.force_login(operator)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as first:
        client.get("/admin/")
    # the member, the roles and the admin's own reads, but no figure query: they come from the cache
    assert not [q for q in first.captured_queries if "activeday" in q["sql"] or "content_post" in q["sql"]]


def test_a_moderator_sees_only_the_moderation_glance(client, staff_moderator):
    client.force_login(staff_moderator)
    html = client.get("/admin/").content.decode()
    assert "<h3>Moderation</h3>" in html
    assert "<h3>Participation</h3>" not in html
