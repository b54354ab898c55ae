"""Moderation on a phone: a member reports a post, a moderator finds it in the queue, claims it with
htmx, hides it with a reason and a rule; the author reads the statement of reasons in their inbox."""

import pytest
from playwright.sync_api import expect

from content.models import ContentStatus, InboxItem, Post
from moderation.models import ReviewItem
from tests.factories import PASSWORD, MemberFactory, PostFactory, SpaceFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _community_rules(transactional_db):
    from tests.browser.test_complaints import ensure_community_rules  # it imports this module

    ensure_community_rules()  # the decide form offers the rules of the published version


def log_in(page, base_url, email):
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    # members land on the site, operators on the admin (members/adapter.py): either has a way out
    expect(page.locator("form[action='/accounts/logout/'] button, #logout-form button").first).to_be_visible()


def assert_fits(page):
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"


@pytest.mark.legal("L17")
@pytest.mark.legal("L18")
def test_report_claim_and_hide_on_a_phone(live_server, page, shoot):
    author = MemberFactory(email="author@example.org", display_name="Ann Author")
    reporter = MemberFactory(email="reporter@example.org", display_name="Rita Reporter")
    moderator = MemberFactory(email="mod@example.org", display_name="Mo Moderator", groups=["moderator"])
    post = PostFactory(space=SpaceFactory(post_count=1), author=author, title="Cheap watches, click here")

    log_in(page, live_server.url, reporter.email)
    page.goto(f"{live_server.url}/moderation/report/post/{post.pk}/")
    assert_fits(page)
    shoot("01-report-form")
    page.get_by_label("Spam or advertising").check()
    page.get_by_label("Details (optional)").fill("Links to a shop in every sentence.")
    page.get_by_role("button", name="Send the report").click()
    expect(page.get_by_text("We received your report")).to_be_visible()

    log_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}/moderation/")
    assert_fits(page)
    shoot("02-queue")
    page.get_by_role("link", name="Cheap watches, click here").click()
    page.get_by_role("button", name="Claim this item").click()
    expect(page.get_by_text("You are handling this item")).to_be_visible()
    assert_fits(page)
    shoot("03-item-claimed")
    page.get_by_label("Hide").check()
    page.get_by_label("Reason (the author reads this)").fill("Advertising is not allowed here.")
    page.get_by_label("Community rule").select_option(value="2026-11#3")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Decided. The author and the reporters have been told.")).to_be_visible()
    shoot("04-decided")

    assert Post.objects.get(pk=post.pk).status == ContentStatus.HIDDEN
    assert ReviewItem.objects.get().status == "decided"
    assert InboxItem.objects.filter(recipient=author, kind="moderation.notice").exists()
    assert InboxItem.objects.filter(recipient=reporter, kind="report.outcome").exists()
