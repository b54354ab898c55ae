"""Polls: created with a post, one vote per member (changeable until closing, counted right under
concurrent votes), results after voting or after closing, anonymous ballots that name nobody, the CSV
for the author and operators, and the privacy registry's export and erasure."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from content.exceptions import NotAllowed
from content.models import Poll, PollChoice, PollOption, PollVote, Post
from content.privacy import erase_content, export_content
from content.selectors.polls import poll_state
from content.services.polls import (
    PollClosed,
    PollExists,
    PollInvalid,
    poll_check,
    poll_create,
    poll_vote,
    poll_vote_withdraw,
)
from tests.factories import MemberFactory, MembershipFactory, PostFactory, SpaceFactory


@pytest.fixture
def space(db):
    return SpaceFactory(slug="garden", name="Garden")


@pytest.fixture
def space_moderator(space):
    moderator = MemberFactory(email="spacemod@example.org", display_name="Sam Spacemod")
    MembershipFactory(space=space, member=moderator, role="moderator")
    return moderator


def make_poll(author, space, options=("Tomatoes", "Beans", "Squash"), **choices):
    post = PostFactory(space=space, author=author, title="What shall we plant?")
    poll = poll_create(post=post, by=author, spec=poll_check(options=options, **choices))
    return Poll.objects.select_related("post__space", "post__author").get(pk=poll.pk)


def option_ids(poll):
    return list(PollOption.objects.filter(poll=poll).order_by("position").values_list("pk", flat=True))


def counts(poll):
    poll.refresh_from_db()
    return poll.voter_count, list(
        PollOption.objects.filter(poll=poll).order_by("position").values_list("vote_count", flat=True)
    )


# --- Bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        ({"options": ["Only one"]}, "options", "at least 2"),
        ({"options": [f"Option {n}" for n in range(21)]}, "options", "at most 20"),
        ({"options": ["Beans", "beans "]}, "options", "only once"),
        ({"options": ["a", "b", "x" * 201]}, "options", "at most 200"),
        (
            {"options": ["a", "b"], "closes_at": timezone.now() - timedelta(minutes=1)},
            "closes_at",
            "in the future",
        ),
        ({"options": ["a", "b"], "results_after_close": True}, "closes_at", "need a closing time"),
    ],
)
def test_a_poll_with_bad_input_is_refused_with_a_reason_for_its_field(given, field, words):
    with pytest.raises(PollInvalid) as refused:
        poll_check(**given)
    assert refused.value.field == field
    assert words in refused.value.message


def test_blank_lines_and_spaces_around_options_are_tidied(db):
    spec = poll_check(options=["  Tomatoes ", "", "Beans\t", "   "])
    assert spec.options == ("Tomatoes", "Beans")


def test_a_post_has_at_most_one_poll_and_only_its_author_adds_it(member, other_member, space):
    post = PostFactory(space=space, author=member)
    with pytest.raises(NotAllowed):
        poll_create(post=post, by=other_member, spec=poll_check(options=["a", "b"]))
    poll_create(post=post, by=member, spec=poll_check(options=["a", "b"]))
    with pytest.raises(PollExists):
        poll_create(post=post, by=member, spec=poll_check(options=["c", "d"]))
    assert Post.objects.get(pk=post.pk).has_poll


# --- The new-post form --------------------------------------------------------------------------------


def new_post(client, **poll):
    data = {"title": "Planting day", "body": "Let us decide together.", "kind": "discussion"}
    data.update({f"poll-{key}": value for key, value in poll.items()})
    return client.post(reverse("content:post_create", args=["garden"]), data)


def test_a_member_publishes_a_post_with_a_poll_from_the_form(member_client, space, member):
    closes = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = new_post(
        member_client,
        options="Tomatoes\nBeans\n\nSquash",
        allows_multiple="on",
        is_anonymous="1",
        results_after_close="1",
        closes_at=closes,
    )
    post = Post.objects.get()
    assert response.status_code == 302
    poll = post.poll
    assert post.has_poll
    assert (poll.allows_multiple, poll.is_anonymous, poll.results_after_close) == (True, True, True)
    assert poll.closes_at > timezone.now() + timedelta(days=2)
    assert list(poll.options.values_list("label", flat=True)) == ["Tomatoes", "Beans", "Squash"]


def test_the_form_without_poll_options_publishes_a_plain_post(member_client, space):
    new_post(member_client, options="", is_anonymous="0", results_after_close="0")
    assert not Post.objects.get().has_poll
    assert not Poll.objects.exists()


@pytest.mark.parametrize(
    ("poll", "field", "words"),
    [
        ({"options": "Only one"}, "options", "at least 2"),
        ({"options": "\n".join(f"Option {n}" for n in range(21))}, "options", "at most 20"),
        ({"options": "Beans\nBEANS"}, "options", "only once"),
        ({"options": "a\nb", "closes_at": "2020-01-01T10:00"}, "closes_at", "in the future"),
    ],
)
def test_bad_poll_input_in_the_form_is_shown_beside_its_field_and_the_text_is_kept(
    member_client, space, poll, field, words
):
    response = new_post(member_client, **poll)
    html = response.content.decode()
    assert response.status_code == 200
    assert not Post.objects.exists()
    error = html.split(f'id="id_poll-{field}_error"')[1].split("</ul>")[0]
    assert words in error
    assert 'value="Planting day"' in html and "Let us decide together." in html
    assert poll["options"].split("\n")[0] in html
    assert '<details class="poll-fields" open>' in html


def test_the_new_post_page_offers_the_poll_section_closed(member_client, space):
    html = member_client.get(reverse("content:post_create", args=["garden"])).content.decode()
    assert '<details class="poll-fields">' in html
    assert 'for="id_poll-options"' in html and 'for="id_poll-closes_at"' in html


# --- Voting -------------------------------------------------------------------------------------------------


def test_a_member_votes_changes_the_vote_and_takes_it_back(member, other_member, space):
    poll = make_poll(member, space)
    tomatoes, beans, _squash = option_ids(poll)
    assert poll_vote(poll=poll, member=other_member, option_ids=[tomatoes]) is True
    assert counts(poll) == (1, [1, 0, 0])
    assert poll_vote(poll=poll, member=other_member, option_ids=[tomatoes]) is False  # the same again
    poll_vote(poll=poll, member=other_member, option_ids=[beans])
    assert counts(poll) == (1, [0, 1, 0])
    assert PollVote.objects.filter(poll=poll).count() == 1
    assert poll_vote_withdraw(poll=poll, member=other_member) is True
    assert counts(poll) == (0, [0, 0, 0])
    assert poll_vote_withdraw(poll=poll, member=other_member) is False


def test_a_single_choice_poll_takes_one_option_and_a_multiple_choice_poll_several(
    member, other_member, space
):
    single = make_poll(member, space)
    with pytest.raises(PollInvalid) as refused:
        poll_vote(poll=single, member=other_member, option_ids=option_ids(single)[:2])
    assert refused.value.field == "option_ids"
    multiple = make_poll(member, space, allows_multiple=True)
    poll_vote(poll=multiple, member=other_member, option_ids=option_ids(multiple)[:2])
    poll_vote(poll=multiple, member=member, option_ids=option_ids(multiple)[1:])
    assert counts(multiple) == (2, [1, 2, 1])
    state = poll_state(viewer=member, poll=multiple)
    assert [option.percent for option in state.options] == [50, 100, 50]  # of the members who voted


def test_an_option_of_another_poll_or_no_option_is_refused(member, other_member, space):
    poll = make_poll(member, space)
    other = make_poll(member, space)
    for choice in ([option_ids(other)[0]], [], ["x"]):
        with pytest.raises(PollInvalid):
            poll_vote(poll=poll, member=other_member, option_ids=choice)
    assert counts(poll) == (0, [0, 0, 0])


def test_nobody_votes_or_changes_a_vote_after_the_poll_closes(member, other_member, space):
    poll = make_poll(member, space, closes_at=timezone.now() + timedelta(hours=1))
    poll_vote(poll=poll, member=other_member, option_ids=option_ids(poll)[:1])
    Poll.objects.filter(pk=poll.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    poll.refresh_from_db()
    for attempt in (
        lambda: poll_vote(poll=poll, member=member, option_ids=option_ids(poll)[:1]),
        lambda: poll_vote(poll=poll, member=other_member, option_ids=option_ids(poll)[1:2]),
        lambda: poll_vote_withdraw(poll=poll, member=other_member),
    ):
        with pytest.raises(PollClosed):
            attempt()
    assert counts(poll) == (1, [1, 0, 0])


def test_outsiders_of_a_private_space_cannot_vote(member, other_member):
    private = SpaceFactory(slug="inner", visibility="private")
    MembershipFactory(space=private, member=member)
    poll = make_poll(member, private)
    with pytest.raises(NotAllowed):
        poll_vote(poll=poll, member=other_member, option_ids=option_ids(poll)[:1])


def test_results_show_after_voting_or_only_after_closing(member, other_member, space):
    after_vote = make_poll(member, space)
    assert not poll_state(viewer=other_member, poll=after_vote).results_visible
    poll_vote(poll=after_vote, member=other_member, option_ids=option_ids(after_vote)[:1])
    assert poll_state(viewer=other_member, poll=after_vote).results_visible
    assert not poll_state(viewer=member, poll=after_vote).results_visible  # the author has not voted

    after_close = make_poll(
        member, space, results_after_close=True, closes_at=timezone.now() + timedelta(hours=1)
    )
    poll_vote(poll=after_close, member=other_member, option_ids=option_ids(after_close)[:1])
    state = poll_state(viewer=other_member, poll=after_close)
    assert state.has_voted and not state.results_visible
    assert all(option.votes == 0 for option in state.options)  # nothing of the count leaks
    Poll.objects.filter(pk=after_close.pk).update(closes_at=timezone.now() - timedelta(seconds=1))
    after_close.refresh_from_db()
    assert poll_state(viewer=None or member, poll=after_close).results_visible


# --- Concurrency (PostgreSQL, real transactions) -------------------------------------------------------


def _in_threads(jobs):
    errors = []
    barrier = threading.Barrier(len(jobs))

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_votes_are_all_counted_and_one_member_keeps_one_ballot(space):
    assert connection.vendor == "postgresql"
    author = MemberFactory()
    voters = MemberFactory.create_batch(12)
    poll = make_poll(author, space, allows_multiple=True)
    a, b, c = option_ids(poll)
    # twelve members at once, each choosing two options, and one member racing with themselves
    jobs = [
        (
            lambda m=m, i=i: poll_vote(
                poll=poll, member=m, option_ids=[(a, b, c)[i % 3], (a, b, c)[(i + 1) % 3]]
            )
        )
        for i, m in enumerate(voters)
    ]
    racer = voters[0]
    jobs += [lambda: poll_vote(poll=poll, member=racer, option_ids=[c]) for _ in range(4)]
    errors = _in_threads(jobs)
    assert errors == []

    voter_count, votes = counts(poll)
    assert PollVote.objects.filter(poll=poll).count() == 12 == voter_count
    assert PollVote.objects.filter(poll=poll, member=racer).count() == 1
    for option_id, count in zip((a, b, c), votes, strict=True):
        assert PollChoice.objects.filter(option_id=option_id).count() == count


@pytest.mark.django_db(transaction=True)
def test_a_member_voting_twice_at_once_in_a_single_choice_poll_has_one_choice(space):
    author, voter = MemberFactory(), MemberFactory()
    poll = make_poll(author, space, is_anonymous=True)
    ids = option_ids(poll)
    errors = _in_threads(
        [lambda i=i: poll_vote(poll=poll, member=voter, option_ids=[ids[i % 3]]) for i in range(6)]
    )
    assert errors == []
    assert PollVote.objects.filter(poll=poll).count() == 1
    assert PollChoice.objects.filter(vote__poll=poll).count() == 1
    assert counts(poll)[0] == 1 and sum(counts(poll)[1]) == 1


# --- Anonymous polls --------------------------------------------------------------------------------------


def test_an_anonymous_poll_leaves_no_member_id_in_the_vote_tables(member, other_member, operator, space):
    poll = make_poll(member, space, is_anonymous=True)
    poll_vote(poll=poll, member=other_member, option_ids=option_ids(poll)[:1])
    poll_vote(poll=poll, member=operator, option_ids=option_ids(poll)[1:2])

    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT * FROM {PollVote._meta.db_table} WHERE poll_id = %s",  # noqa: S608 (our own table name)
            [poll.pk],
        )
        columns = [column.name for column in cursor.description]
        rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        cursor.execute(
            f"SELECT * FROM {PollChoice._meta.db_table} WHERE option_id = ANY(%s)",  # noqa: S608
            [option_ids(poll)],
        )
        choice_columns = [column.name for column in cursor.description]
    assert len(rows) == 2
    for row in rows:
        assert row["member_id"] is None
        assert row["voted_at"] is None
        for value in row.values():
            assert str(other_member.pk) != str(value) and str(operator.pk) != str(value)
            assert other_member.email not in str(value)
    assert "member_id" not in choice_columns


def test_nobody_sees_who_voted_what_in_an_anonymous_poll_not_even_staff(
    client, member, other_member, operator, moderator, space
):
    poll = make_poll(member, space, is_anonymous=True)
    poll_vote(poll=poll, member=other_member, option_ids=option_ids(poll)[:1])
    for viewer in (member, operator, moderator):
        poll_vote(poll=poll, member=viewer, option_ids=option_ids(poll)[1:2])  # results shown after voting
        state = poll_state(viewer=viewer, poll=poll)
        assert state.results_visible and all(option.voters == [] for option in state.options)
        client.force_login(viewer)
        html = client.get(reverse("content:post_detail", args=[poll.post_id])).content.decode()
        assert other_member.display_name not in html
    client.force_login(operator)
    csv = client.get(reverse("content:poll_csv", args=[poll.post_id])).content.decode("utf-8-sig")
    assert other_member.display_name not in csv
    assert csv.splitlines()[0] == "option,votes"
    assert csv.splitlines()[1:] == ["Tomatoes,1", "Beans,3", "Squash,0"]


def test_a_public_poll_shows_who_voted_once_results_are_shown(client, member, other_member, space):
    poll = make_poll(member, space)
    poll_vote(poll=poll, member=other_member, option_ids=option_ids(poll)[:1])
    state = poll_state(viewer=other_member, poll=poll)
    assert state.options[0].voters == [other_member.display_name]
    assert poll_state(viewer=member, poll=poll).options[0].voters == []  # not yet voted: nothing shown


# --- Pages: htmx, accessibility, query counts ------------------------------------------------------------


def test_voting_by_htmx_returns_the_poll_with_bars_that_read_well(member_client, member, other_member, space):
    poll = make_poll(other_member, space)
    response = member_client.post(
        reverse("content:poll_vote", args=[poll.post_id]),
        {"option": option_ids(poll)[1]},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert html.count("<meter") == 3
    assert 'value="100"' in html and 'aria-labelledby="poll-label-' in html
    assert "100% · 1 vote" in html and "0% · 0 votes" in html
    assert "Your choice" in html
    assert "1 member voted" in html


def test_voting_without_javascript_posts_and_returns_to_the_post(member_client, other_member, space):
    poll = make_poll(other_member, space)
    response = member_client.post(
        reverse("content:poll_vote", args=[poll.post_id]), {"option": option_ids(poll)[0]}
    )
    assert response.status_code == 302
    assert response.url == reverse("content:post_detail", args=[poll.post_id]) + "#poll"
    assert counts(poll) == (1, [1, 0, 0])


def test_a_refused_vote_is_explained_inside_the_poll(member_client, other_member, space):
    poll = make_poll(other_member, space)
    html = member_client.post(
        reverse("content:poll_vote", args=[poll.post_id]), {}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'role="alert"' in html and "Choose an option to vote." in html


def test_visitors_see_the_poll_and_are_asked_to_log_in(client, member, space):
    poll = make_poll(member, space)
    html = client.get(reverse("content:post_detail", args=[poll.post_id])).content.decode()
    assert "Tomatoes" in html and "Log in to vote" in html
    assert client.post(reverse("content:poll_vote", args=[poll.post_id]), {"option": 1}).status_code == 302


@pytest.mark.parametrize("voters", [1, 40])
def test_a_post_with_a_poll_has_a_fixed_query_count(client, member, space, voters, django_assert_num_queries):
    poll = make_poll(member, space, options=[f"Option {n}" for n in range(20)])
    for voter in MemberFactory.create_batch(voters):
        poll_vote(poll=poll, member=voter, option_ids=option_ids(poll)[voters % 20 : voters % 20 + 1])
    viewer = MemberFactory()
    poll_vote(poll=poll, member=viewer, option_ids=option_ids(poll)[:1])
    client.force_login(viewer)
    # the post page without a poll (13: member, post, post reactions x3, comments, comment reactions x3,
    # moderator checks x2, the correction note (issue 10), inbox count; no comments here so the comment
    # decoration is skipped: 10), plus the poll, its options, my choice, the voters' names (public poll,
    # results shown)
    with django_assert_num_queries(10 + 4):
        response = client.get(reverse("content:post_detail", args=[poll.post_id]))
    assert response.status_code == 200


def test_the_results_refresh_returns_the_poll_alone_for_htmx(member_client, member, other_member, space):
    poll = make_poll(other_member, space)
    url = reverse("content:poll_show", args=[poll.post_id])
    assert "<html" not in member_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert member_client.get(url).status_code == 302


# --- CSV --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("member", 200),  # the post's author
        ("other_member", 403),
        ("space_moderator", 403),
        ("operator", 200),
        ("anonymous", 403),
    ],
)
def test_who_may_download_the_results(
    client, who, status, member, other_member, space_moderator, operator, space
):
    poll = make_poll(member, space)
    poll_vote(poll=poll, member=other_member, option_ids=option_ids(poll)[:1])
    people = {
        "member": member,
        "other_member": other_member,
        "space_moderator": space_moderator,
        "operator": operator,
    }
    if who != "anonymous":
        client.force_login(people[who])
    response = client.get(reverse("content:poll_csv", args=[poll.post_id]))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"].startswith("text/csv")
        body = response.content.decode("utf-8-sig").splitlines()
        assert body[0] == "voter,option,voted at"
        assert body[1].startswith(f"{other_member.display_name},Tomatoes,")
    else:
        assert other_member.display_name not in response.content.decode()


def test_the_results_of_a_private_poll_are_a_404_for_outsiders(client, member, other_member):
    private = SpaceFactory(slug="inner", visibility="private")
    MembershipFactory(space=private, member=member)
    poll = make_poll(member, private)
    client.force_login(other_member)
    assert client.get(reverse("content:poll_csv", args=[poll.post_id])).status_code == 404
    assert client.get(reverse("content:poll_csv", args=[PostFactory(space=private).pk])).status_code == 404


def test_a_label_that_looks_like_a_formula_is_written_as_text(client, member, other_member, space):
    poll = make_poll(member, space, options=["=HYPERLINK(1)", "+2"])
    poll_vote(poll=poll, member=other_member, option_ids=option_ids(poll)[:1])
    client.force_login(member)
    body = client.get(reverse("content:poll_csv", args=[poll.post_id])).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body and ",=HYPERLINK" not in body


# --- Privacy --------------------------------------------------------------------------------------------


def _sections(member_id):
    return {section.name: list(section.rows()) for section in export_content(member_id=member_id)}


@pytest.mark.legal("L7")
def test_the_export_shows_a_member_their_public_votes_but_no_anonymous_ones(member, other_member, space):
    public = make_poll(member, space)
    anonymous = make_poll(member, space, is_anonymous=True)
    poll_vote(poll=public, member=other_member, option_ids=option_ids(public)[1:2])
    poll_vote(poll=anonymous, member=other_member, option_ids=option_ids(anonymous)[:1])
    sections = _sections(other_member.pk)
    assert [(row["post_id"], row["option"]) for row in sections["poll_votes"]] == [(public.post_id, "Beans")]
    mine = _sections(member.pk)["poll_options"]
    assert {row["label"] for row in mine} == {"Tomatoes", "Beans", "Squash"}


@pytest.mark.legal("L9")
def test_erasure_removes_public_votes_and_unlinks_anonymous_ones(member, other_member, space):
    from content.selectors.polls import voter_key

    public = make_poll(member, space)
    anonymous = make_poll(member, space, is_anonymous=True)
    poll_vote(poll=public, member=other_member, option_ids=option_ids(public)[:1])
    poll_vote(poll=anonymous, member=other_member, option_ids=option_ids(anonymous)[:1])
    key = voter_key(poll_id=anonymous.pk, member_id=other_member.pk)

    erase_content(member_id=other_member.pk)

    assert not PollVote.objects.filter(member=other_member).exists()
    assert counts(public) == (0, [0, 0, 0])
    assert counts(anonymous) == (1, [1, 0, 0])  # still counted...
    assert not PollVote.objects.filter(voter_key=key).exists()  # ...but linked to nobody
    erase_content(member_id=other_member.pk)  # idempotent
    assert counts(anonymous) == (1, [1, 0, 0])


def test_retention_empties_the_options_of_a_deleted_posts_poll(member, space):
    from content.privacy import _anonymize_poll_options, _deleted_poll_options

    poll = make_poll(member, space)
    Post.objects.filter(pk=poll.post_id).update(deleted_at=timezone.now() - timedelta(days=400))
    expired = list(_deleted_poll_options(timezone.now() - timedelta(days=190)).values_list("pk", flat=True))
    assert len(expired) == 3
    _anonymize_poll_options(expired)
    assert set(PollOption.objects.filter(poll=poll).values_list("label", flat=True)) == {""}


def test_the_author_of_a_post_waiting_for_review_sees_that_voting_opens_later(member, space):
    poll = make_poll(member, space)
    Post.objects.filter(pk=poll.post_id).update(status="pending_review")
    poll.post.refresh_from_db()
    state = poll_state(viewer=member, poll=poll)
    assert not state.can_vote and state.blocked_by == "not_published"
    with pytest.raises(Exception) as refused:
        poll_vote(poll=poll, member=member, option_ids=option_ids(poll)[:1])
    assert refused.value.code == "not_found"
