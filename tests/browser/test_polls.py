"""Polls and questions in headless Chromium on a phone: a member writes a post with a poll, another
votes and the bars appear without a reload; a question gets an answer, the asker accepts it in place and
the feed shows it solved; the pages in English and Chinese at 375 px."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from content.models import Poll, PollOption, Post
from content.services.polls import poll_check, poll_create, poll_vote
from content.services.questions import question_answer_accept
from tests.browser.test_content_journeys import assert_fits, log_in, watch_for_trouble
from tests.factories import CommentFactory, MemberFactory, MembershipFactory, PostFactory, SpaceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def town():
    space = SpaceFactory(slug="town", name="Town square", description="Neighbours talk here.")
    ana = MemberFactory(email="ana@example.org", display_name="Ana", trust_level=1)
    bo = MemberFactory(email="bo@example.org", display_name="Bo", trust_level=1)
    for member in (ana, bo):
        MembershipFactory(space=space, member=member)
    return space, ana, bo


def test_a_member_writes_a_post_with_a_poll_and_another_votes_without_a_reload(
    live_server, page, shoot, town
):
    _space, ana, bo = town
    trouble = watch_for_trouble(page)
    log_in(page, live_server.url, ana.email)
    page.goto(f"{live_server.url}/s/town/new/")
    page.get_by_label("Title").fill("Where shall we meet?")
    page.get_by_label("Write your post").fill("Pick a place for Saturday.")
    page.get_by_text("Add a poll (optional)").click()

    # bad input first: one option only; the error is beside the field and the text stays
    page.get_by_label("Poll options, one per line").fill("The library")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("#id_poll-options_error")).to_contain_text("at least 2 options")
    expect(page.get_by_label("Title")).to_have_value("Where shall we meet?")
    expect(page.get_by_label("Poll options, one per line")).to_have_value("The library")
    assert_fits(page)
    shoot("poll-form-error-en-375")

    page.get_by_label("Poll options, one per line").fill("The library\nThe park\nThe café on Main Street")
    page.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/p/\d+/$"))
    poll_section = page.locator("#poll")
    expect(poll_section.get_by_role("heading", name="Poll")).to_be_visible()
    expect(poll_section.get_by_label("The park")).to_be_visible()
    assert trouble == {"dialogs": [], "errors": []}
    post = Post.objects.get(title="Where shall we meet?")
    assert post.has_poll

    # Bo votes; the section swaps itself and shows the bars
    log_in(page, live_server.url, bo.email)
    page.goto(f"{live_server.url}/p/{post.pk}/")
    page.evaluate("window.__marker = 1")
    page.locator("#poll").get_by_role("radio", name="The park").check()
    page.locator("#poll").get_by_role("button", name="Vote").click()
    results = page.locator("#poll-results")
    expect(results).to_be_visible()
    expect(results.locator("meter")).to_have_count(3)
    park = results.locator("li.poll-result").filter(has_text="The park")
    expect(park).to_contain_text("100% · 1 vote")
    expect(park).to_contain_text("Your choice")
    expect(park.locator("meter")).to_have_attribute("value", "100")
    expect(park.locator("meter")).to_have_accessible_name(re.compile(r"The park.*100% · 1 vote"))
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping the poll"

    # He changes his mind, still in place
    page.get_by_text("Change your vote").click()
    page.locator("#poll").get_by_role("radio", name="The library").check()
    page.locator("#poll").get_by_role("button", name="Change my vote").click()
    expect(results.locator("li.poll-result").filter(has_text="The library")).to_contain_text("100% · 1 vote")
    expect(results.locator("li.poll-result").filter(has_text="The park")).to_contain_text("0% · 0 votes")
    assert page.evaluate("window.__marker") == 1
    assert_fits(page)
    shoot("poll-results-en-375")
    assert PollOption.objects.get(poll__post=post, label="The library").vote_count == 1


def test_the_asker_accepts_an_answer_in_place_and_the_feed_shows_the_question_solved(
    live_server, page, shoot, town
):
    _space, ana, bo = town
    trouble = watch_for_trouble(page)
    log_in(page, live_server.url, ana.email)
    page.goto(f"{live_server.url}/s/town/new/")
    page.get_by_label("Title").fill("Who fixes bicycles nearby?")
    page.get_by_label("Write your post").fill("My back wheel wobbles.")
    page.get_by_label("Kind").select_option("question")
    page.get_by_role("button", name="Publish").click()
    expect(page).to_have_url(re.compile(r"/p/\d+/$"))
    question = Post.objects.get(title="Who fixes bicycles nearby?")
    expect(page.get_by_text("This question has waited")).to_be_visible()

    page.goto(f"{live_server.url}/unanswered/")
    expect(page.get_by_role("link", name="Who fixes bicycles nearby?")).to_be_visible()

    log_in(page, live_server.url, bo.email)
    page.goto(f"{live_server.url}/p/{question.pk}/")
    page.get_by_label("Your comment").fill("Lee's shop on Elm Street trues wheels while you wait.")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator("article.comment").filter(has_text="Lee's shop")).to_be_visible()
    expect(page.get_by_role("button", name="Accept as the answer")).to_have_count(0)  # not Bo's question

    log_in(page, live_server.url, ana.email)
    page.goto(f"{live_server.url}/p/{question.pk}/")
    page.evaluate("window.__marker = 1")
    page.get_by_role("button", name="Accept as the answer").click()
    accepted = page.locator("#accepted-answer")
    expect(accepted).to_contain_text("Lee's shop on Elm Street")
    expect(page.locator("#question-status .badge")).to_have_text("Solved")
    expect(page.locator("article.comment.accepted")).to_contain_text("Accepted answer")
    assert page.evaluate("window.__marker") == 1, "the page reloaded instead of swapping the answers"
    assert trouble == {"dialogs": [], "errors": []}
    assert_fits(page)
    shoot("question-solved-en-375")

    page.goto(f"{live_server.url}/s/town/")
    card = page.locator("li.post-card").filter(has_text="Who fixes bicycles nearby?")
    expect(card.locator(".badge").filter(has_text="Solved")).to_be_visible()
    page.goto(f"{live_server.url}/unanswered/")
    expect(page.get_by_role("link", name="Who fixes bicycles nearby?")).to_have_count(0)

    # Withdrawn, in place again
    page.goto(f"{live_server.url}/p/{question.pk}/")
    page.get_by_role("button", name="Withdraw the acceptance").click()
    expect(page.locator("#accepted-answer")).to_have_count(0)
    expect(page.locator("#question-status .badge")).to_have_count(0)
    question.refresh_from_db()
    assert question.accepted_comment_id is None


@pytest.fixture
def lively(town):
    """A question with an accepted answer, a public poll with votes, an anonymous unvoted poll."""
    space, ana, bo = town
    wang = MemberFactory(email="wang@example.org", display_name="王小明", trust_level=1)
    MembershipFactory(space=space, member=wang)
    question = PostFactory(
        space=space, author=ana, kind="question", title="哪里可以修自行车？ Bicycle repair"
    )
    answer = CommentFactory(post=question, author=wang, body="榆树街的李师傅，十分钟就好。")
    Post.objects.filter(pk=question.pk).update(comment_count=1)
    question_answer_accept(post=question, comment=answer, by=ana)
    post = PostFactory(space=space, author=ana, title="周六在哪里见面？ Where on Saturday?")
    poll = poll_create(
        post=post,
        by=ana,
        spec=poll_check(
            options=[
                "图书馆 The library",
                "公园 The park",
                "A much longer option name that has to wrap on a phone",
            ]
        ),
    )
    poll = Poll.objects.select_related("post__space").get(pk=poll.pk)
    ids = list(poll.options.order_by("position").values_list("pk", flat=True))
    for voter, choice in ((wang, 0), (bo, 1)):
        poll_vote(poll=poll, member=voter, option_ids=[ids[choice]])
    waiting = PostFactory(space=space, author=wang, kind="question", title="有人知道周日早市几点开门吗？")
    Post.objects.filter(pk=waiting.pk).update(created_at=timezone.now() - timedelta(days=3, hours=2))
    return space, ana, bo, question, post


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_poll_and_the_solved_question_in_both_languages_on_a_phone(
    live_server, page, shoot, lively, language
):
    _space, _ana, bo, question, post = lively
    type(bo).objects.filter(pk=bo.pk).update(language=language)
    log_in(page, live_server.url, bo.email)
    expect(page.locator("html")).to_have_attribute("lang", language)

    page.goto(f"{live_server.url}/p/{post.pk}/")
    expect(page.locator("#poll-results meter")).to_have_count(3)
    expect(page.locator("#poll-results li.poll-result").first).to_contain_text("50%")
    assert_fits(page)
    shoot(f"poll-{language}-375")

    page.goto(f"{live_server.url}/p/{question.pk}/")
    expect(page.locator("#accepted-answer")).to_contain_text("李师傅")
    assert_fits(page)
    shoot(f"question-{language}-375")

    page.goto(f"{live_server.url}/s/town/")
    assert_fits(page)
    shoot(f"feed-{language}-375")

    page.goto(f"{live_server.url}/unanswered/")
    expect(page.locator(".unanswered-item")).to_have_count(1)
    expect(page.locator(".unanswered-item time")).to_contain_text("3")
    assert_fits(page)
    shoot(f"unanswered-{language}-375")

    page.goto(f"{live_server.url}/s/town/new/")
    page.locator("details.poll-fields > summary").click()
    assert_fits(page)
    shoot(f"new-post-with-poll-{language}-375")
