import pytest
from playwright.sync_api import expect

from content.delivery.models import EmailOptOut
from content.delivery.unsubscribe import unsubscribe_token

pytestmark = [pytest.mark.browser, pytest.mark.legal("L14")]


@pytest.mark.django_db(transaction=True)
def test_a_member_stops_reply_emails_from_the_link_on_a_phone(live_server, page, shoot, member):
    token = unsubscribe_token(member_id=member.pk, category="replies")
    page.goto(f"{live_server.url}/unsubscribe/{token}/")
    expect(page.get_by_role("heading", name="Stop emails")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot("01-confirm")

    page.get_by_role("button", name="Stop these emails").click()

    expect(page.get_by_role("heading", name="Done")).to_be_visible()
    shoot("02-done")
    assert EmailOptOut.objects.filter(member=member, category="replies").exists()


@pytest.mark.django_db(transaction=True)
def test_a_broken_link_explains_itself_on_a_phone(live_server, page, shoot):
    page.goto(f"{live_server.url}/unsubscribe/not-a-token/")
    expect(page.get_by_role("heading", name="This link no longer works")).to_be_visible()
    shoot("01-broken")
