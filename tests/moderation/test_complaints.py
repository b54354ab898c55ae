"""The complaints desk (LEGAL L19): a reference, a clock of 15 working days, a thread, the desk."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from content.delivery.models import Delivery
from content.models import InboxItem
from moderation import clock
from moderation.complaints import (
    ComplaintClosed,
    ComplaintInvalid,
    ComplaintLimitReached,
    DeskFilters,
    complaint_close,
    complaint_desk,
    complaint_file,
    complaint_reply,
)
from moderation.models import Complaint, ComplaintMessage, ComplaintStatus, ReviewItem
from moderation.services import report_file
from tests.factories import MemberFactory, MembershipFactory
from tests.moderation.queries import assert_own_queries

pytestmark = pytest.mark.django_db

# Friday 2026-09-25, 10:00 UTC; Chinese National Day week follows (1–7 October).
FRIDAY = datetime(2026, 9, 25, 10, 0, tzinfo=UTC)
NATIONAL_DAY = [f"2026-10-0{day}" for day in range(1, 8)]


def _file(member, **overrides):
    fields = {"topic": "service", "subject": "Emails arrive late", "body": "The digest comes at noon."}
    return complaint_file(author=member, **{**fields, **overrides})


@pytest.fixture
def complaint(member):
    return _file(member)


# --- The clock ---------------------------------------------------------------------------------------


@pytest.mark.legal("L19")
def test_a_complaint_is_due_in_15_working_days_skipping_weekends(member):
    with time_machine.travel(FRIDAY, tick=False):
        complaint = _file(member)
    # Friday + 15 working days: three whole weeks, ending on a Friday
    assert complaint.due_at == datetime(2026, 10, 16, 10, 0, tzinfo=UTC)
    assert complaint.created_at == FRIDAY


@pytest.mark.legal("L19")
def test_the_complaint_clock_skips_public_holidays(member, settings):
    settings.PRIVACY_HOLIDAYS = NATIONAL_DAY
    with time_machine.travel(FRIDAY, tick=False):
        complaint = _file(member)
    # 1–7 October hold five weekdays: the answer is due five working days later than without them
    assert complaint.due_at == datetime(2026, 10, 23, 10, 0, tzinfo=UTC)


@pytest.mark.legal("L19")
def test_the_decision_clock_counts_working_days_and_keeps_hours_for_illegal_content_and_privacy(settings):
    settings.PRIVACY_HOLIDAYS = NATIONAL_DAY
    assert clock.response_due(reason="spam", start=FRIDAY) == datetime(2026, 10, 23, 10, 0, tzinfo=UTC)
    assert clock.response_due(reason="illegal", start=FRIDAY) == FRIDAY + timedelta(hours=2)
    assert clock.response_due(reason="privacy", start=FRIDAY) == FRIDAY + timedelta(hours=24)


@pytest.mark.legal("L19")
def test_a_reported_post_is_due_by_the_working_day_clock(member, post, settings):
    settings.PRIVACY_HOLIDAYS = NATIONAL_DAY
    with time_machine.travel(FRIDAY, tick=False):
        report_file(reporter=member, kind="post", object_id=post.pk, reason="off_topic")
    assert ReviewItem.objects.get().due_at == datetime(2026, 10, 23, 10, 0, tzinfo=UTC)


# --- Filing ------------------------------------------------------------------------------------------


@pytest.mark.legal("L19")
def test_a_complaint_gets_a_reference_and_its_first_message(member, complaint):
    year = timezone.now().year
    assert complaint.reference == f"C-{year}-{complaint.pk:06d}"
    assert complaint.status == ComplaintStatus.OPEN
    assert list(complaint.messages.values_list("body", "from_staff")) == [
        ("The digest comes at noon.", False)
    ]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"topic": "weather"}, "topic"),
        ({"subject": "   "}, "subject"),
        ({"subject": "x" * 201}, "subject"),
        ({"body": ""}, "body"),
        ({"body": "x" * 5001}, "body"),
    ],
)
def test_a_complaint_without_what_it_needs_is_refused_naming_the_field(member, overrides, field):
    with pytest.raises(ComplaintInvalid) as error:
        _file(member, **overrides)
    assert error.value.field == field
    assert not Complaint.objects.exists()


def test_a_member_can_send_five_complaints_a_day(member):
    for _ in range(5):
        _file(member)
    with pytest.raises(ComplaintLimitReached) as error:
        _file(member)
    assert error.value.retry_at is not None


# --- The thread ---------------------------------------------------------------------------------------


@pytest.mark.legal("L19")
def test_a_staff_reply_answers_the_complaint_and_tells_the_member(complaint, member, moderator):
    complaint_reply(complaint=complaint, by=moderator, body="We moved the digest to 8:00.")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.ANSWERED and complaint.answered_at is not None
    notice = InboxItem.objects.get(recipient=member, kind="moderation.complaint_answered")
    assert notice.url == f"/moderation/complaints/mine/{complaint.pk}/"
    assert complaint.reference in notice.data["text"]
    assert Delivery.objects.filter(inbox_item=notice, channel="email").count() == 1  # and an email


@pytest.mark.legal("L19")
def test_the_members_reply_to_an_answer_opens_it_again_with_a_fresh_clock(complaint, member, moderator):
    complaint_reply(complaint=complaint, by=moderator, body="Fixed.")
    later = timezone.now() + timedelta(days=10)
    with time_machine.travel(later, tick=False):
        complaint_reply(complaint=complaint, by=member, body="Still late today.")
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.OPEN
    assert complaint.due_at == clock.complaint_due(start=later)


def test_a_closed_complaint_takes_no_more_messages(complaint, member, moderator):
    assert complaint_close(complaint=complaint, by=moderator, body="Resolved, thank you.")
    assert not complaint_close(complaint=complaint, by=moderator)
    with pytest.raises(ComplaintClosed):
        complaint_reply(complaint=complaint, by=member, body="One more thing.")
    assert InboxItem.objects.filter(recipient=member, kind="moderation.complaint_closed").count() == 1
    assert complaint.messages.count() == 2


@pytest.mark.parametrize("who", ["other_member", "space_moderator"])
def test_only_the_author_and_the_desk_may_write_in_a_thread(request, complaint, who):
    with pytest.raises(Exception) as error:
        complaint_reply(complaint=complaint, by=request.getfixturevalue(who), body="Hello")
    assert error.typename == "NotAllowed"


@pytest.mark.legal("L24")
def test_a_complaint_about_a_moderator_is_for_operators_only(member, moderator, operator):
    about_staff = _file(member, topic="moderator", subject="A moderator was rude")
    assert about_staff not in complaint_desk(viewer=moderator)
    assert about_staff in complaint_desk(viewer=operator)
    with pytest.raises(Exception) as error:
        complaint_reply(complaint=about_staff, by=moderator, body="Sorry.")
    assert error.typename == "NotAllowed"


# --- The desk -----------------------------------------------------------------------------------------


@pytest.mark.legal("L19")
def test_the_desk_lists_overdue_first_then_by_due_date(member, other_member, moderator):
    with time_machine.travel(timezone.now() - timedelta(days=40)):
        overdue = _file(member, subject="Old")
    recent = _file(other_member, subject="Recent")
    with time_machine.travel(timezone.now() - timedelta(days=2)):
        older = _file(other_member, subject="Two days")
    answered = _file(member, subject="Answered")
    complaint_reply(complaint=answered, by=moderator, body="Done.")
    rows = list(complaint_desk(viewer=moderator))
    assert rows == [overdue, older, recent, answered]
    assert [row.is_overdue for row in rows] == [True, False, False, False]
    assert list(complaint_desk(viewer=moderator, filters=DeskFilters(overdue=True))) == [overdue]
    assert list(complaint_desk(viewer=moderator, filters=DeskFilters(status="answered"))) == [answered]
    assert list(complaint_desk(viewer=moderator, filters=DeskFilters(topic="data"))) == []


def _as(client, who):
    if who is not None:
        client.force_login(who)
    return client


@pytest.fixture
def space_moderator(db):
    return MembershipFactory(role="moderator").member


@pytest.mark.legal("L24")
@pytest.mark.parametrize(
    ("role", "desk", "mine", "new"),
    [
        ("anonymous", 302, 302, 302),
        ("member", 403, 200, 200),
        ("other_member", 403, 404, 200),
        ("space_moderator", 403, 404, 200),
        ("moderator", 200, 404, 200),
        ("operator", 200, 404, 200),
    ],
)
def test_permission_matrix_of_the_complaint_pages(client, request, complaint, role, desk, mine, new):
    who = None if role == "anonymous" else request.getfixturevalue(role)
    client = _as(client, who)
    assert client.get("/moderation/complaints/").status_code == desk
    assert client.get(f"/moderation/complaints/{complaint.pk}/").status_code == desk
    assert client.get(f"/moderation/complaints/mine/{complaint.pk}/").status_code == mine
    assert client.get("/moderation/complaints/new/").status_code == new
    response = client.post(f"/moderation/complaints/{complaint.pk}/", {"body": "Answer"})
    assert response.status_code == (302 if desk == 200 else desk)
    answered = ComplaintMessage.objects.filter(complaint=complaint, from_staff=True).exists()
    assert answered == (desk == 200)


def test_a_member_files_a_complaint_through_the_form_and_sees_the_reference(member_client, member):
    response = member_client.post(
        "/moderation/complaints/new/",
        {"topic": "data", "subject": "My old address", "body": "Please check my data."},
        follow=True,
    )
    complaint = Complaint.objects.get()
    page = response.content.decode()
    assert complaint.reference in page and "My old address" in page
    assert response.redirect_chain[-1][0] == f"/moderation/complaints/mine/{complaint.pk}/"


def test_an_empty_message_is_refused_beside_the_field_with_the_text_kept(member_client):
    response = member_client.post(
        "/moderation/complaints/new/", {"topic": "service", "subject": "Keep me", "body": "   "}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="Keep me"' in page and "has-error" in page
    assert not Complaint.objects.exists()


def test_the_footer_links_to_the_complaint_form(member_client):
    assert (
        reverse("moderation:complaint_new")
        in member_client.get("/moderation/complaints/mine/").content.decode()
    )


@pytest.mark.parametrize("rows", [1, 50])
def test_the_desk_costs_the_same_queries_for_1_and_50_complaints(client, moderator, rows):
    authors = [MemberFactory() for _ in range(5)]
    Complaint.objects.bulk_create(
        Complaint(
            author=authors[index % 5],
            topic="service",
            subject=f"Complaint {index}",
            due_at=timezone.now() + timedelta(days=index - 3),
            reference=f"C-2026-9{index:05d}",
        )
        for index in range(rows)
    )
    client.force_login(moderator)
    # (sessions live in the cache) 1 the moderator, 2 the moderator's groups (site moderator?), 3 the
    # complaints with their authors (one JOINed query), 4 the unread count in the header.
    with assert_own_queries(4):
        response = client.get("/moderation/complaints/")
    assert response.content.decode().count('class="card queue-item complaint-row') == rows


@pytest.mark.parametrize("rows", [1, 50])
def test_my_complaints_cost_the_same_queries_for_1_and_50(client, member, rows):
    for index in range(rows):
        Complaint.objects.create(
            author=member,
            topic="service",
            subject=f"C{index}",
            due_at=timezone.now(),
            reference=f"C-2026-8{index:05d}",
        )
    client.force_login(member)
    # 1 the member, 2 their complaints, 3 the unread count in the header.
    with assert_own_queries(3):
        response = client.get("/moderation/complaints/mine/")
    assert response.content.decode().count('class="card complaint-row"') == rows


def test_the_thread_shows_staff_as_the_community_team_to_the_member(member_client, complaint, moderator):
    complaint_reply(complaint=complaint, by=moderator, body="We are on it.")
    page = member_client.get(f"/moderation/complaints/mine/{complaint.pk}/").content.decode()
    assert "We are on it." in page and "Community team" in page
    assert moderator.public_name not in page


def test_operators_see_complaints_in_the_admin_but_answer_them_on_the_desk(client, operator, complaint):
    client.force_login(operator)
    assert client.get("/admin/moderation/complaint/").status_code == 200
    assert client.get(f"/admin/moderation/complaint/{complaint.pk}/change/").status_code == 200
    assert client.get("/admin/moderation/complaint/add/").status_code == 403
    assert client.get("/admin/moderation/ipnotice/").status_code == 200


@pytest.mark.legal("L9")
def test_deleting_the_account_erases_what_the_member_wrote_but_keeps_the_case(complaint, member, moderator):
    from moderation.privacy import erase_moderation

    complaint_reply(complaint=complaint, by=moderator, body="We will look into it.")
    erase_moderation(member_id=member.pk)
    complaint.refresh_from_db()
    assert complaint.subject == "" and complaint.reference
    assert list(complaint.messages.order_by("pk").values_list("body", flat=True)) == [
        "",
        "We will look into it.",
    ]


def test_the_review_queue_links_site_moderators_to_the_complaints_desk(client, moderator, space_moderator):
    client.force_login(moderator)
    assert "/moderation/complaints/" in client.get("/moderation/").content.decode()
    client.force_login(space_moderator)
    assert 'href="/moderation/complaints/"' not in client.get("/moderation/").content.decode()


def test_the_desk_filters_answer_htmx_with_the_rows_only(client, moderator, complaint):
    client.force_login(moderator)
    response = client.get("/moderation/complaints/?topic=service", HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert complaint.reference in page and "<html" not in page
    assert complaint.reference not in client.get("/moderation/complaints/?topic=data").content.decode()
