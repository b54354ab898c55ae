"""A visitor becomes a member, in headless Chromium: sign up, verify, log in, switch to Chinese, log out."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import MemberFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_visitor_signs_up_verifies_logs_in_switches_to_chinese_and_logs_out(
    live_server, page, shoot, mailoutbox
):
    page.goto(live_server.url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Welcome to")
    shoot("01-home")

    page.get_by_role("link", name="Sign up").first.click()
    page.get_by_label("Email:", exact=True).fill("ling@example.org")
    page.get_by_label("Display name").fill("林 Ling")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Sign Up").click()
    expect(page.locator("#id_password1_error")).to_contain_text("too short")
    expect(page.get_by_label("Email:", exact=True)).to_have_value("ling@example.org")
    expect(page.get_by_label("Display name")).to_have_value("林 Ling")
    shoot("02-signup-password-too-short")

    page.get_by_label("Password").fill("a-long-enough-passphrase")
    page.get_by_label("Date of birth").fill("1990-05-17")
    page.get_by_label("I agree to the terms of service and the privacy policy").check()
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Verify Your Email Address")
    shoot("03-verification-sent")

    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+", mailoutbox[0].body).group(0)
    page.goto(link)
    shoot("04-confirm-email")
    page.get_by_role("button", name="Confirm").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Sign In")
    page.get_by_label("Email:", exact=True).fill("ling@example.org")
    page.get_by_label("Password").fill("a-long-enough-passphrase")
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What's new in your spaces")
    shoot("05-logged-in")

    page.get_by_label("Language").select_option("zh-hans")  # submits by itself (static/js/site.js)
    expect(page.get_by_role("heading", level=1)).to_have_text("你的版块里的新动态")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    shoot("06-chinese")

    page.get_by_role("button", name="退出登录").click()
    expect(page.get_by_role("navigation", name="账户").get_by_role("link", name="登录")).to_be_visible()
    shoot("07-logged-out")


def test_ten_wrong_passwords_get_the_rate_limit_message(live_server, page, shoot):
    member = MemberFactory(email="target@example.org")
    page.goto(f"{live_server.url}/accounts/login/")
    for attempt in range(10):
        page.get_by_label("Email").fill(member.email)
        page.get_by_label("Password").fill(f"wrong-password-{attempt}")
        page.get_by_role("button", name="Sign In").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_text("Too many failed login attempts")).to_be_visible()
    assert "Server Error" not in page.content()
    shoot("rate-limited")


def test_pages_fit_a_phone_without_sideways_scrolling(live_server, page, shoot):
    for path in ["/", "/accounts/login/", "/accounts/signup/", "/no-such-page/"]:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a 375px phone"
    shoot("404-on-phone")


def test_the_keyboard_reaches_the_content_first_and_focus_is_visible(live_server, page, shoot):
    page.goto(live_server.url)
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    shoot("keyboard-focus")
