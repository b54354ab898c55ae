"""The privacy centre and the policies in headless Chromium on a phone: a member turns marketing on
and off with one click each (with and without JavaScript), reads the privacy policy's generated table,
in English and in Chinese."""

import json
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from privacy.consents import consent_is_granted
from tests.factories import PASSWORD, MemberFactory
from tests.privacy.conftest import privacy_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _privacy_ready(settings, tmp_path):
    """Seeds (a transactional test starts from an empty database), the registrations members and
    content will make in ready(), and this topic's pending Chinese compiled into a catalogue."""
    from content.privacy import register as content_register
    from members.privacy import register as members_register

    privacy_seed()
    members_register()
    content_register()
    po = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    known = {entry.msgid for entry in po}
    pending = json.loads((ROOT / "locale" / "zh_Hans" / "pending" / "privacy.json").read_text("utf-8"))
    for msgid, msgstr in pending.items():
        if msgid in known:
            continue
        if isinstance(msgstr, list):
            po.append(polib.POEntry(msgid=msgid, msgid_plural=msgid, msgstr_plural={0: msgstr[0]}))
        else:
            po.append(polib.POEntry(msgid=msgid, msgstr=msgstr))
    folder = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]


def log_in(page, base_url, email):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()


def assert_fits(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.legal("L4")
def test_a_member_turns_marketing_on_and_off_in_one_click_each(live_server, page, shoot):
    member = MemberFactory(email="privacy@example.org")
    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/privacy/")
    expect(page.get_by_role("heading", name="Your privacy")).to_be_visible()
    assert_fits(page)
    shoot("01-privacy-centre")
    item = page.locator("#consent-marketing")
    item.get_by_role("button", name="Agree Marketing messages").click()
    expect(
        page.locator("#consent-marketing").get_by_role("button", name="Withdraw Marketing messages")
    ).to_be_visible()
    assert consent_is_granted(member, "marketing")
    shoot("02-marketing-on")
    page.locator("#consent-marketing").get_by_role("button", name="Withdraw Marketing messages").click()
    expect(
        page.locator("#consent-marketing").get_by_role("button", name="Agree Marketing messages")
    ).to_be_visible()
    assert not consent_is_granted(member, "marketing")


@pytest.mark.legal("L4")
def test_the_switch_works_without_javascript(live_server, browser, shoot):
    member = MemberFactory(email="nojs@example.org")
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 812})
    page = context.new_page()
    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/privacy/")
    page.locator("#consent-recommendations").get_by_role("button", name="Agree").click()
    expect(page.get_by_text("You agreed to: Personalised recommendations.")).to_be_visible()
    assert consent_is_granted(member, "recommendations")
    context.close()


@pytest.mark.legal("L1")
def test_the_privacy_policy_reads_on_a_phone_in_english_and_chinese(live_server, page, shoot):
    page.goto(f"{live_server.url}/privacy/policies/privacy_policy/")
    expect(page.get_by_role("heading", name="What we keep, why, and for how long")).to_be_visible()
    assert_fits(page)
    shoot("01-policy-en")
    member = MemberFactory(email="zh@example.org", language="zh-hans")
    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/privacy/policies/privacy_policy/")
    expect(page.get_by_role("heading", name="我们保存什么、为什么、保存多久")).to_be_visible()
    assert_fits(page)
    shoot("02-policy-zh")
    page.goto(f"{live_server.url}/privacy/")
    expect(page.get_by_role("heading", name="你的隐私")).to_be_visible()
    assert_fits(page)
    shoot("03-centre-zh")
