"""The "Email" fieldset of the preferences page at phone width: a cap outside 1-20 is refused beside
the field with the typed value kept; a valid choice is saved."""

import pytest
from playwright.sync_api import expect

from members.models import Member
from tests.browser.test_members_profile import log_in
from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_member_sets_their_email_budget_on_a_phone(live_server, page, shoot):
    member = MemberFactory(email="budget@example.org", display_name="Bea Budget", timezone="UTC")
    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/members/preferences/")
    expect(page.locator("legend", has_text="Email").first).to_be_visible()

    page.get_by_label("One weekly digest, on Monday").check()
    page.get_by_label("At most this many emails a day").fill("0")
    page.get_by_label("New posts in my spaces").uncheck()
    page.get_by_role("button", name="Save").click()

    cap = page.get_by_label("At most this many emails a day")
    expect(cap).to_have_value("0")
    expect(page.locator(".has-error .errorlist")).to_have_text("Choose a number from 1 to 20.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot("01-cap-refused")

    cap.fill("5")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("At most this many emails a day")).to_have_value("5")
    shoot("02-saved")
    member = Member.objects.get(pk=member.pk)
    assert (member.email_mode, member.email_daily_cap, member.email_new_posts) == ("weekly", 5, False)
