"""A suspension on a phone (LEGAL L18, L20): a moderator suspends the author of a reported post for 3 days
from the review item; the author sees the banner on every page and cannot post (the message beside the
form, their text kept), in English and in Chinese."""

import pytest
from playwright.sync_api import expect

from content.models import Post
from members.models import Member
from moderation.models import ReviewItem
from moderation.services import report_file
from tests.browser.test_moderation import assert_fits, log_in
from tests.factories import PASSWORD, MemberFactory, PostFactory, SpaceFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _community_rules(transactional_db):
    from tests.browser.test_complaints import ensure_community_rules  # it imports this module

    ensure_community_rules()  # the decide form offers the rules of the published version


@pytest.fixture(autouse=True)
def _no_kicks(monkeypatch):
    """The delivery engine's after-commit kicks are not published to a broker from the live server."""
    monkeypatch.setattr("content.delivery.outbox.task_kick", lambda task, *args: True)


@pytest.mark.legal("L18")
@pytest.mark.legal("L20")
@pytest.mark.usefixtures("pending_zh")
def test_a_moderator_suspends_a_member_who_then_reads_but_cannot_post(live_server, page, shoot):
    author = MemberFactory(email="author@example.org", display_name="Ann Author")
    reporter = MemberFactory(email="reporter@example.org")
    moderator = MemberFactory(email="mod@example.org", display_name="Mo Moderator", groups=["moderator"])
    space = SpaceFactory(slug="garden", name="Garden", post_count=1)
    post = PostFactory(space=space, author=author, title="You are all idiots")
    report_file(reporter=reporter, kind="post", object_id=post.pk, reason="harassment", details="Insults.")
    item = ReviewItem.objects.get()

    log_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}/moderation/items/{item.pk}/")
    page.get_by_role("button", name="Claim this item").click()
    expect(page.get_by_role("button", name="Release claim")).to_be_visible()
    page.get_by_label("Suspend", exact=True).check()
    page.get_by_label("Reason (the author reads this)").fill("Insulting the whole space.")
    page.get_by_label("Community rule").select_option(value="2026-11#2")
    page.get_by_role("button", name="Decide").click()
    expect(page.locator(".field.has-error")).to_be_visible()  # no days yet: said beside the field
    expect(page.get_by_text("Say for how many days: a number from 1 to 365.")).to_be_visible()
    expect(page.get_by_label("Reason (the author reads this)")).to_have_value("Insulting the whole space.")
    assert_fits(page)
    shoot("01-days-missing")
    page.get_by_label("For how many days").fill("3")
    assert_fits(page)
    shoot("02-suspend-3-days")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Decided. The author and the reporters have been told.")).to_be_visible()
    assert Member.objects.get(pk=author.pk).suspended_until is not None

    log_in(page, live_server.url, author.email)
    banner = page.locator(".standing-banner")
    expect(banner).to_contain_text("Your account is suspended until")
    expect(banner).to_contain_text("you can read, but not post")
    assert_fits(page)
    shoot("03-banner")
    page.goto(f"{live_server.url}/p/{post.pk}/")  # reading still works
    expect(page.locator("h1")).to_contain_text("You are all idiots")
    page.goto(f"{live_server.url}/s/garden/new/")
    page.locator("[name=title]").fill("Sorry, everyone")
    page.locator("[name=body]").fill("I lost my temper yesterday.")
    page.locator("main form[novalidate] button[type=submit]").click()
    expect(page.locator("main form[novalidate]")).to_contain_text("Your account is suspended until")
    expect(page.locator("[name=body]")).to_have_value("I lost my temper yesterday.")
    assert_fits(page)
    shoot("04-post-refused")
    assert not Post.objects.filter(title="Sorry, everyone").exists()

    Member.objects.filter(pk=author.pk).update(language="zh-hans")
    page.goto(f"{live_server.url}/s/garden/new/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".standing-banner")).to_contain_text("你的账号已被暂停")
    page.locator("[name=title]").fill("对不起大家")
    page.locator("[name=body]").fill("我昨天发了脾气。")
    page.locator("main form[novalidate] button[type=submit]").click()
    expect(page.locator("main form[novalidate]")).to_contain_text("你的账号已被暂停")
    expect(page.locator("[name=body]")).to_have_value("我昨天发了脾气。")
    assert_fits(page)
    shoot("05-post-refused-zh")

    Member.objects.filter(pk=moderator.pk).update(language="zh-hans")
    second = PostFactory(space=space, author=MemberFactory(display_name="Spam Sender"), title="Cheap watches")
    report_file(reporter=reporter, kind="post", object_id=second.pk, reason="spam", details="")
    log_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}/moderation/items/{ReviewItem.objects.get(object_id=second.pk).pk}/")
    expect(page.get_by_text("暂停账号")).to_be_visible()
    expect(page.get_by_text("删除近期全部内容并封禁…")).to_be_visible()
    assert_fits(page)
    shoot("06-item-zh")


@pytest.mark.legal("L20")
@pytest.mark.usefixtures("pending_zh")
def test_a_spam_wave_is_swept_after_a_confirm_step_and_the_account_cannot_sign_in(live_server, page, shoot):
    spammer = MemberFactory(email="spam@example.org", display_name="Cheap Watches")
    moderator = MemberFactory(email="mod@example.org", display_name="Mo Moderator", groups=["moderator"])
    space = SpaceFactory(slug="garden", name="Garden", post_count=3)
    posts = [PostFactory(space=space, author=spammer, title=f"Cheap watches {n}") for n in range(3)]
    report_file(reporter=MemberFactory(), kind="post", object_id=posts[0].pk, reason="spam", details="")
    item = ReviewItem.objects.get()

    log_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}/moderation/items/{item.pk}/")
    page.get_by_role("button", name="Remove all recent content and ban…").click()
    expect(page.locator(".sweep-summary")).to_contain_text("This removes 3 items by Cheap Watches")
    page.get_by_role("button", name="Remove 3 items and ban").click()
    expect(page.locator(".field.has-error")).to_have_count(2)  # reason and rule, beside the fields
    page.get_by_label("Reason (the author reads this)").fill("Advertising in every space.")
    page.get_by_label("Community rule").select_option(value="2026-11#3")
    assert_fits(page)
    shoot("01-sweep-confirm")
    page.get_by_role("button", name="Remove 3 items and ban").click()
    expect(page.get_by_text("3 items removed and Cheap Watches banned.")).to_be_visible()
    shoot("02-swept")
    assert not Post.objects.filter(author=spammer, status="published").exists()

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(spammer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("h1")).to_have_text("This account is banned")
    assert_fits(page)
    shoot("03-banned-sign-in")

    page.context.clear_cookies()
    # a visitor's language comes from the language cookie (the switcher sets it) or the browser
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("[name=login]").fill(spammer.email)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("此账号已被封禁")
    assert_fits(page)
    shoot("04-banned-sign-in-zh")
