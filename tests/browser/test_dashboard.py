"""An operator opens the community health dashboard on a phone and on a desktop, switches between 7, 30
and 90 days, and reads it in English and in Chinese: the charts are drawn (Chart.js from our static
files, no inline script under the CSP) and the numbers sit in tables beside them."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from content.delivery.models import Delivery
from members.models import ActiveDay, Member
from moderation.models import ReviewItem
from moderation.services import report_file
from tests.browser.test_moderation import assert_fits, log_in
from tests.factories import CommentFactory, MemberFactory, PostFactory, SpaceFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_kicks(monkeypatch):
    """The delivery engine's after-commit kicks are not published to a broker from the live server."""
    monkeypatch.setattr("content.delivery.outbox.task_kick", lambda task, *args: True)


def a_living_community():
    """A fortnight of a small community: members joining and coming back, posts and replies, a few
    reports, emails sent, rolled into digests and cancelled."""
    now = timezone.now()
    space = SpaceFactory(name="Garden", slug="garden")
    members = MemberFactory.create_batch(12)
    for index, member in enumerate(members):
        Member.objects.filter(pk=member.pk).update(date_joined=now - timedelta(days=index * 2))
        ActiveDay.objects.bulk_create(
            [
                ActiveDay(member=member, day=timezone.localdate() - timedelta(days=d))
                for d in range(0, 14, 1 + index % 3)
            ]
        )
    for day in range(14):
        for number in range(day % 4 + 1):
            post = PostFactory(space=space, author=members[(day + number) % 12])
            when = now - timedelta(days=day, hours=number)
            type(post).objects.filter(pk=post.pk).update(created_at=when)
            if number % 2 == 0:
                reply = CommentFactory(post=post, author=members[(day + number + 1) % 12])
                type(reply).objects.filter(pk=reply.pk).update(created_at=when + timedelta(hours=3))
    for number, reason in enumerate(["spam", "spam", "harassment", "off_topic", "spam"]):
        post = PostFactory(space=space, author=members[number])
        report_file(reporter=members[number + 1], kind="post", object_id=post.pk, reason=reason)
    ReviewItem.objects.filter(pk=ReviewItem.objects.order_by("pk").first().pk).update(
        due_at=now - timedelta(hours=1)
    )
    for number, member in enumerate(members):
        for day in range(0, 10, 2):
            status = ["sent", "sent", "rolled_over", "cancelled"][(number + day) % 4]
            Delivery.objects.create(
                source_kind="post.published",
                source_id=number * 100 + day,
                recipient=member,
                channel="email",
                category="posts",
                status=status,
                sent_at=now - timedelta(days=day) if status == "sent" else None,
                due_at=now - timedelta(days=day),
                reason="daily cap" if status == "cancelled" else "",
            )


def charts_drawn(page) -> int:
    """How many canvases Chart.js drew on, checked on their pixels (not only the attribute it sets),
    once every canvas of the page says it was drawn."""
    expect(page.locator("canvas:not([data-drawn=true])")).to_have_count(0)
    return page.evaluate(
        """() => [...document.querySelectorAll('canvas')].filter(c => {
            if (c.dataset.drawn !== 'true' || !c.width || !c.height) return false;
            const pixels = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) return true;
            return false;
        }).length"""
    )


@pytest.mark.usefixtures("pending_zh")
def test_an_operator_reads_the_dashboard_on_a_phone_and_a_desktop_in_english_and_chinese(
    live_server, page, shoot
):
    a_living_community()
    operator = MemberFactory(
        email="olivia@example.org", display_name="Olivia Operator", is_staff=True, is_superuser=True
    )
    refused = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )

    log_in(page, live_server.url, operator.email)
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="Dashboard: participation, welcome, moderation, email and privacy").click()
    expect(page.get_by_role("heading", name="Community health", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Last 30 days")).to_have_attribute("aria-current", "page")
    canvases = page.locator("canvas").count()
    assert canvases >= 5
    expect(page.locator("canvas[data-drawn=true]")).to_have_count(canvases)
    assert charts_drawn(page) == canvases
    assert_fits(page)
    shoot("01-phone-30-days")

    page.get_by_role("link", name="Last 7 days").click()
    expect(page).to_have_url(f"{live_server.url}/admin/dashboard/?days=7")
    expect(page.get_by_role("link", name="Last 7 days")).to_have_attribute("aria-current", "page")
    expect(page.locator("#participation .health-table").first.locator("tbody tr")).to_have_count(7)
    assert charts_drawn(page) == page.locator("canvas").count()
    assert_fits(page)
    shoot("02-phone-7-days")

    page.get_by_role("link", name="Last 90 days").click()
    expect(page).to_have_url(f"{live_server.url}/admin/dashboard/?days=90")
    expect(page.locator("#participation .health-table").first.locator("tbody tr")).to_have_count(90)
    overdue = page.locator(".health-number", has_text="Overdue review items")
    expect(overdue).to_have_class("health-number warn")
    expect(overdue.locator(".value")).to_have_text("1")
    assert_fits(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Last 30 days").click()
    expect(page).to_have_url(f"{live_server.url}/admin/dashboard/?days=30")
    assert charts_drawn(page) == page.locator("canvas").count()
    shoot("03-desktop-30-days")

    Member.objects.filter(pk=operator.pk).update(language="zh-hans")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.get_by_role("heading", name="社区健康", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="最近 30 天")).to_have_attribute("aria-current", "page")
    expect(page.locator("#participation h2")).to_have_text("参与")
    assert charts_drawn(page) == page.locator("canvas").count()
    shoot("04-desktop-chinese")

    page.set_viewport_size({"width": 375, "height": 812})
    page.get_by_role("link", name="最近 7 天").click()
    expect(page).to_have_url(f"{live_server.url}/admin/dashboard/?days=7")
    expect(page.get_by_role("link", name="最近 7 天")).to_have_attribute("aria-current", "page")
    assert charts_drawn(page) == page.locator("canvas").count()
    assert_fits(page)
    shoot("05-phone-chinese-7-days")
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_be_visible()
    expect(page.get_by_role("link", name="仪表板：参与、欢迎、审核、邮件与隐私")).to_be_visible()
    shoot("06-phone-chinese-admin-index")
    assert refused == []
