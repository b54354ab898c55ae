"""Issue 7's journey: an operator signs in, opens the health dashboard (its charts are drawn), finds a
member by email in the members admin, suspends them through the action with a reason, and finds the
suspension in the audit log; the same in Chinese for a second member, on a phone and on a desktop."""

import pytest
from playwright.sync_api import expect

from members import standing
from members.models import Member
from moderation.models import ActionKind, ModerationAction
from tests.browser.test_dashboard import a_living_community, charts_drawn
from tests.browser.test_moderation import assert_fits, log_in
from tests.factories import MemberFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_kicks(monkeypatch):
    """The statement of reasons is queued; the after-commit kick is not published from the live server."""
    monkeypatch.setattr("content.delivery.outbox.task_kick", lambda task, *args: True)


def suspend_through_the_admin(page, base_url, *, email, reason, rule, labels):
    """Search the members changelist for the email, tick the one row, run the suspend action: first
    with a reason of blanks only (the browser's `required` lets it through; the form keeps the days and
    rule and says beside the field what is missing), then with a real one."""
    page.goto(f"{base_url}/admin/members/member/")
    page.locator("#searchbar").fill(email)
    page.locator("#changelist-search [type=submit]").click()
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(email)
    rows.first.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("suspend")
    page.locator("button[name=index]").click()

    page.get_by_label(labels["days"]).fill("7")
    page.get_by_label(labels["rule"]).fill(rule)
    page.get_by_label(labels["reason"]).fill("   ")
    page.get_by_role("button", name=labels["button"], exact=True).click()
    expect(page.locator(".field-reason .errorlist")).to_be_visible()
    expect(page.get_by_label(labels["rule"])).to_have_value(rule)
    expect(page.get_by_label(labels["days"])).to_have_value("7")

    page.get_by_label(labels["reason"]).fill(reason)
    page.get_by_role("button", name=labels["button"], exact=True).click()
    expect(page.locator(".messagelist .success")).to_be_visible()


def audit_row_for(page, base_url, member: Member):
    """The audit log filtered to suspensions: the newest row names the member."""
    page.goto(f"{base_url}/admin/moderation/moderationaction/?action__exact=suspend")
    row = page.locator("#result_list tbody tr").first
    expect(row).to_contain_text("moderation.member.suspend")
    return row


@pytest.mark.legal("L20")
@pytest.mark.usefixtures("pending_zh")
def test_an_operator_finds_a_member_by_email_suspends_them_with_a_reason_and_sees_it_in_the_audit_log(
    live_server, page, shoot
):
    a_living_community()
    operator = MemberFactory(
        email="olivia@example.org", display_name="Olivia Operator", is_staff=True, is_superuser=True
    )
    wei = MemberFactory(email="wei.troublesome@example.org", display_name="Wei")
    lin = MemberFactory(email="lin.spammer@example.org", display_name="Lin")

    log_in(page, live_server.url, operator.email)
    page.set_viewport_size({"width": 1280, "height": 900})
    # an operator lands on the admin, which shows the last 7 days of the community at a glance
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="The last 7 days at a glance")).to_be_visible()
    expect(page.locator(".glance-block h3", has_text="Participation")).to_be_visible()
    shoot("00-landed-on-the-admin")
    page.get_by_role("link", name="Dashboard: participation, welcome, moderation, email and privacy").click()
    expect(page.get_by_role("heading", name="Community health", level=1)).to_be_visible()
    assert charts_drawn(page) == page.locator("canvas").count() >= 5
    shoot("01-dashboard")

    suspend_through_the_admin(
        page,
        live_server.url,
        email=wei.email,
        reason="Three insulting replies in the Garden space this week.",
        rule="Rules 2026-11, §2 Respect",
        labels={
            "days": "For how many days",
            "reason": "Reason (the member reads this)",
            "rule": "Community rule",
            "button": "Suspend",
        },
    )
    expect(page.locator(".messagelist .success")).to_have_text("1 member suspended.")
    shoot("02-suspended")
    assert standing.member_is_suspended(member=Member.objects.get(pk=wei.pk))

    row = audit_row_for(page, live_server.url, wei)
    expect(row).to_contain_text("Suspend")
    shoot("03-audit-log")
    row.locator("th a, td a").first.click()
    expect(page.locator("#content")).to_contain_text("Three insulting replies in the Garden space this week.")
    expect(page.locator("#content")).to_contain_text("Rules 2026-11, §2 Respect")
    expect(page.locator("input[type=submit]")).to_have_count(0)  # append-only: nothing to save
    shoot("04-audit-entry")

    # The same in Chinese, on a phone.
    Member.objects.filter(pk=operator.pk).update(language="zh-hans")
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/admin/dashboard/")
    expect(page.get_by_role("heading", name="社区健康", level=1)).to_be_visible()
    assert charts_drawn(page) == page.locator("canvas").count()
    assert_fits(page)
    shoot("05-dashboard-chinese-phone")
    suspend_through_the_admin(
        page,
        live_server.url,
        email=lin.email,
        reason="同一条广告发了二十次。",
        rule="社区规则 2026-11，第 4 条 广告",
        labels={"days": "持续天数", "reason": "理由（成员会看到）", "rule": "社区规则", "button": "暂停账号"},
    )
    shoot("06-suspended-chinese-phone")
    audit_row_for(page, live_server.url, lin)
    shoot("07-audit-log-chinese-phone")

    suspensions = ModerationAction.objects.filter(action=ActionKind.SUSPEND).order_by("created_at")
    assert [(a.target_author_id, a.moderator_id) for a in suspensions] == [
        (wei.pk, operator.pk),
        (lin.pk, operator.pk),
    ]
