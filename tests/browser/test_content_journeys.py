"""Posts, comments and reactions in headless Chromium: Markdown in, safe HTML out (no script ever runs),
a comment and reactions seen by the author without a reload, private spaces that are 404 for outsiders
(pages, comment anchors, events, iCal, search), the daily posting limit of a new member with their text
kept, and the key pages in English and Chinese on a phone and a desktop."""

import re

import pytest
from playwright.sync_api import expect

from content.models import Reaction
from content.rendering import render_markdown
from content.search import search_index_touch
from content.services import limits
from content.services.reactions import reaction_toggle
from tests.factories import (
    PASSWORD,
    CommentFactory,
    EventFactory,
    MemberFactory,
    MembershipFactory,
    PostFactory,
    SpaceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

MARKDOWN_BODY = """We meet **every Thursday** at the [library](https://library.example.org/events).

- bring a snack
- bring a friend

<script>alert(1)</script>
<img src=x onerror=alert(1)>
"""


def log_in(page, base_url, email):
    page.context.clear_cookies()
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.locator("form[action='/accounts/logout/'] button")).to_be_visible()  # either language


def assert_fits(page):
    width = page.viewport_size["width"]
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} is {scroll}px wide on a {width}px screen"


def watch_for_trouble(page):
    """Every dialog (alert, confirm) and every console error the page produces, to assert there are none."""
    trouble = {"dialogs": [], "errors": []}

    def on_dialog(dialog):
        trouble["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("console", lambda message: message.type == "error" and trouble["errors"].append(message.text))
    page.on("pageerror", lambda error: trouble["errors"].append(str(error)))
    return trouble


def post_reactions(page):
    """The reaction form of the post itself (each comment has its own)."""
    return page.locator("article.post form.reactions")


@pytest.fixture
def town():
    """A public space with two members: Ana writes, Bo reads and answers."""
    space = SpaceFactory(slug="town", name="Town square", description="Neighbours talk here.")
    ana = MemberFactory(email="ana@example.org", display_name="Ana", trust_level=1)
    bo = MemberFactory(email="bo@example.org", display_name="Bo", trust_level=1)
    for member in (ana, bo):
        MembershipFactory(space=space, member=member)
    return space, ana, bo


def test_a_member_writes_a_markdown_post_and_no_script_or_image_from_it_ever_runs(
    live_server, page, shoot, town
):
    trouble = watch_for_trouble(page)
    log_in(page, live_server.url, "ana@example.org")
    page.goto(f"{live_server.url}/s/town/")
    page.get_by_role("link", name="New post").click()
    expect(page).to_have_url(f"{live_server.url}/s/town/new/")
    page.get_by_label("Title").fill("Thursday meetups")
    page.get_by_label("Write your post").fill(MARKDOWN_BODY)
    expect(page.get_by_label("Kind")).to_have_value("discussion")
    page.get_by_role("button", name="Publish").click()

    expect(page).to_have_url(re.compile(r"/p/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Thursday meetups")
    prose = page.locator("article.post .prose")
    expect(prose.locator("strong")).to_have_text("every Thursday")
    link = prose.get_by_role("link", name="library")
    expect(link).to_have_attribute("href", "https://library.example.org/events")
    expect(link).to_have_attribute("rel", re.compile(r"\bnofollow\b"))
    expect(prose.locator("ul > li")).to_have_text(["bring a snack", "bring a friend"])

    # The HTML the member typed is shown as text (escaped), never as elements.
    assert page.locator(".prose script").count() == 0
    assert page.locator(".prose img").count() == 0
    assert page.locator(".prose [onerror]").count() == 0
    expect(prose).to_contain_text("<script>alert(1)</script>")
    page.wait_for_timeout(300)  # time for a broken image's onerror to have fired, had it existed
    assert trouble == {"dialogs": [], "errors": []}
    assert_fits(page)
    shoot("post-with-markdown-phone")


def test_a_comment_and_reactions_reach_the_author_who_reacts_without_a_reload(
    live_server, page, browser, shoot, town
):
    space, ana, bo = town
    post = PostFactory(
        space=space,
        author=ana,
        title="Thursday meetups",
        body=MARKDOWN_BODY,
        body_html=render_markdown(MARKDOWN_BODY),
    )
    post_url = f"{live_server.url}/p/{post.pk}/"

    # Bo comments and reacts 👍.
    bo_trouble = watch_for_trouble(page)
    log_in(page, live_server.url, bo.email)
    page.goto(post_url)
    page.get_by_label("Your comment").fill("Count me in — I will bring dumplings.")
    page.get_by_role("button", name="Comment", exact=True).click()
    comment = page.locator("article.comment").filter(has_text="I will bring dumplings")
    expect(comment).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/p/{post.pk}/#comment-\d+$"))
    like = post_reactions(page).locator("button[value='like']")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    like = post_reactions(page).locator("button[value='like']")  # the form swapped itself
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like.locator(".count")).to_have_text("1")
    assert bo_trouble == {"dialogs": [], "errors": []}

    # Ana, on her own desktop browser, sees the comment and the 👍, and reacts herself.
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    try:
        ana_page = context.new_page()
        ana_trouble = watch_for_trouble(ana_page)
        log_in(ana_page, live_server.url, ana.email)
        ana_page.goto(post_url)
        expect(ana_page.locator("article.comment").filter(has_text="I will bring dumplings")).to_contain_text(
            "Bo"
        )
        expect(ana_page.get_by_role("heading", name="1 comment")).to_be_visible()
        like = post_reactions(ana_page).locator("button[value='like']")
        expect(like).to_have_attribute("aria-pressed", "false")
        expect(like.locator(".count")).to_have_text("1")

        ana_page.evaluate("window.__marker = 1")
        like.click()
        like = post_reactions(ana_page).locator("button[value='like']")
        expect(like.locator(".count")).to_have_text("2")
        expect(like).to_have_attribute("aria-pressed", "true")
        assert ana_page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping the form"

        # Choosing another kind replaces her reaction, still in place.
        post_reactions(ana_page).locator("button[value='heart']").click()
        expect(post_reactions(ana_page).locator("button[value='heart'] .count")).to_have_text("1")
        expect(post_reactions(ana_page).locator("button[value='like'] .count")).to_have_text("1")
        expect(post_reactions(ana_page).locator("button[value='like']")).to_have_attribute(
            "aria-pressed", "false"
        )

        # Reacting to Bo's comment works the same way and leaves the post's reactions alone.
        comment_like = ana_page.locator("article.comment form.reactions button[value='thanks']")
        comment_like.click()
        expect(ana_page.locator("article.comment form.reactions button[value='thanks'] .count")).to_have_text(
            "1"
        )
        assert ana_page.evaluate("window.__marker") == 1
        assert ana_trouble == {"dialogs": [], "errors": []}
        assert_fits(ana_page)
        folder = shoot("bo-after-reacting-phone").parent
        ana_page.screenshot(path=str(folder / "ana-after-reacting-desktop.png"), full_page=True)
    finally:
        context.close()

    assert sorted(Reaction.objects.filter(post=post).values_list("kind", flat=True)) == ["heart", "like"]
    assert Reaction.objects.filter(comment__post=post, kind="thanks", member=ana).exists()


@pytest.fixture
def hideout():
    """A private space with a post, a comment and an event; one insider; the post is in the search index."""
    space = SpaceFactory(slug="hideout", name="Hideout", visibility="private")
    insider = MemberFactory(email="insider@example.org", display_name="Insider")
    MembershipFactory(space=space, member=insider)
    post = PostFactory(
        space=space, author=insider, title="Quokka budget plan", body="The quokkaplan stays inside."
    )
    comment = CommentFactory(post=post, author=insider, body="Agreed on the quokkaplan.")
    event = EventFactory(space=space, organiser=insider, title="Secret quokka picnic")
    search_index_touch(post_ids=[post.pk])
    MemberFactory(email="stranger@example.org", display_name="Stranger")
    return post, comment, event


def _assert_hidden(page, base_url, post, comment, event, *, space_status):
    """404 for the post, the comment's anchor, the event and its iCal file; the space page is a 404 for
    the anonymous and a door (name, "Ask to join", no content) for a signed-in member outside it."""
    for path, status in (
        (f"/p/{post.pk}/", 404),
        (f"/p/{post.pk}/#comment-{comment.pk}", 404),
        (f"/e/{event.pk}/", 404),
        (f"/e/{event.pk}/event.ics", 404),
        (f"/s/{post.space.slug}/", space_status),
    ):
        page.goto("about:blank")  # else the anchor URL is a same-page jump with no response
        response = page.goto(f"{base_url}{path}")
        assert response.status == status, f"{path} answered {response.status}"
        text = page.locator("body").inner_text()
        assert "quokka" not in text.casefold(), f"{path} leaks the private content"
    page.goto(f"{base_url}/search/?q=quokkaplan")
    results = page.locator("#search-results")
    expect(results).to_contain_text("Nothing found")
    expect(results.get_by_text("Quokka budget plan")).to_have_count(0)


def test_outsiders_get_a_404_for_everything_in_a_private_space_and_search_does_not_find_it(
    live_server, page, shoot, hideout
):
    post, comment, event = hideout

    _assert_hidden(page, live_server.url, post, comment, event, space_status=404)  # anonymous
    shoot("anonymous-search-finds-nothing")

    log_in(page, live_server.url, "stranger@example.org")  # signed in, not in the space
    _assert_hidden(page, live_server.url, post, comment, event, space_status=200)
    page.goto(f"{live_server.url}/s/hideout/")
    expect(page.get_by_role("button", name="Ask to join")).to_be_visible()
    assert_fits(page)
    shoot("stranger-at-the-door")
    page.goto(f"{live_server.url}/p/{post.pk}/")
    assert_fits(page)
    shoot("stranger-404")

    log_in(page, live_server.url, "insider@example.org")
    page.goto(f"{live_server.url}/search/?q=quokkaplan")
    expect(page.locator("#search-results").get_by_role("heading", name="Quokka budget plan")).to_be_visible()
    response = page.goto(f"{live_server.url}/p/{post.pk}/#comment-{comment.pk}")
    assert response.status == 200
    expect(page.locator(f"#comment-{comment.pk}")).to_contain_text("Agreed on the quokkaplan.")
    assert page.goto(f"{live_server.url}/e/{event.pk}/").status == 200


def test_a_new_member_hits_the_daily_post_limit_on_the_fourth_post_and_keeps_what_they_typed(
    live_server, page, shoot
):
    space = SpaceFactory(slug="newcomers", name="Newcomers")
    newbie = MemberFactory(email="newbie@example.org", display_name="Newbie", trust_level=0)
    MembershipFactory(space=space, member=newbie)
    log_in(page, live_server.url, newbie.email)

    for number in (1, 2, 3):
        page.goto(f"{live_server.url}/s/newcomers/new/")
        page.get_by_label("Title").fill(f"Hello number {number}")
        page.get_by_label("Write your post").fill(f"This is my post number {number}, glad to be here.")
        page.get_by_role("button", name="Publish").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hello number {number}")

    page.goto(f"{live_server.url}/s/newcomers/new/")
    page.get_by_label("Title").fill("One more thing")
    page.get_by_label("Write your post").fill("A fourth post, which is one too many for today.")
    page.get_by_role("button", name="Publish").click()

    expect(page).to_have_url(f"{live_server.url}/s/newcomers/new/")
    expect(page.get_by_text("today's limit")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("One more thing")
    expect(page.get_by_label("Write your post")).to_have_value(
        "A fourth post, which is one too many for today."
    )
    assert_fits(page)
    shoot("limit-reached-phone")
    page.goto(f"{live_server.url}/s/newcomers/")
    expect(page.locator(".post-title")).to_have_count(3)


# --- The key pages in both languages, on a phone and on a desktop -------------------------------------


@pytest.fixture
def lived_in_space():
    """A public space with a few posts; one post with a thread of comments and reactions."""
    space = SpaceFactory(slug="garden", name="Community garden 社区花园", description="Seeds, soil and 收获.")
    reader = MemberFactory(email="reader@example.org", display_name="Reader", trust_level=0)
    wang = MemberFactory(email="wang@example.org", display_name="王小明", trust_level=2)
    for member in (reader, wang):
        MembershipFactory(space=space, member=member)
    body = "周六上午**九点**在花园见。请带上：\n\n- 手套\n- 水壶\n\nMap: [garden](https://garden.example.org)"
    post = PostFactory(
        space=space,
        author=wang,
        title="周六一起来除草 — a long title that has to wrap on a narrow phone screen without scrolling",
        body=body,
        body_html=render_markdown(body),
    )
    PostFactory(space=space, author=reader, title="Tomatoes are ripe")
    first = CommentFactory(post=post, author=reader, body="I will come with two friends.")
    CommentFactory(post=post, author=wang, parent=first, body="太好了，谢谢！")
    CommentFactory(post=post, author=wang, body="https://a-very-long-link.example.org/" + "x" * 60)
    type(post).objects.filter(pk=post.pk).update(comment_count=3)
    reaction_toggle(member=wang, post=post, kind="like")
    reaction_toggle(member=reader, comment=first, kind="heart")
    return space, post, reader


def _show_focus_ring(page, locator):
    """Keyboard focus (Tab and back) so :focus-visible applies; return the outline the element gets."""
    locator.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    return locator.evaluate(
        "e => [getComputedStyle(e).outlineStyle, parseFloat(getComputedStyle(e).outlineWidth)]"
    )


@pytest.mark.parametrize("width", [375, 1280])
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_space_post_and_limit_pages_in_both_languages_fit_and_show_focus(
    live_server, page, shoot, lived_in_space, language, width
):
    space, post, reader = lived_in_space
    type(reader).objects.filter(pk=reader.pk).update(language=language)
    for _ in range(3):  # the reader already used today's three posts
        limits.take_window(author=reader, kind="post")
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, live_server.url, reader.email)
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.goto(f"{live_server.url}/s/garden/")
    expect(page.get_by_role("heading", level=1)).to_have_text(space.name)
    expect(page.locator(".post-title")).to_have_count(2)
    assert_fits(page)
    shoot(f"space-{language}-{width}")

    page.goto(f"{live_server.url}/p/{post.pk}/")
    expect(page.locator("article.comment")).to_have_count(3)
    # Screen readers hear the reaction's name in the member's language, then the count.
    like_name = "赞 1" if language == "zh-hans" else "Like 1"
    expect(post_reactions(page).locator("button[value='like']")).to_have_accessible_name(like_name)
    outline = _show_focus_ring(page, post_reactions(page).locator("button[value='like']"))
    assert outline[0] != "none" and outline[1] >= 2, f"no visible focus outline: {outline}"
    assert_fits(page)
    shoot(f"post-{language}-{width}")

    page.goto(f"{live_server.url}/s/garden/new/")
    page.locator("#id_title").fill("Seeds to share")
    page.locator("#id_body").fill("I have too many bean seeds; who wants some?")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("#id_title")).to_have_value("Seeds to share")
    expect(page.locator("#id_body")).to_have_value("I have too many bean seeds; who wants some?")
    message = "今天的发帖上限" if language == "zh-hans" else "today's limit"
    expect(page.get_by_text(message)).to_be_visible()
    assert_fits(page)
    shoot(f"form-limit-{language}-{width}")

    if language == "zh-hans":
        page.goto(f"{live_server.url}/s/garden/")
        expect(page.get_by_role("link", name="发新帖")).to_be_visible()
        page.goto(f"{live_server.url}/p/{post.pk}/")
        expect(page.get_by_label("你的评论")).to_be_visible()
        expect(page.get_by_role("button", name="评论", exact=True)).to_be_visible()


def test_a_post_shows_its_time_in_the_readers_own_time_zone(live_server, page):
    from datetime import UTC, datetime

    space = SpaceFactory(slug="clock")
    reader = MemberFactory(email="clock@example.org", timezone="Asia/Shanghai")
    post = PostFactory(space=space, title="What time is it")
    type(post).objects.filter(pk=post.pk).update(created_at=datetime(2026, 3, 1, 1, 30, tzinfo=UTC))
    log_in(page, live_server.url, reader.email)
    page.goto(f"{live_server.url}/p/{post.pk}/")
    # 01:30 UTC is 09:30 in Shanghai.
    expect(page.locator("article.post time")).to_have_attribute(
        "datetime", "2026-03-01T09:30:00+08:00", timeout=2000
    )
