"""Pre-moderation on a phone (LEGAL L21): a new member's first post waits for review — the author sees
"waiting for review", others do not see it — until a moderator approves it from /moderation/; then it is
in the space for everyone. In English and in Chinese."""

import pytest
from playwright.sync_api import expect

from content.models import ContentStatus, Post
from moderation.models import ReviewItem
from tests.factories import PASSWORD, MemberFactory, SpaceFactory
from tests.moderation.translations import pending_zh  # noqa: F401 - a fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WORDS = {
    "en": {
        "title": "Hello from a newcomer",
        "body": "I just joined and wanted to say hi to everyone.",
        "thanks": "A moderator will look at your post before it appears.",
        "waiting": "Waiting for review",
        "decided": "Decided.",
    },
    "zh-hans": {
        "title": "新人报到",
        "body": "我刚加入社区，想和大家打个招呼。",
        "thanks": "版主审核后你的帖子就会显示。",
        "waiting": "等待审核",
        "decided": "已处理",
    },
}


def log_in(page, base_url, email):
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.locator("[name=login]").fill(email)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()


def assert_fits(page):
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"


@pytest.mark.legal("L21")
@pytest.mark.usefixtures("pending_zh")
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_new_members_post_waits_for_review_until_a_moderator_approves_it(
    live_server, page, shoot, settings, language
):
    settings.MODERATION_PREMODERATE_FIRST_POSTS = 2
    words = WORDS[language]
    SpaceFactory(slug="garden", name="Garden" if language == "en" else "花园")
    newcomer = MemberFactory(email="new@example.org", display_name="Nora Newcomer", language=language)
    reader = MemberFactory(email="reader@example.org", display_name="Rui Reader", language=language)
    moderator = MemberFactory(
        email="mod@example.org", display_name="Mo Moderator", groups=["moderator"], language=language
    )

    log_in(page, live_server.url, newcomer.email)
    page.goto(f"{live_server.url}/s/garden/new/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    page.locator("[name=title]").fill(words["title"])
    page.locator("[name=body]").fill(words["body"])
    page.locator("main form[novalidate] button[type=submit]").click()
    expect(page.get_by_text(words["thanks"])).to_be_visible()
    expect(page.locator(".badge.warn")).to_have_text(words["waiting"])
    expect(page.locator("h1")).to_contain_text(words["title"])
    assert_fits(page)
    shoot(f"01-waiting-for-review-{language}")
    post = Post.objects.get()
    assert post.status == ContentStatus.PENDING_REVIEW

    log_in(page, live_server.url, reader.email)  # nobody else sees it yet
    page.goto(f"{live_server.url}/s/garden/")
    expect(page.locator("main")).not_to_contain_text(words["title"])

    log_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}/moderation/")
    assert_fits(page)
    shoot(f"02-queue-{language}")
    page.get_by_role("link", name=words["title"]).click()
    expect(page.locator("main")).to_contain_text(words["body"])
    page.locator("[name=action][value=approve]").check()
    page.locator("[name=reason]").fill("Welcome!" if language == "en" else "欢迎！")
    rule = page.locator("[name=rule]")
    if rule.evaluate("field => field.tagName") == "SELECT":  # a published community-rules version
        rule.select_option(index=1)
    else:
        rule.fill("Rules v1, §1" if language == "en" else "社区规则 v1 第1条")
    assert_fits(page)
    shoot(f"03-approve-{language}")
    page.locator("form[action$='/decide/'] button[type=submit]").click()
    expect(page.get_by_text(words["decided"]).first).to_be_visible()
    assert ReviewItem.objects.get().decision == "approve"

    log_in(page, live_server.url, reader.email)
    page.goto(f"{live_server.url}/s/garden/")
    expect(page.get_by_role("link", name=words["title"])).to_be_visible()
    assert_fits(page)
    shoot(f"04-in-the-space-{language}")
    assert Post.objects.get().status == ContentStatus.PUBLISHED
