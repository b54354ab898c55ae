"""Correction notes (issue 10): a moderator attaches a note with sources to an inaccurate post; readers
see it above the body, signed by the moderation team; the author is told and can reply; every step is
in the audit log; it counts against nothing."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from content.delivery.models import Delivery
from content.models import CorrectionNote, CorrectionReply, InboxItem
from content.privacy import erase_content, export_content
from content.selectors.inbox import inbox_sentence
from moderation.corrections import (
    CODE_ADDED,
    CODE_CHANGED,
    CODE_WITHDRAWN,
    CorrectionInvalid,
    correction_note_add,
    correction_note_change,
    correction_note_withdraw,
    correction_reply_add,
)
from moderation.models import ModerationAction, ReviewItem, ReviewStatus
from moderation.selectors import author_case_file, author_strikes, decisions_against, review_queue
from moderation.services import report_file, review_item_decide
from tests.factories import CommentFactory, MembershipFactory, PostFactory, SpaceFactory
from tests.moderation.queries import assert_own_queries
from tests.moderation.translations import pending_zh  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

TEXT = "The study found a 5 % rise, not 50 %. The post misreads the table on page 4."
SOURCE = "https://example.org/study.pdf"


def _misleading_item(reporter, post) -> ReviewItem:
    report_file(
        reporter=reporter, kind="post", object_id=post.pk, reason="misleading", details="Wrong number"
    )
    return ReviewItem.objects.exclude(status=ReviewStatus.DECIDED).get(kind="post", object_id=post.pk)


def _add(post, by, text=TEXT, sources=(SOURCE,), **kwargs) -> CorrectionNote:
    return correction_note_add(post=post, by=by, text=text, sources=list(sources), **kwargs)


def _as(client, who):
    if who is not None:
        client.force_login(who)
    return client


@pytest.fixture
def other_space_moderator(db):
    return MembershipFactory(space=SpaceFactory(), role="moderator").member


# --- readers -------------------------------------------------------------------------------------------


def test_readers_see_the_note_above_the_post_body_signed_by_the_moderation_team(client, moderator, post):
    _add(post, moderator)
    html = client.get(reverse("content:post_detail", args=[post.pk])).content.decode()
    box = html.index('class="correction-note"')
    assert box < html.index('class="prose"')
    assert "Correction note from the moderation team" in html
    assert "The study found a 5 % rise" in html
    assert f'<a href="{SOURCE}" rel="nofollow noopener ugc">' in html
    assert "Mo Moderator" not in html  # the team, not the person


def test_a_post_without_a_note_shows_no_box(client, post):
    html = client.get(reverse("content:post_detail", args=[post.pk])).content.decode()
    assert 'class="correction-note"' not in html


def test_the_note_text_is_plain_text_escaped(client, moderator, post):
    _add(post, moderator, text='<script>alert("x")</script> **not bold**', sources=[])
    html = client.get(reverse("content:post_detail", args=[post.pk])).content.decode()
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html and "**not bold**" in html


def test_a_withdrawn_note_is_no_longer_shown(client, moderator, post):
    note = _add(post, moderator)
    correction_note_withdraw(note=note, by=moderator, reason="The author's source was right.")
    html = client.get(reverse("content:post_detail", args=[post.pk])).content.decode()
    assert 'class="correction-note"' not in html


def test_a_private_spaces_note_stays_private(client, moderator, member, private_space, other_member):
    secret = PostFactory(space=private_space, author=other_member)
    _add(secret, moderator)
    assert client.get(reverse("content:post_detail", args=[secret.pk])).status_code == 404
    client.force_login(member)
    assert client.get(reverse("content:post_detail", args=[secret.pk])).status_code == 404
    assert client.get(f"/api/v1/posts/{secret.pk}/").status_code == 404
    client.force_login(other_member)  # a member of the space
    assert "The study found" in client.get(reverse("content:post_detail", args=[secret.pk])).content.decode()


def test_the_post_api_gives_the_note_or_null(client, moderator, post):
    assert client.get(f"/api/v1/posts/{post.pk}/").json()["correction"] is None
    note = _add(post, moderator)
    body = client.get(f"/api/v1/posts/{post.pk}/").json()["correction"]
    assert body["text"] == TEXT and body["sources"] == [SOURCE] and body["created_at"]
    assert set(body) == {"text", "sources", "created_at"}  # who added it is never given
    correction_note_withdraw(note=note, by=moderator)
    assert client.get(f"/api/v1/posts/{post.pk}/").json()["correction"] is None


def test_the_feeds_api_leaves_the_note_out(client, moderator, post):
    _add(post, moderator)
    results = client.get(f"/api/v1/spaces/{post.space.slug}/posts/").json()["results"]
    assert results and "correction" not in results[0]


@pytest.mark.parametrize("with_note", [False, True])
def test_the_post_page_costs_one_query_more_for_the_note_whatever_its_replies(
    client, member, moderator, post, with_note, django_assert_num_queries
):
    CommentFactory.create_batch(3, post=post)
    if with_note:
        note = _add(post, moderator)
        for n in range(5):
            correction_reply_add(note=note, by=post.author, text=f"Reply {n}")
    client.force_login(member)
    # member, post, post reactions x3 (summary, mine, muted), comments, comment reactions x3, moderator
    # checks (group, space role), the correction note, inbox unread count
    with django_assert_num_queries(13):
        response = client.get(reverse("content:post_detail", args=[post.pk]))
    assert response.status_code == 200


# --- the audit log and the review item -------------------------------------------------------------------


def test_adding_a_note_writes_an_audit_row_that_is_no_measure(moderator, post):
    note = _add(post, moderator)
    row = ModerationAction.objects.get()
    assert row.code == CODE_ADDED and row.action == ""
    assert (row.kind, row.object_id, row.target_author_id, row.moderator_id) == (
        "post",
        post.pk,
        post.author_id,
        moderator.pk,
    )
    assert TEXT in row.reason and SOURCE in row.reason
    assert note.added_by_id == moderator.pk
    # it counts against nothing: no strike, nothing to appeal
    assert author_strikes(author=post.author) == 0
    assert list(decisions_against(member=post.author)) == []


def test_a_note_on_a_moderators_own_initiative_puts_nothing_in_the_queue(client, moderator, post):
    _add(post, moderator)
    item = ReviewItem.objects.get()
    assert item.status == ReviewStatus.DECIDED and item.decision == "" and item.decided_at is None
    assert ModerationAction.objects.get().review_item_id == item.pk
    assert list(review_queue(viewer=moderator)) == []
    client.force_login(moderator)
    html = client.get(reverse("moderation:item", args=[item.pk])).content.decode()
    assert "Nothing to decide" in html and TEXT in html


def test_a_note_added_on_the_post_page_joins_the_posts_open_item(member, moderator, post):
    item = _misleading_item(member, post)
    _add(post, moderator)
    assert ReviewItem.objects.count() == 1
    assert ModerationAction.objects.get().review_item_id == item.pk
    item.refresh_from_db()
    assert item.status == ReviewStatus.OPEN  # the report still waits for its decision


def test_change_and_withdraw_join_the_notes_item_and_the_history_shows_every_step(
    client, member, moderator, post
):
    item = _misleading_item(member, post)
    note = _add(post, moderator, review_item=item)
    review_item_decide(item=item, by=moderator, action="warn", reason="Misleading numbers.", rule="R3")
    assert correction_note_change(note=note, by=moderator, text=TEXT + " Corrected.", sources=[SOURCE])
    assert correction_note_withdraw(note=note, by=moderator, reason="Superseded by the author's edit.")
    rows = ModerationAction.objects.filter(code__startswith="moderation.post.correction_").order_by("pk")
    assert [row.code for row in rows] == [CODE_ADDED, CODE_CHANGED, CODE_WITHDRAWN]
    assert {row.review_item_id for row in rows} == {item.pk}
    assert "Superseded by the author's edit." in rows[2].reason
    client.force_login(moderator)
    html = client.get(reverse("moderation:item", args=[item.pk])).content.decode()
    for step in ("Added", "Changed", "Withdrawn", "Superseded by the author"):
        assert step in html


def test_changing_nothing_and_withdrawing_twice_write_nothing(moderator, post):
    note = _add(post, moderator)
    assert correction_note_change(note=note, by=moderator, text=TEXT, sources=[SOURCE]) is False
    assert correction_note_withdraw(note=note, by=moderator) is True
    assert correction_note_withdraw(note=note, by=moderator) is False
    assert ModerationAction.objects.count() == 2


def test_the_audit_rows_cannot_be_rewritten(moderator, post):
    _add(post, moderator)
    with pytest.raises(Exception, match="cannot be changed"):
        ModerationAction.objects.update(reason="")


def test_one_current_note_per_post_even_straight_in_the_database(moderator, post):
    _add(post, moderator)
    with pytest.raises(IntegrityError), transaction.atomic():
        CorrectionNote.objects.create(post=post, text="Second", added_by=moderator)


def test_a_second_note_on_the_same_post_is_refused_with_a_clear_error(client, moderator, post):
    _add(post, moderator)
    with pytest.raises(CorrectionInvalid, match="already has a correction note"):
        _add(post, moderator, text="Another one")


def test_a_new_note_may_follow_a_withdrawn_one(moderator, post):
    first = _add(post, moderator)
    correction_note_withdraw(note=first, by=moderator)
    second = _add(post, moderator, text="A better note.")
    assert second.pk != first.pk and CorrectionNote.objects.count() == 2


# --- the author ----------------------------------------------------------------------------------------


def test_the_author_is_told_with_a_link_to_read_and_reply(moderator, post):
    note = _add(post, moderator)
    notice = InboxItem.objects.get(recipient=post.author)
    assert notice.kind == "moderation.correction"
    assert notice.url == reverse("moderation:correction", args=[note.pk])
    assert notice.data["title"] == post.title and post.title in notice.data["text"]
    assert Delivery.objects.filter(recipient=post.author, inbox_item=notice).exists()  # and by email


@pytest.mark.usefixtures("pending_zh")
def test_the_author_reads_in_chinese_when_that_is_their_language(moderator, post):
    post.author.language = "zh-hans"
    post.author.save(update_fields=["language"])
    _add(post, moderator)
    assert "更正说明" in InboxItem.objects.get(recipient=post.author).data["text"]


@pytest.mark.usefixtures("pending_zh")
def test_the_inbox_says_what_happened_to_the_note_in_the_readers_language(moderator, post):
    note = _add(post, moderator)
    correction_note_change(note=note, by=moderator, text=TEXT + " Corrected again.", sources=[SOURCE])
    correction_note_withdraw(note=CorrectionNote.objects.get(pk=note.pk), by=moderator)
    items = InboxItem.objects.filter(recipient=post.author).order_by("pk")
    assert [inbox_sentence(item) for item in items] == [
        f"The moderation team added a correction note to your post “{post.title}”. You can read it and "
        "reply.",
        f"The moderation team changed the correction note on your post “{post.title}”.",
        f"The moderation team withdrew the correction note on your post “{post.title}”.",
    ]
    with translation.override("zh-hans"):
        assert (
            inbox_sentence(items[0]) == f"管理团队为你的帖子“{post.title}”添加了更正说明。你可以查看并回复。"
        )


def test_the_author_replies_and_the_moderators_read_it_on_the_review_item(client, member, moderator, post):
    item = _misleading_item(member, post)
    note = _add(post, moderator, review_item=item)
    client.force_login(post.author)
    page = client.get(reverse("moderation:correction", args=[note.pk]))
    assert page.status_code == 200 and TEXT in page.content.decode()
    assert "Mo Moderator" not in page.content.decode()
    response = client.post(
        reverse("moderation:correction", args=[note.pk]), {"text": "Page 4 says 50 %, see table 2."}
    )
    assert response.status_code == 302
    reply = CorrectionReply.objects.get()
    assert reply.author_id == post.author_id
    # the moderator who added the note hears of it (inbox only) and reads it on the item
    assert InboxItem.objects.filter(recipient=moderator, kind="moderation.correction_reply").exists()
    client.force_login(moderator)
    html = client.get(reverse("moderation:item", args=[item.pk])).content.decode()
    assert "Page 4 says 50 %, see table 2." in html


def test_the_same_reply_twice_is_one_reply(moderator, post):
    note = _add(post, moderator)
    correction_reply_add(note=note, by=post.author, text="I disagree.")
    correction_reply_add(note=note, by=post.author, text="I disagree.")
    assert CorrectionReply.objects.count() == 1


def test_an_empty_reply_is_refused_beside_the_field(client, moderator, post):
    note = _add(post, moderator)
    client.force_login(post.author)
    response = client.post(reverse("moderation:correction", args=[note.pk]), {"text": "   "})
    assert response.status_code == 400
    assert "Write your reply." in response.content.decode()
    assert CorrectionReply.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "get_status", "post_status"),
    [
        ("anonymous", 302, 302),
        ("author", 200, 302),
        ("member", 404, 404),
        ("moderator", 200, 403),
        ("operator", 200, 403),
        ("space_moderator", 200, 403),
        ("other_space_moderator", 404, 404),
    ],
)
def test_only_the_author_and_the_posts_moderators_open_the_reply_page(
    client, request, moderator, post, who, get_status, post_status
):
    note = _add(post, moderator)
    if who == "anonymous":
        person = None
    elif who == "author":
        person = post.author
    else:
        person = request.getfixturevalue(who)
    client = _as(client, person)
    url = reverse("moderation:correction", args=[note.pk])
    assert client.get(url).status_code == get_status
    assert client.post(url, {"text": "Hello"}).status_code == post_status
    assert CorrectionReply.objects.count() == (1 if who == "author" else 0)


# --- the moderators' form ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),
        ("member", 403),
        ("other_member", 403),  # the post's author
        ("moderator", 200),
        ("operator", 200),
        ("space_moderator", 200),
        ("other_space_moderator", 404),
    ],
)
def test_only_the_posts_moderators_open_and_use_the_correction_form(client, request, post, who, status):
    client = _as(client, None if who == "anonymous" else request.getfixturevalue(who))
    url = reverse("moderation:post_correction", args=[post.pk])
    assert client.get(url).status_code == status
    response = client.post(url, {"text": TEXT, "sources": SOURCE})
    assert response.status_code == (302 if status == 200 else status)
    if who == "anonymous":
        assert "/accounts/login/" in response["Location"]
    assert CorrectionNote.objects.count() == (1 if status == 200 else 0)
    assert ModerationAction.objects.count() == (1 if status == 200 else 0)


def test_the_post_page_links_moderators_to_the_form(client, moderator, member, post):
    url = reverse("moderation:post_correction", args=[post.pk])
    client.force_login(member)
    assert url not in client.get(reverse("content:post_detail", args=[post.pk])).content.decode()
    client.force_login(moderator)
    html = client.get(reverse("content:post_detail", args=[post.pk])).content.decode()
    assert url in html and "Add a correction note" in html


def test_the_form_changes_and_withdraws_the_current_note(client, moderator, post):
    note = _add(post, moderator)
    client.force_login(moderator)
    url = reverse("moderation:post_correction", args=[post.pk])
    page = client.get(url).content.decode()
    assert "Change the correction note" in page and TEXT in page
    response = client.post(url, {"text": "Shorter note.", "sources": f"{SOURCE}\nhttps://example.com/b"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.text == "Shorter note." and note.sources == [SOURCE, "https://example.com/b"]
    response = client.post(reverse("moderation:post_correction_withdraw", args=[post.pk]), {"reason": ""})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.withdrawn_at is not None


def test_a_misleading_reports_item_offers_the_note_and_adds_it_to_that_item(client, member, moderator, post):
    item = _misleading_item(member, post)
    client.force_login(moderator)
    html = client.get(reverse("moderation:item", args=[item.pk])).content.decode()
    assert reverse("moderation:item_correction", args=[item.pk]) in html
    assert "<details" not in html.split('id="correction"')[1].split("</section>")[0]  # open at once
    response = client.post(
        reverse("moderation:item_correction", args=[item.pk]), {"text": TEXT, "sources": ""}
    )
    assert response.status_code == 302
    assert ModerationAction.objects.get(code=CODE_ADDED).review_item_id == item.pk


def test_other_reasons_offer_the_note_folded_away(client, member, moderator, post):
    report_file(reporter=member, kind="post", object_id=post.pk, reason="spam", details="")
    item = ReviewItem.objects.get()
    client.force_login(moderator)
    section = (
        client.get(reverse("moderation:item", args=[item.pk])).content.decode().split('id="correction"')[1]
    )
    assert "<details" in section.split("</section>")[0]


def test_a_space_moderator_of_another_space_cannot_add_a_note_from_an_item(
    client, member, post, other_space_moderator
):
    item = _misleading_item(member, post)
    client.force_login(other_space_moderator)
    response = client.post(reverse("moderation:item_correction", args=[item.pk]), {"text": TEXT})
    assert response.status_code == 404
    assert CorrectionNote.objects.count() == 0


# --- bad input: clear errors beside the field, the moderator's text kept, no 500 -----------------------


@pytest.mark.parametrize(
    ("text", "sources", "field_error"),
    [
        ("", SOURCE, "Write the correction note"),
        ("   ", SOURCE, "Write the correction note"),
        ("x" * 1001, SOURCE, "at most 1000 characters"),
        (TEXT, "javascript:alert(1)", "is not a web address starting with http:// or https://"),
        (TEXT, "data:text/html,hi", "is not a web address starting with http:// or https://"),
        (TEXT, "ftp://example.org/file", "is not a web address starting with http:// or https://"),
        (TEXT, "example.org/no-scheme", "is not a web address starting with http:// or https://"),
        (TEXT, "\n".join(f"https://example.org/{n}" for n in range(6)), "at most 5 sources"),
    ],
)
def test_bad_input_is_refused_beside_the_field_with_the_text_kept(
    client, moderator, post, text, sources, field_error
):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:post_correction", args=[post.pk]), {"text": text, "sources": sources}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert field_error in html
    assert 'class="errorlist' in html
    if text.strip():
        assert text[:50] in html  # the moderator's text is kept
    assert sources.splitlines()[0] in html
    assert CorrectionNote.objects.count() == 0 and ModerationAction.objects.count() == 0


def test_bad_input_on_the_item_page_keeps_the_text_beside_the_field(client, member, moderator, post):
    item = _misleading_item(member, post)
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:item_correction", args=[item.pk]),
        {"text": TEXT, "sources": "javascript:alert(1)"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "is not a web address" in html and TEXT in html and "javascript:alert(1)" in html


def test_the_service_refuses_what_the_form_would_not_send(moderator, post):
    with pytest.raises(CorrectionInvalid) as error:
        _add(post, moderator, text="")
    assert error.value.field == "text"
    with pytest.raises(CorrectionInvalid) as error:
        _add(post, moderator, sources=["javascript:alert(1)"])
    assert error.value.field == "sources"


def test_a_member_cannot_add_a_note_through_the_service(member, post):
    from content.exceptions import NotAllowed

    with pytest.raises(NotAllowed):
        _add(post, member)


# --- the author's case file ----------------------------------------------------------------------------


def test_the_case_file_lists_the_notes_apart_and_they_count_against_nothing(client, member, moderator, post):
    other_post = PostFactory(space=post.space, author=post.author, title="Second claim")
    first = _add(post, moderator)
    _add(other_post, moderator)
    correction_note_withdraw(note=first, by=moderator)
    case = author_case_file(author=post.author)
    assert case.correction_count == 2
    assert [note.post.title for note in case.corrections] == ["Second claim", post.title]
    assert case.actions == []  # the audit rows are not listed as measures
    assert case.strikes == 0 and case.standing is None
    item = _misleading_item(member, post)
    client.force_login(moderator)
    html = client.get(reverse("moderation:item", args=[item.pk])).content.decode()
    assert "Correction notes on their posts (2)" in html and "Second claim" in html


@pytest.mark.parametrize("notes", [1, 15])
def test_the_item_page_costs_the_same_queries_whatever_the_notes_and_replies(
    client, member, moderator, post, notes
):
    for n in range(notes):
        note = _add(PostFactory(space=post.space, author=post.author), moderator)
        correction_reply_add(note=note, by=post.author, text=f"Reply {n}")
    item = _misleading_item(member, post)
    note = _add(post, moderator, review_item=item)
    for n in range(notes):
        correction_reply_add(note=note, by=post.author, text=f"Answer {n}")
    client.force_login(moderator)
    # the item page's 10 (moderator, groups, item, post, actions, upheld reports, strikes, unread
    # count, reports, rule hits) + the case file's correction notes + this post's notes, their replies
    # and their audit rows
    with assert_own_queries(14):
        response = client.get(reverse("moderation:item", args=[item.pk]))
    assert response.content.decode().count("Answer ") == notes


# --- privacy: the reply is the author's personal data ----------------------------------------------------


@pytest.mark.legal("L7")
def test_the_authors_export_holds_their_replies_and_the_notes_on_their_posts(moderator, post):
    note = _add(post, moderator)
    correction_reply_add(note=note, by=post.author, text="My answer to the team.")
    sections = {section.name: section for section in export_content(member_id=post.author_id)}
    replies = list(sections["correction_replies"].rows())
    assert replies == [
        {
            "post_id": post.pk,
            "note_id": note.pk,
            "text": "My answer to the team.",
            "created_at": replies[0]["created_at"],
        }
    ]
    notes = list(sections["correction_notes"].rows())
    assert notes[0]["text"] == TEXT and notes[0]["sources"] == SOURCE
    assert "added_by" not in notes[0] and "added_by_id" not in notes[0]


@pytest.mark.legal("L9")
def test_deleting_the_authors_account_erases_their_replies_not_the_teams_note(moderator, post):
    note = _add(post, moderator)
    correction_reply_add(note=note, by=post.author, text="Personal words.")
    erase_content(member_id=post.author_id)
    assert CorrectionReply.objects.count() == 0
    assert CorrectionNote.objects.filter(pk=note.pk).exists()
    erase_content(member_id=post.author_id)  # a second run finds nothing more to do
    assert CorrectionReply.objects.count() == 0


def _dashboard_after_a_note_three_days_ago(moderator, post, *, earlier: bool) -> dict:
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from community.dashboard.selectors import moderation_figures, period_for

    with time_machine.travel(timezone.now() - timedelta(days=3)):
        _add(post, moderator)
    until = timezone.localdate() - timedelta(days=1) if earlier else None
    return moderation_figures(period=period_for(days=7, until=until))


def test_a_note_on_a_moderators_own_initiative_is_no_work_waiting_or_done_on_this_weeks_dashboard(
    moderator, post
):
    figures = _dashboard_after_a_note_three_days_ago(moderator, post, earlier=False)
    assert (figures["open"], figures["overdue"], figures["decided"]) == (0, 0, 0)
    assert figures["median_decision_seconds"] is None


def test_a_note_on_a_moderators_own_initiative_is_no_work_waiting_on_an_earlier_weeks_dashboard(
    moderator, post
):
    figures = _dashboard_after_a_note_three_days_ago(moderator, post, earlier=True)
    assert (figures["open"], figures["overdue"], figures["decided"]) == (0, 0, 0)
