"""LEGAL L5 in headless Chromium on a phone: a 12-year-old signs up, cannot sign in yet, their guardian
opens the emailed link and consents, and the young member then signs in — in English and in Chinese."""

import re
import shutil
from pathlib import Path

import pytest
from playwright.sync_api import expect

from members.models import Member
from tests.members.test_guardian import born, pending_catalog
from tests.privacy.conftest import privacy_seed

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.legal("L5"),
]

PASSPHRASE = "a-long-enough-passphrase"
HEADINGS = {
    "en": {
        "emailed": "We emailed your parent or guardian",
        "inactive": "Your account is not active yet",
        "guardian": "A young person wants to join",
        "thanks": "Thank you",
        "home": "What's new in your spaces",
    },
    "zh-hans": {
        "emailed": "我们已给你的父母或监护人发了邮件",
        "inactive": "你的账号尚未启用",
        "guardian": "一位未成年人想加入",
        "thanks": "谢谢",
        "home": "你的版块里的新动态",
    },
}


@pytest.fixture(autouse=True)
def _privacy_ready(settings, tmp_path):
    """The seeds (a transactional test starts from an empty database), what members and content
    register with privacy, and this topic's pending Chinese compiled into a catalogue."""
    from content.privacy import register as content_register
    from members.privacy import register as members_register

    privacy_seed()
    members_register()
    content_register()
    settings.LOCALE_PATHS = [pending_catalog(tmp_path), *settings.LOCALE_PATHS]


@pytest.fixture
def snap(shoot, output_path):
    """shoot(), with a copy in this run's --output folder: a parallel run that empties
    var/test-artifacts then cannot take our screenshots with it."""

    def take(name: str) -> None:
        Path(output_path).mkdir(parents=True, exist_ok=True)
        shutil.copy(shoot(name), Path(output_path) / f"{name}.png")

    return take


def link_in(mail, pattern: str) -> str:
    return re.search(rf"https?://[^/\s]+({pattern}\S*)", mail.body).group(1)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_minor_signs_up_the_guardian_consents_and_the_minor_signs_in(
    live_server, page, snap, mailoutbox, language
):
    text = HEADINGS[language]
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])

    page.goto(f"{live_server.url}/accounts/signup/")
    page.locator("#id_email").fill("xiaoming@example.org")
    page.locator("#id_display_name").fill("小明 Ming")
    page.locator("#id_password1").fill(PASSPHRASE)
    page.locator("#id_birth_date").fill(born(12).isoformat())
    page.locator("#id_accept_terms").check()
    page.locator("#main form button[type=submit]").click()
    # Under 14 without a guardian's address: told beside the field, the rest kept.
    expect(page.locator("#id_guardian_email_error")).to_be_visible()
    expect(page.locator("#id_display_name")).to_have_value("小明 Ming")
    snap(f"01-{language}-guardian-address-needed")

    page.locator("#id_password1").fill(PASSPHRASE)
    page.locator("#id_guardian_email").fill("parent@example.net")
    page.locator("#main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["emailed"])
    snap(f"02-{language}-guardian-emailed")

    assert [mail.to for mail in mailoutbox] == [["parent@example.net"]]
    member = Member.objects.get(email="xiaoming@example.org")
    assert (member.is_active, member.is_minor, member.language) == (False, True, language)

    # Signing in before the guardian answers: a clear page, not signed in.
    page.context.clear_cookies()
    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill("xiaoming@example.org")
    page.locator("#id_password").fill(PASSPHRASE)
    page.locator("#main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["inactive"])
    snap(f"03-{language}-not-active-yet")

    # The guardian opens the link from the email, reads, and consents.
    page.goto(live_server.url + link_in(mailoutbox[0], "/members/guardian/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(text["guardian"])
    snap(f"04-{language}-guardian-page")
    page.locator("button[value=consent]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["thanks"])
    snap(f"05-{language}-guardian-consented")
    member.refresh_from_db()
    assert member.is_active is True

    # The young member signs in: first their own address is verified, as for anyone.
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill("xiaoming@example.org")
    page.locator("#id_password").fill(PASSPHRASE)
    page.locator("#main form button[type=submit]").click()
    assert mailoutbox[-1].to == ["xiaoming@example.org"]
    page.goto(live_server.url + link_in(mailoutbox[-1], "/accounts/confirm-email/"))
    page.locator("#main form button[type=submit]").click()
    page.locator("#id_login").fill("xiaoming@example.org")
    page.locator("#id_password").fill(PASSPHRASE)
    page.locator("#main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(text["home"])
    snap(f"06-{language}-signed-in")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.legal("L2")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_after_new_terms_a_member_reads_is_refused_posting_accepts_and_posts(
    live_server, page, snap, language
):
    from privacy.consents import consent_grant
    from privacy.models import PolicyDocument, PolicyVersion
    from privacy.services import policy_version_publish
    from tests.factories import PASSWORD, MemberFactory, MembershipFactory, PostFactory, SpaceFactory

    member = MemberFactory(email="lin@example.org", display_name="林 Lin", language=language)
    consent_grant(member=member, purpose="terms", channel="web", actor=member)
    space = SpaceFactory(slug="garden", name="Garden")
    MembershipFactory(space=space, member=member)
    post = PostFactory(space=space, title="Spring seeds")
    version = PolicyVersion.objects.create(
        document=PolicyDocument.objects.get(kind="terms"),
        label="2027-01",
        body_en="New terms",
        body_zh="新条款",
    )
    policy_version_publish(version=version, by=MemberFactory(is_staff=True))

    page.context.add_cookies([{"name": "django_language", "value": language, "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_login").fill(member.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#main form button[type=submit]").click()
    page.goto(f"{live_server.url}/p/{post.pk}/")
    expect(page.locator(".reconsent-banner")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring seeds")
    snap(f"11-{language}-reading-with-banner")

    page.goto(f"{live_server.url}/s/garden/new/")
    page.locator("#id_title").fill("Tomatoes")
    page.locator("#id_body").fill("Planted today.")
    page.locator("#main form button[type=submit]").click()
    expect(page.locator(".form-errors")).to_contain_text("/privacy/accept/")
    expect(page.locator("#id_body")).to_have_value("Planted today.")
    snap(f"12-{language}-posting-refused")

    page.locator(".reconsent-banner a").click()
    expect(page.locator("a[href='/privacy/policies/terms/2027-01/']")).to_be_visible()
    snap(f"13-{language}-what-changed")
    page.locator("#main form button[type=submit]").click()
    expect(page.locator(".reconsent-banner")).to_have_count(0)
    page.locator("#id_title").fill("Tomatoes")
    page.locator("#id_body").fill("Planted today.")
    page.locator("#main form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tomatoes")
    snap(f"14-{language}-posted")
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
