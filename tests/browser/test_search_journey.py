"""Searching in headless Chromium on a phone: a member finds Chinese and English posts with the words
highlighted, results update while typing (htmx) and without JavaScript; an outsider never sees a private
space's post."""

import pytest
from playwright.sync_api import expect

from content.search import search_index_touch
from tests.factories import PASSWORD, MemberFactory, MembershipFactory, PostFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def library():
    """A member of a private space; public posts in Chinese and English; one private post."""
    reader = MemberFactory(email="reader@example.org", display_name="Reader")
    public = SpaceFactory(name="社群运营交流", slug="ops")
    private = SpaceFactory(name="Core team", slug="core", visibility="private")
    MembershipFactory(space=private, member=reader)
    posts = [
        PostFactory(
            space=public,
            author=reader,
            title="社群运营的秘密",
            body="我们讨论社群运营不让人反感的秘密：少发通知，多听成员说话。",
        ),
        PostFactory(
            space=public, author=reader, title="新人指南", body="这篇文章介绍怎样加入我们的线下活动。"
        ),
        PostFactory(
            space=public,
            author=reader,
            title="Running the weekly meetup",
            body="We run the meetup every Thursday; volunteers welcome.",
        ),
        PostFactory(
            space=private,
            author=reader,
            title="秘密预算计划",
            body="Only the core team can read this budget.",
        ),
    ]
    search_index_touch(post_ids=[post.pk for post in posts])
    return reader


def log_in(page, live_server, email):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def assert_fits_the_phone(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} is {width}px wide on a 375px phone"


def test_a_member_searches_in_chinese_and_english_and_sees_highlighted_results(
    live_server, page, shoot, library
):
    log_in(page, live_server, "reader@example.org")
    page.goto(f"{live_server.url}/search/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Search")
    shoot("01-search-page")

    # Typing is enough: htmx fetches the results after a short pause and swaps the list in place.
    page.get_by_label("Search for").press_sequentially("社群运营", delay=30)
    results = page.locator("#search-results")
    expect(results.get_by_role("heading", name="社群运营的秘密")).to_be_visible()
    expect(results.locator("mark").first).to_have_text("社群运营")
    expect(results.locator(".badge").first).to_have_text("Post")
    expect(page).to_have_url(f"{live_server.url}/search/?q=%E7%A4%BE%E7%BE%A4%E8%BF%90%E8%90%A5&kind=")
    assert_fits_the_phone(page)
    shoot("02-chinese-results")

    # A two-character word inside a sentence.
    page.get_by_label("Search for").fill("文章")
    page.get_by_role("button", name="Search").click()
    expect(results.get_by_role("heading", name="新人指南")).to_be_visible()
    expect(results.locator("mark")).to_have_text(["文章"])

    # English, with stemming: "runs" finds "Running" and "run".
    page.get_by_label("Search for").fill("runs")
    page.get_by_role("button", name="Search").click()
    expect(results.get_by_role("heading", name="Running the weekly meetup")).to_be_visible()
    expect(results.locator(".search-snippet mark")).to_have_text(["run"])
    shoot("03-english-results")

    # The member belongs to the private space, so its post is found too.
    page.get_by_label("Search for").fill("预算")
    page.get_by_role("button", name="Search").click()
    expect(results.get_by_role("heading", name="秘密预算计划")).to_be_visible()
    expect(results).to_contain_text("Core team")

    # In Chinese.
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.goto(f"{live_server.url}/search/?q=秘密")
    expect(results.get_by_role("heading", name="社群运营的秘密")).to_be_visible()
    expect(results.get_by_role("heading", name="秘密预算计划")).to_be_visible()
    assert_fits_the_phone(page)
    shoot("04-chinese-interface")


def test_an_outsider_does_not_see_the_private_post(live_server, page, shoot, library):
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Search for").fill("秘密")
    page.get_by_role("button", name="Search").click()
    results = page.locator("#search-results")
    expect(results.get_by_role("heading", name="社群运营的秘密")).to_be_visible()
    expect(results.get_by_text("秘密预算计划")).to_have_count(0)

    page.get_by_label("Search for").fill("预算")
    page.get_by_role("button", name="Search").click()
    expect(results).to_contain_text("Nothing found for “预算”")
    shoot("outsider-nothing-found")


def test_a_member_not_in_the_private_space_does_not_see_its_post(live_server, page, library):
    MemberFactory(email="stranger@example.org")
    log_in(page, live_server, "stranger@example.org")
    page.goto(f"{live_server.url}/search/?q=预算")
    expect(page.locator("#search-results")).to_contain_text("Nothing found")


def test_a_too_long_query_gets_a_message_beside_the_field(live_server, page, shoot, library):
    page.goto(f"{live_server.url}/search/?q={'长' * 250}")
    expect(page.locator("#id_q_error")).to_contain_text("at most 200 characters")
    expect(page.get_by_label("Search for")).to_have_attribute("aria-invalid", "true")
    assert_fits_the_phone(page)
    shoot("too-long")


def test_search_works_without_javascript(live_server, browser, library):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 812})
    page = context.new_page()
    page.goto(f"{live_server.url}/search/")
    page.get_by_label("Search for").fill("文章")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#search-results").get_by_role("heading", name="新人指南")).to_be_visible()
    assert "q=%E6%96%87%E7%AB%A0" in page.url
    context.close()
