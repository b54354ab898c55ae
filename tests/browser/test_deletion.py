"""LEGAL L9 in headless Chromium on a phone: a member asks to delete their account (three clicks from
the privacy centre), sees the banner on every page, cancels it with one click, asks again; in English
and in Chinese."""

import json
from pathlib import Path

import polib
import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from members.models import Member
from privacy.models import DeletionRequest
from tests.browser.test_privacy import assert_fits, log_in
from tests.factories import PASSWORD, MemberFactory
from tests.privacy.conftest import privacy_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.legal("L9")]

ROOT = Path(django_settings.BASE_DIR)


@pytest.fixture(autouse=True)
def _ready(settings, tmp_path):
    """Seeds, the apps' registrations, and this topic's pending Chinese compiled into a catalogue."""
    from content.privacy import register as content_register
    from members.privacy import register as members_register
    from moderation.privacy import register as moderation_register

    privacy_seed()
    members_register()
    content_register()
    moderation_register()
    po = polib.pofile(str(ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))
    known = {entry.msgid: entry for entry in po}
    for name in ("privacy.json", "deletion.json"):
        pending = json.loads((ROOT / "locale" / "zh_Hans" / "pending" / name).read_text("utf-8"))
        for msgid, msgstr in pending.items():
            if isinstance(msgstr, list):
                continue
            if msgid in known:
                known[msgid].msgstr = known[msgid].msgstr or msgstr
            else:
                known[msgid] = polib.POEntry(msgid=msgid, msgstr=msgstr)
                po.append(known[msgid])
    folder = tmp_path / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po.save_as_mofile(str(folder / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path / "locale"]


def ask_for_deletion(page, base_url):
    page.goto(f"{base_url}/privacy/")
    page.get_by_role("link", name="Delete my account").click()  # 1
    page.get_by_label("Your current password").fill(PASSWORD)  # 2: the page, the password
    page.get_by_role("button", name="Delete my account").click()  # 3
    expect(page.get_by_role("heading", name="Your account is going to be deleted")).to_be_visible()


def test_a_member_asks_to_delete_their_account_cancels_from_the_banner_and_asks_again(
    live_server, page, shoot
):
    member = MemberFactory(email="leaving@example.org", display_name="Lena Leaving")
    log_in(page, live_server.url, member.email)

    # A wrong password is refused beside the field.
    page.goto(f"{live_server.url}/privacy/delete/")
    page.get_by_label("Your current password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("That is not your current password.")).to_be_visible()
    assert_fits(page)
    shoot("01-wrong-password")
    assert not DeletionRequest.objects.exists()

    ask_for_deletion(page, live_server.url)
    banner = page.locator(".deletion-banner")
    expect(banner).to_contain_text("Your account will be deleted on")
    assert_fits(page)
    shoot("02-pending")

    # Every page shows the banner; cancelling is one click and stays on the page.
    page.goto(f"{live_server.url}/s/")
    expect(banner).to_be_visible()
    assert_fits(page)
    shoot("03-banner-on-another-page")
    banner.get_by_role("button", name="Cancel deletion").click()
    expect(page.get_by_text("Deletion cancelled. Your account stays as it is.")).to_be_visible()
    expect(page.locator(".deletion-banner")).to_have_count(0)
    assert page.url.endswith("/s/")
    shoot("04-cancelled")
    assert DeletionRequest.objects.get().cancelled_at is not None

    ask_for_deletion(page, live_server.url)
    assert DeletionRequest.objects.open().count() == 1

    # The same in Chinese: the banner, the deletion page and the privacy centre.
    Member.objects.filter(pk=member.pk).update(language="zh-hans")
    page.goto(f"{live_server.url}/s/")
    expect(page.locator(".deletion-banner")).to_contain_text("你的账号将于")
    expect(page.get_by_role("button", name="取消注销").first).to_be_visible()
    assert_fits(page)
    shoot("05-banner-zh")
    page.goto(f"{live_server.url}/privacy/delete/")
    expect(page.get_by_role("heading", name="你的账号即将注销")).to_be_visible()
    assert_fits(page)
    shoot("06-pending-zh")


def test_the_deletion_page_in_chinese_before_asking(live_server, page, shoot):
    member = MemberFactory(email="zh-leaving@example.org", display_name="李离开", language="zh-hans")
    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/privacy/delete/")
    expect(page.get_by_role("heading", name="注销我的账号")).to_be_visible()
    expect(page.get_by_label("当前密码")).to_be_visible()
    assert_fits(page)
    shoot("01-deletion-page-zh")


@pytest.mark.legal("L6")
def test_the_privacy_centre_lists_recent_sign_ins_in_both_languages(live_server, page, shoot):
    from privacy.access_log import access_log_flush

    member = MemberFactory(email="signs-in@example.org", display_name="Sam Signs")
    log_in(page, live_server.url, member.email)
    access_log_flush()  # the beat does this every 10 seconds
    page.goto(f"{live_server.url}/privacy/#sign-ins-heading")
    table = page.locator("section[aria-labelledby='sign-ins-heading'] table")
    expect(table).to_contain_text("127.0.0.x")
    expect(table).to_contain_text("Chrome on Linux")
    assert_fits(page)
    page.locator("#sign-ins-heading").scroll_into_view_if_needed()
    page.screenshot(path=str(shoot("01-centre-en").with_name("01-sign-ins-en.png")))
    Member.objects.filter(pk=member.pk).update(language="zh-hans")
    page.goto(f"{live_server.url}/privacy/")
    expect(page.get_by_role("heading", name="最近的登录记录")).to_be_visible()
    expect(table).to_contain_text("Linux 上的 Chrome")
    assert_fits(page)
    page.locator("#sign-ins-heading").scroll_into_view_if_needed()
    page.screenshot(path=str(shoot("02-centre-zh").with_name("02-sign-ins-zh.png")))
