"""Community goals in the browser: an operator reads the goals on top of the health dashboard, and
anyone reads the published ones on /how-we-are-doing/ on a phone, in English and in Chinese."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from community.goals_progress import goals_changed
from community.models import Goal
from tests.browser.test_dashboard import _no_kicks, a_living_community  # noqa: F401 (a fixture)
from tests.browser.test_moderation import assert_fits, log_in
from tests.factories import MemberFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def some_goals():
    for position, (metric, target, days, published) in enumerate(
        [
            ("first_posts_answered", "80", 30, True),
            ("posts_per_day", "1", 7, True),
            ("overdue_review_items", "0", 30, False),
        ]
    ):
        Goal.objects.create(
            metric=metric, target=Decimal(target), period_days=days, published=published, position=position
        )
    goals_changed()


@pytest.mark.usefixtures("pending_zh")
def test_an_operator_reads_the_goals_and_anyone_reads_the_published_ones_on_a_phone(live_server, page, shoot):
    a_living_community()
    some_goals()
    operator = MemberFactory(email="olivia@example.org", is_staff=True, is_superuser=True)
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )

    log_in(page, live_server.url, operator.email)
    page.goto(f"{live_server.url}/admin/dashboard/")
    goals = page.locator("#goals")
    expect(goals.get_by_role("heading", name="Goals", level=2)).to_be_visible()
    expect(goals.locator("li.goal")).to_have_count(3)
    overdue = goals.locator("li.goal", has_text="Overdue review items")
    expect(overdue.locator(".goal-verdict")).to_have_text("✗ Not met yet")  # one item is overdue
    expect(overdue).to_contain_text("at most 0")
    expect(goals.get_by_role("link", name="Add a goal")).to_be_visible()
    assert_fits(page)
    shoot("01-dashboard-goals-phone")

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/how-we-are-doing/")
    expect(page.get_by_role("heading", name="How we are doing", level=1)).to_be_visible()
    expect(page.locator(".goal-card")).to_have_count(2)
    expect(page.get_by_text("Overdue review items")).to_have_count(0)
    expect(page.locator(".goal-card").first).to_contain_text("at least 80%")
    assert_fits(page)
    shoot("02-public-phone-en")

    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="我们做得怎么样", level=1)).to_be_visible()
    assert_fits(page)
    shoot("03-public-phone-zh-hans")
    assert refused == []
