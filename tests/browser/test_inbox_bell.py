"""The bell on a phone: a new post in a followed space lights it up without a reload, the inbox lists
the news, "mark all as read" clears it; the notification settings read in Chinese."""

import pytest
from playwright.sync_api import expect

from content.delivery.models import Outbox
from content.delivery.planner import deliveries_plan
from content.services.posts import post_publish
from members.models import Member
from tests.browser.test_members_profile import log_in
from tests.factories import MemberFactory, MembershipFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _bell_refresh(page):
    """What happens when the member comes back to the window (the bell also polls every 30 s)."""
    page.evaluate("window.dispatchEvent(new Event('focus'))")


def test_the_bell_count_updates_and_the_inbox_lists_and_clears_the_news(live_server, page, shoot):
    space = SpaceFactory(name="Tea lovers")
    reader = MemberFactory(email="bell@example.org", display_name="Bo Bell")
    author = MemberFactory(display_name="Ada Author")
    MembershipFactory(space=space, member=reader, notification_level="all")
    MembershipFactory(space=space, member=author)
    log_in(page, live_server.url, reader.email)
    page.goto(f"{live_server.url}/s/")
    bell = page.locator("#inbox-bell")
    expect(bell).to_have_text("Inbox")

    for title in ("Green tea tasting", "Oolong notes"):
        post = post_publish(author=author, space=space, title=title, body=f"Come and taste: {title}.")
        deliveries_plan(outbox_id=Outbox.objects.get(kind="post.published", object_id=post.pk).pk)
    _bell_refresh(page)

    expect(page.locator("#inbox-bell .count-badge")).to_have_text("2")
    expect(page.locator("#inbox-bell .count-badge")).to_have_attribute("aria-label", "2 unread")
    shoot("01-bell-lit")

    page.locator("#inbox-bell").click()
    expect(page.get_by_role("link", name="Ada Author posted “Oolong notes” in Tea lovers.")).to_be_visible()
    expect(
        page.get_by_role("link", name="Ada Author posted “Green tea tasting” in Tea lovers.")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot("02-inbox")

    page.get_by_role("button", name="Mark all as read").click()
    expect(page.locator("#inbox-bell .count-badge")).to_have_count(0)
    shoot("03-read")


def test_the_notification_settings_save_and_read_in_chinese(live_server, page, shoot):
    member = MemberFactory(email="zh-bell@example.org", language="zh-hans", timezone="Asia/Shanghai")
    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/members/preferences/")

    page.get_by_label("每日摘要一封").check()
    page.get_by_label("每天最多发送的邮件数").fill("2")
    page.get_by_label("活动开始前 1 小时的提醒可以在免打扰时段发送").check()
    page.get_by_role("button", name="保存").click()

    expect(page.get_by_label("每天最多发送的邮件数")).to_have_value("2")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot("01-settings-zh")
    member = Member.objects.get(pk=member.pk)
    assert (member.email_mode, member.email_daily_cap, member.reminder_in_quiet_hours) == ("daily", 2, True)
