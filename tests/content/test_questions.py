"""Questions with an accepted answer, the unanswered lists and the reminder to askers who waited long."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from content.delivery.models import Outbox
from content.delivery.planner import deliveries_plan
from content.exceptions import NotAllowed
from content.models import ContentStatus, InboxItem, Post, QuestionReminder
from content.services.comments import comment_create, comment_delete
from content.services.moderation import content_set_status
from content.services.questions import (
    AnswerNotOnQuestion,
    NotAQuestion,
    question_answer_accept,
    question_answer_forget,
    question_answer_withdraw,
    questions_remind_unanswered,
)
from members.trust import members_with_activity_counts
from tests.api.helpers import JsonClient, error_of
from tests.factories import CommentFactory, MemberFactory, MembershipFactory, PostFactory, SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def space(db):
    return SpaceFactory(slug="help", name="Help desk")


@pytest.fixture
def space_moderator(space):
    moderator = MemberFactory(email="spacemod@example.org", display_name="Sam Spacemod")
    MembershipFactory(space=space, member=moderator, role="moderator")
    return moderator


@pytest.fixture
def question(space, member):
    return PostFactory(space=space, author=member, kind="question", title="How do I repot a fern?")


@pytest.fixture
def answer(question, other_member):
    comment = CommentFactory(post=question, author=other_member, body="Use a wider pot and fresh soil.")
    Post.objects.filter(pk=question.pk).update(comment_count=1)
    return comment


def solved(post):
    post.refresh_from_db()
    return post.accepted_comment_id


# --- The service ----------------------------------------------------------------------------------


def test_the_asker_accepts_an_answer_and_the_question_is_solved(question, answer, member):
    assert question_answer_accept(post=question, comment=answer, by=member) is True
    assert solved(question) == answer.pk
    assert question.is_solved


def test_accepting_the_same_answer_twice_changes_nothing_the_second_time(question, answer, member):
    question_answer_accept(post=question, comment=answer, by=member)
    assert question_answer_accept(post=question, comment=answer, by=member) is False


def test_the_asker_changes_the_accepted_answer_then_withdraws_it(question, answer, member):
    better = CommentFactory(post=question, body="Water it less afterwards.")
    question_answer_accept(post=question, comment=answer, by=member)
    question_answer_accept(post=question, comment=better, by=member)
    assert solved(question) == better.pk
    assert question_answer_withdraw(post=question, by=member) is True
    assert solved(question) is None
    assert question_answer_withdraw(post=question, by=member) is False


def test_a_comment_from_another_post_cannot_be_accepted(question, member, space):
    elsewhere = CommentFactory(post=PostFactory(space=space, kind="question"))
    with pytest.raises(AnswerNotOnQuestion) as refused:
        question_answer_accept(post=question, comment=elsewhere, by=member)
    assert refused.value.field == "comment_id"
    assert solved(question) is None


def test_a_deleted_or_held_comment_cannot_be_accepted(question, member):
    deleted = CommentFactory(post=question, deleted_at=timezone.now())
    held = CommentFactory(post=question, status=ContentStatus.PENDING_REVIEW)
    for comment in (deleted, held):
        with pytest.raises(AnswerNotOnQuestion):
            question_answer_accept(post=question, comment=comment, by=member)


def test_a_discussion_has_no_accepted_answer(space, member):
    discussion = PostFactory(space=space, author=member, kind="discussion")
    comment = CommentFactory(post=discussion)
    with pytest.raises(NotAQuestion):
        question_answer_accept(post=discussion, comment=comment, by=member)


def test_another_member_may_not_choose_the_answer(question, answer, other_member):
    with pytest.raises(NotAllowed):
        question_answer_accept(post=question, comment=answer, by=other_member)
    with pytest.raises(NotAllowed):
        question_answer_withdraw(post=question, by=other_member)


def test_a_moderator_of_the_space_may_choose_and_withdraw(question, answer, space_moderator, moderator):
    question_answer_accept(post=question, comment=answer, by=space_moderator)
    assert solved(question) == answer.pk
    question_answer_withdraw(post=question, by=moderator)  # a site moderator too
    assert solved(question) is None


def test_forgetting_a_comment_opens_its_question_again(question, answer, member):
    question_answer_accept(post=question, comment=answer, by=member)
    assert question_answer_forget(comment_ids=[answer.pk]) == 1
    assert solved(question) is None


# --- Pages: accept and withdraw, and who may ----------------------------------------------------------


ACCEPT_MATRIX = [
    ("member", 302),  # the asker
    ("other_member", 403),
    ("space_moderator", 302),
    ("moderator", 302),
    ("operator", 302),
    ("anonymous", 302),  # to the login page
]


@pytest.mark.parametrize(("who", "status"), ACCEPT_MATRIX)
def test_who_may_accept_an_answer_on_the_page(
    client, who, status, question, answer, member, other_member, space_moderator, moderator, operator
):
    people = {
        "member": member,
        "other_member": other_member,
        "space_moderator": space_moderator,
        "moderator": moderator,
        "operator": operator,
    }
    if who != "anonymous":
        client.force_login(people[who])
    response = client.post(reverse("content:question_accept", args=[question.pk]), {"comment": answer.pk})
    assert response.status_code == status
    if who == "anonymous":
        assert response.url.startswith(reverse("account_login"))
    accepted = status == 302 and who != "anonymous"
    assert solved(question) == (answer.pk if accepted else None)


def test_the_post_page_shows_the_accepted_answer_under_the_question(member_client, question, answer, member):
    question_answer_accept(post=question, comment=answer, by=member)
    html = member_client.get(reverse("content:post_detail", args=[question.pk])).content.decode()
    block = html.split('id="accepted-answer"')[1].split("</section>")[0]
    assert "Use a wider pot and fresh soil." in block
    assert html.index('id="accepted-answer"') < html.index('id="comments-title"')
    assert '<span class="badge solved">Solved</span>' in html.split('id="post-title"')[0]
    assert "Withdraw the acceptance" in html


def test_accepting_by_htmx_is_a_redirect_to_the_page_htmx_takes_the_answers_from(
    member_client, question, answer
):
    response = member_client.post(
        reverse("content:question_accept", args=[question.pk]), {"comment": answer.pk}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 302
    page = member_client.get(response.url, HTTP_HX_REQUEST="true").content.decode()
    assert 'id="answers"' in page and 'id="question-status"' in page


def test_accepting_a_comment_of_another_post_on_the_page_says_why(member_client, question, space):
    other = CommentFactory(post=PostFactory(space=space))
    response = member_client.post(
        reverse("content:question_accept", args=[question.pk]), {"comment": other.pk}, follow=True
    )
    assert "Only a comment on this question can be its accepted answer." in response.content.decode()
    assert solved(question) is None


def test_others_see_no_accept_button_and_the_asker_does(client, question, answer, member, other_member):
    client.force_login(other_member)
    assert (
        "Accept as the answer"
        not in client.get(reverse("content:post_detail", args=[question.pk])).content.decode()
    )
    client.force_login(member)
    assert (
        "Accept as the answer"
        in client.get(reverse("content:post_detail", args=[question.pk])).content.decode()
    )


def test_a_private_question_is_a_404_for_outsiders_who_try_to_accept(client, other_member):
    private = SpaceFactory(slug="inner", visibility="private")
    question = PostFactory(space=private, kind="question")
    comment = CommentFactory(post=question)
    client.force_login(other_member)
    response = client.post(reverse("content:question_accept", args=[question.pk]), {"comment": comment.pk})
    assert response.status_code == 404


# --- A removed or deleted answer un-solves the question --------------------------------------------------


def test_a_deleted_accepted_answer_no_longer_shows_the_question_as_solved_on_its_page(
    client, question, answer, member, other_member
):
    question_answer_accept(post=question, comment=answer, by=member)
    comment_delete(comment=answer, by=other_member)
    client.force_login(member)
    html = client.get(reverse("content:post_detail", args=[question.pk])).content.decode()
    assert 'id="accepted-answer"' not in html
    assert "badge solved" not in html


def test_a_removed_accepted_answer_no_longer_counts_and_the_question_waits_again(
    client, question, answer, member, moderator
):
    question_answer_accept(post=question, comment=answer, by=member)
    content_set_status(target=answer, status=ContentStatus.REMOVED, by=moderator)
    client.force_login(member)
    html = client.get(reverse("content:post_detail", args=[question.pk])).content.decode()
    assert "badge solved" not in html
    unanswered = client.get(reverse("content:unanswered")).content.decode()
    assert question.title in unanswered


def test_the_feed_stops_showing_solved_once_the_accepted_answer_is_deleted(
    client, question, answer, member, other_member
):
    question_answer_accept(post=question, comment=answer, by=member)
    comment_delete(comment=answer, by=other_member)
    assert solved(question) is None


# --- Feeds and query counts ------------------------------------------------------------------------------


def test_the_space_feed_marks_solved_questions_and_polls(member_client, question, answer, member, space):
    question_answer_accept(post=question, comment=answer, by=member)
    open_question = PostFactory(space=space, kind="question", title="Still open")
    Post.objects.filter(pk=open_question.pk).update(has_poll=True)
    html = member_client.get(reverse("content:space_detail", args=[space.slug])).content.decode()
    cards = html.split('class="card post-card')
    solved_card = next(card for card in cards if question.title in card)
    open_card = next(card for card in cards if "Still open" in card)
    assert "Solved" in solved_card and "Solved" not in open_card
    assert ">Poll<" in open_card and ">Poll<" not in solved_card


@pytest.mark.parametrize("n", [1, 50])
def test_the_space_feed_with_polls_and_solved_questions_keeps_its_query_count(
    client, member, space, n, django_assert_num_queries
):
    from content.services.polls import poll_check, poll_create

    MembershipFactory(space=space, member=member)
    for i in range(n):
        question = PostFactory(space=space, author=member, kind="question")
        answer = CommentFactory(post=question)
        question_answer_accept(post=question, comment=answer, by=member)
        poll_create(
            post=PostFactory(space=space, author=member), by=member, spec=poll_check(options=["a", f"b{i}"])
        )
    client.force_login(member)
    # as the space page without polls (tests/content/test_posts_views.py): member, the private-space door
    # check, the space, the feed page, its reaction summary, my reactions, muted ids, pinned posts, my
    # membership, moderator checks (group, space role), inbox unread count. "Solved" and "Poll" are
    # columns of the post rows.
    with django_assert_num_queries(12):
        response = client.get(reverse("content:space_detail", args=[space.slug]))
    assert response.status_code == 200


# --- Unanswered ---------------------------------------------------------------------------------------


def _aged(post, days):
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(days=days))
    return post


def test_the_unanswered_page_lists_questions_with_no_reply_oldest_first_with_the_wait(
    member_client, space, member, other_member
):
    newer = _aged(PostFactory(space=space, kind="question", title="Newer question"), 1)
    older = _aged(PostFactory(space=space, kind="question", title="Older question"), 5)
    answered = PostFactory(space=space, kind="question", title="Answered question")
    CommentFactory(post=answered, author=other_member)
    self_replied = PostFactory(space=space, author=member, kind="question", title="Only the asker replied")
    CommentFactory(post=self_replied, author=member)
    PostFactory(space=space, kind="discussion", title="A discussion")
    PostFactory(space=space, kind="question", title="Deleted question", deleted_at=timezone.now())

    html = member_client.get(reverse("content:space_unanswered", args=[space.slug])).content.decode()
    assert html.index(older.title) < html.index(newer.title)
    assert "Only the asker replied" in html
    for absent in ("Answered question", "A discussion", "Deleted question"):
        assert absent not in html
    assert "Waiting for 5\xa0days" in html


def test_a_reply_hidden_by_a_moderator_does_not_answer_a_question(member_client, space, moderator):
    question = PostFactory(space=space, kind="question", title="Hidden reply question")
    reply = CommentFactory(post=question)
    content_set_status(target=reply, status=ContentStatus.HIDDEN, by=moderator)
    assert "Hidden reply question" in member_client.get(reverse("content:unanswered")).content.decode()


def test_the_site_wide_unanswered_page_never_shows_a_private_space_to_outsiders(client, member, other_member):
    private = SpaceFactory(slug="inner", visibility="private")
    MembershipFactory(space=private, member=member)
    PostFactory(space=private, kind="question", title="Quokka secret question")
    PostFactory(space=SpaceFactory(slug="open"), kind="question", title="Public question")

    for viewer, sees in ((None, False), (other_member, False), (member, True)):
        client.logout()
        if viewer:
            client.force_login(viewer)
        html = client.get(reverse("content:unanswered")).content.decode()
        assert "Public question" in html
        assert ("Quokka secret question" in html) is sees
    client.force_login(other_member)
    assert client.get(reverse("content:space_unanswered", args=["inner"])).status_code == 404


def test_load_more_on_the_unanswered_page_continues_where_the_first_page_stopped(member_client, space):
    questions = [_aged(PostFactory(space=space, kind="question"), 40 - i) for i in range(35)]
    first = member_client.get(reverse("content:space_unanswered", args=[space.slug])).content.decode()
    assert questions[0].title in first and questions[-1].title not in first
    cursor = first.split("?after=")[1].split('"')[0]
    more = member_client.get(
        reverse("content:space_unanswered", args=[space.slug]) + f"?after={cursor}", HTTP_HX_REQUEST="true"
    ).content.decode()
    assert questions[-1].title in more and questions[0].title not in more
    assert "<html" not in more


@pytest.mark.parametrize("n", [1, 50])
def test_the_unanswered_page_keeps_its_query_count(client, member, space, n, django_assert_num_queries):
    for _ in range(n):
        PostFactory(space=space, kind="question")
    client.force_login(member)
    # member, the page of questions (with space and author, the no-reply test inside), inbox unread count
    with django_assert_num_queries(3):
        response = client.get(reverse("content:unanswered"))
    assert response.status_code == 200
    # the space's page: the space as well
    with django_assert_num_queries(4):
        client.get(reverse("content:space_unanswered", args=[space.slug]))


# --- The asker is told --------------------------------------------------------------------------------


def test_an_answer_to_a_question_reaches_the_asker_as_a_reply(question, member, other_member):
    comment = comment_create(author=other_member, post=question, body="Try a terracotta pot.")
    deliveries_plan(outbox_id=Outbox.objects.get(kind="comment.created", object_id=comment.pk).pk)
    assert InboxItem.objects.filter(recipient=member, kind="question.answered").exists()


def test_an_asker_who_waited_three_days_is_reminded_once(space, member, other_member):
    waiting = _aged(PostFactory(space=space, author=member, kind="question", title="Fern"), 4)
    answered = _aged(PostFactory(space=space, author=member, kind="question"), 4)
    CommentFactory(post=answered, author=other_member)
    _aged(PostFactory(space=space, author=member, kind="question"), 1)  # too soon
    _aged(PostFactory(space=space, author=member, kind="question"), 30)  # too old to wake up
    _aged(PostFactory(space=space, author=member, kind="discussion"), 4)

    assert questions_remind_unanswered() == 1
    item = InboxItem.objects.get(recipient=member)
    assert item.kind == "question.unanswered"
    assert item.url == reverse("content:post_detail", args=[waiting.pk])
    assert "Fern" in item.data["text"] and "details" in item.data["text"]
    assert QuestionReminder.objects.filter(post=waiting).exists()

    assert questions_remind_unanswered() == 0  # once
    assert InboxItem.objects.filter(recipient=member).count() == 1


def test_the_reminder_is_written_in_the_askers_language(space):
    asker = MemberFactory(language="zh-hans")
    _aged(PostFactory(space=space, author=asker, kind="question", title="蕨类"), 4)
    questions_remind_unanswered()
    text = InboxItem.objects.get(recipient=asker).data["text"]
    assert "蕨类" in text


def test_the_daily_beat_task_runs_the_reminder(space, member):
    from community.celery import app
    from content.tasks import remind_unanswered

    assert app.conf.beat_schedule["content.remind_unanswered"]["task"] == remind_unanswered.name
    assert remind_unanswered.name == "content.remind_unanswered"
    _aged(PostFactory(space=space, author=member, kind="question"), 4)
    assert remind_unanswered() == 1


# --- Trust ---------------------------------------------------------------------------------------------


def _contributions(member):
    members, parts = members_with_activity_counts()
    row = members.filter(pk=member.pk).values(*parts["contributions"]).get()
    return sum(row.values())


def test_an_accepted_answer_counts_toward_the_answerers_trust_level(question, answer, member, other_member):
    before = _contributions(other_member)
    question_answer_accept(post=question, comment=answer, by=member)
    assert _contributions(other_member) == before + 1


def test_accepting_your_own_comment_or_a_removed_one_earns_nothing(question, member, moderator):
    own = CommentFactory(post=question, author=member)
    before = _contributions(member)
    question_answer_accept(post=question, comment=own, by=member)
    assert _contributions(member) == before

    helper = MemberFactory()
    theirs = CommentFactory(post=question, author=helper)
    question_answer_accept(post=question, comment=theirs, by=member)
    counted = _contributions(helper)
    content_set_status(target=theirs, status=ContentStatus.REMOVED, by=moderator)
    assert _contributions(helper) == counted - 2  # the comment and its acceptance


# --- API -------------------------------------------------------------------------------------------------


def _api(member=None):
    client = JsonClient()
    if member is not None:
        client.force_login(member)
    return client


@pytest.mark.parametrize(("who", "status"), [("member", 200), ("other_member", 403), ("anonymous", 401)])
def test_the_api_sets_the_accepted_answer_for_the_asker_only(
    who, status, question, answer, member, other_member
):
    people = {"member": member, "other_member": other_member, "anonymous": None}
    response = _api(people[who]).post(
        f"/api/v1/posts/{question.pk}/accepted-answer/", {"comment_id": answer.pk}
    )
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["solved"] is True and body["accepted_comment"]["id"] == answer.pk
    else:
        error_of(response)


def test_the_api_refuses_a_comment_of_another_post_beside_the_field(question, member, space):
    other = CommentFactory(post=PostFactory(space=space))
    response = _api(member).post(f"/api/v1/posts/{question.pk}/accepted-answer/", {"comment_id": other.pk})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "answer_not_on_question"
    assert "comment_id" in error["fields"]


def test_the_api_reads_and_withdraws_the_accepted_answer(question, answer, member):
    client = _api(member)
    client.post(f"/api/v1/posts/{question.pk}/accepted-answer/", {"comment_id": answer.pk})
    assert _api().get(f"/api/v1/posts/{question.pk}/accepted-answer/").json()["solved"] is True
    assert client.delete(f"/api/v1/posts/{question.pk}/accepted-answer/").status_code == 204
    assert solved(question) is None
    assert client.get(f"/api/v1/posts/{question.pk}/accepted-answer/").json()["accepted_comment"] is None


def test_the_api_refuses_a_discussion(space, member):
    discussion = PostFactory(space=space, author=member)
    comment = CommentFactory(post=discussion)
    response = _api(member).post(
        f"/api/v1/posts/{discussion.pk}/accepted-answer/", {"comment_id": comment.pk}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "not_a_question"


def test_the_api_lists_unanswered_questions_a_visitor_may_read(space, other_member):
    _aged(PostFactory(space=space, kind="question", title="Open one"), 2)
    private = SpaceFactory(slug="inner", visibility="private")
    PostFactory(space=private, kind="question", title="Private one")
    body = _api().get("/api/v1/questions/unanswered/").json()
    assert [row["title"] for row in body["results"]] == ["Open one"]
    assert body["results"][0]["waiting_seconds"] >= 2 * 86400 - 5
    assert _api(other_member).get("/api/v1/questions/unanswered/?space=inner").status_code == 404
