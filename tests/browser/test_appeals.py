"""Appeals on a phone (LEGAL L18): the author of a hidden post appeals from the decisions page, another
moderator upholds the appeal and the post is published again."""

import pytest
from playwright.sync_api import expect

from content.models import ContentStatus, Post
from moderation.models import ReviewItem
from moderation.services import report_file, review_item_decide
from tests.browser.test_moderation import assert_fits, log_in
from tests.factories import MemberFactory, PostFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.legal("L18")
def test_appeal_and_uphold_on_a_phone(live_server, page, shoot):
    author = MemberFactory(email="author@example.org", display_name="Ann Author")
    reporter = MemberFactory(email="reporter@example.org")
    moderator = MemberFactory(email="mod@example.org", groups=["moderator"])
    second = MemberFactory(email="second@example.org", display_name="Sam Second", groups=["moderator"])
    post = PostFactory(space=SpaceFactory(post_count=1), author=author, title="Our repair café")
    report_file(reporter=reporter, kind="post", object_id=post.pk, reason="spam", details="")
    review_item_decide(
        item=ReviewItem.objects.get(), by=moderator, action="hide", reason="Advertising.", rule="Rules v1, §4"
    )

    log_in(page, live_server.url, author.email)
    page.goto(f"{live_server.url}/moderation/decisions/")
    assert_fits(page)
    shoot("01-decisions")
    page.get_by_role("link", name="Appeal").click()
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.locator(".field.has-error")).to_be_visible()
    assert_fits(page)
    shoot("02-appeal-error")
    page.get_by_label("Why should the decision be changed?").fill(
        "It is a free community event, not an advert."
    )
    page.get_by_role("button", name="Send the appeal").click()
    expect(page.get_by_text("Your appeal has been sent")).to_be_visible()

    log_in(page, live_server.url, second.email)
    page.goto(f"{live_server.url}/moderation/appeals/")
    assert_fits(page)
    shoot("03-appeals-list")
    page.get_by_role("link", name="It is a free community event").click()
    page.get_by_label("Uphold the appeal (reverse the decision)").check()
    page.get_by_label("Reason (the member reads this)").fill("A free event is not advertising.")
    assert_fits(page)
    shoot("04-decide")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Appeal decided. The member has been told.")).to_be_visible()
    shoot("05-decided")
    assert Post.objects.get(pk=post.pk).status == ContentStatus.PUBLISHED
