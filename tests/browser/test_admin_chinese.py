"""An operator who reads the site in Chinese opens the members list and a member's page in the admin:
column headers, filters, labels and sections are Chinese (issue 7)."""

import pytest
from playwright.sync_api import expect

from tests.browser.test_moderation import log_in
from tests.factories import MemberFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.usefixtures("pending_zh")
def test_an_operator_reading_chinese_sees_the_members_admin_in_chinese(live_server, page, shoot):
    MemberFactory(email="operator@example.org", is_staff=True, is_superuser=True, language="zh-hans")
    member = MemberFactory(email="lin@example.org", display_name="林小雨", trust_level=2)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, live_server.url, "operator@example.org")

    page.goto(f"{live_server.url}/admin/members/member/")
    headers = page.locator("#result_list thead th")
    expect(headers.filter(has_text="显示名称")).to_have_count(1)
    expect(headers.filter(has_text="信任等级")).to_have_count(1)
    expect(page.locator("#changelist-filter")).to_contain_text("语言")
    expect(page.locator("#changelist-filter")).to_contain_text("版主")  # the roles, not the group names
    shoot("01-members-list-zh")

    # the staff access log asks why a member's page is opened (LEGAL L23); the reason comes with the link
    page.goto(f"{live_server.url}/admin/members/member/{member.pk}/change/?reason=审计")
    expect(page.locator("label[for=id_display_name]")).to_have_text("显示名称:")
    expect(page.locator("h2.fieldset-heading").first).to_be_visible()
    shoot("02-member-page-zh")
