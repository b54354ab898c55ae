"""LEGAL L9: account deletion in three clicks, a 7-day grace period with a banner and one-click cancel,
then a job that erases through every app's registration and anonymises content."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import TestCase
from django.utils import timezone
from rest_framework.authtoken.models import Token

from content.delivery.models import Delivery, EmailOptOut
from content.models import (
    RSVP,
    CalendarToken,
    Comment,
    InboxItem,
    Mention,
    Post,
    Reaction,
    SpaceMembership,
)
from content.services.posts import post_publish
from members.models import ActiveDay, Block, Member, Mute
from moderation.models import Report
from moderation.services import report_file
from privacy.consents import consent_grant, consent_withdraw
from privacy.context_processors import deletion_pending
from privacy.deletion import (
    deletion_banner_due,
    deletion_cancel,
    deletion_complete,
    deletion_request,
    deletions_complete_due,
)
from privacy.models import AccountClosure, ConsentEntry, DeletionRequest, LegalHold, RetentionCategory
from privacy.registry import erase_sources
from privacy.tasks import complete_deletions
from tests.factories import (
    PASSWORD,
    CommentFactory,
    EventFactory,
    MemberFactory,
    MembershipFactory,
    PostFactory,
    SpaceFactory,
)

pytestmark = pytest.mark.django_db

WEEK_LATER = timedelta(days=7, minutes=1)


@pytest.fixture(autouse=True)
def _moderation_registered():
    from moderation.privacy import register

    register()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_ROOT = tmp_path / "exports"


def committing():
    """Run on_commit callbacks (the banner's cache, file deletions) as a real request's commit would."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def request_deletion(member) -> DeletionRequest:
    with committing():
        return deletion_request(member=member, password=PASSWORD)


def post(client, path, data=None, **kwargs):
    with committing():
        return client.post(path, data or {}, **kwargs)


def after_grace():
    return time_machine.travel(timezone.now() + WEEK_LATER, tick=True)


# --- asking -----------------------------------------------------------------------------------------


@pytest.mark.legal("L9")
def test_deletion_takes_three_clicks_from_the_privacy_centre_with_the_current_password(member_client, member):
    centre = member_client.get("/privacy/").content.decode()
    assert 'href="/privacy/delete/"' in centre  # click 1
    page = member_client.get("/privacy/delete/").content.decode()  # the page with the password field
    assert 'autocomplete="current-password"' in page
    assert "Access and security logs" in page  # what the law makes us keep, from the schedule
    response = post(member_client, "/privacy/delete/", {"password": PASSWORD}, follow=True)  # click 3
    assert response.redirect_chain[-1][0] == "/privacy/delete/"
    request = DeletionRequest.objects.get()
    assert (request.member_id, request.member_ref) == (member.pk, member.pk)
    assert request.due_at - request.requested_at == timedelta(days=7)
    html = response.content.decode()
    assert "Your account will be deleted on" in html
    assert 'action="/privacy/delete/cancel/"' in html


@pytest.mark.legal("L9")
def test_a_wrong_password_is_refused_beside_the_field_and_nothing_is_scheduled(member_client):
    response = member_client.post("/privacy/delete/", {"password": "not-my-password"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "That is not your current password." in html
    assert 'aria-invalid="true"' in html
    assert not DeletionRequest.objects.exists()


def test_guessing_the_password_is_bounded(member_client):
    for _ in range(5):
        member_client.post("/privacy/delete/", {"password": "guess"})
    response = member_client.post("/privacy/delete/", {"password": PASSWORD})
    assert "Too many wrong passwords" in response.content.decode()
    assert not DeletionRequest.objects.exists()


def test_asking_twice_keeps_one_request(member):
    first = request_deletion(member)
    assert request_deletion(member).pk == first.pk
    assert DeletionRequest.objects.count() == 1


def test_visitors_are_sent_to_sign_in(client):
    assert client.get("/privacy/delete/").status_code == 302
    response = client.post("/privacy/delete/cancel/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the grace period -------------------------------------------------------------------------------


@pytest.mark.legal("L9")
def test_every_page_shows_the_banner_and_cancelling_is_one_click(member_client, member):
    request_deletion(member)
    page = member_client.get("/privacy/policies/").content.decode()
    assert "Your account will be deleted on" in page
    assert 'name="next" value="/privacy/policies/"' in page
    response = post(member_client, "/privacy/delete/cancel/", {"next": "/privacy/policies/"})
    assert response.status_code == 302 and response["Location"] == "/privacy/policies/"
    assert DeletionRequest.objects.get().cancelled_at is not None
    page = member_client.get("/privacy/policies/").content.decode()
    assert "Your account will be deleted on" not in page
    assert "Deletion cancelled." in page


def test_cancel_goes_nowhere_outside_the_site(member_client, member):
    request_deletion(member)
    response = member_client.post("/privacy/delete/cancel/", {"next": "https://evil.example/"})
    assert response["Location"] == "/privacy/"


@pytest.mark.legal("L9")
def test_the_member_can_still_sign_in_during_the_grace_period_and_sees_the_banner(client, member):
    request_deletion(member)
    cache.clear()  # another device, a restarted cache: the sign-in answers
    assert client.login(email=member.email, password=PASSWORD)
    assert "Your account will be deleted on" in client.get("/privacy/policies/").content.decode()


def test_other_members_see_no_banner_and_cannot_cancel_someone_elses_deletion(client, member, other_member):
    request_deletion(member)
    client.force_login(other_member)
    assert "Your account will be deleted on" not in client.get("/privacy/policies/").content.decode()
    client.post("/privacy/delete/cancel/")
    assert DeletionRequest.objects.get().cancelled_at is None


def test_the_banner_costs_no_query_for_visitors_and_at_most_one_for_a_member(
    rf, member, django_assert_num_queries
):
    from django.contrib.auth.models import AnonymousUser

    request = rf.get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert deletion_pending(request) == {}
    request.user = member
    cache.clear()
    with django_assert_num_queries(1):  # the cache forgot: the pending request, once
        assert deletion_pending(request)["privacy_deletion_due"]() is None
    with django_assert_num_queries(0):  # remembered
        assert deletion_pending(request)["privacy_deletion_due"]() is None
    due = request_deletion(member).due_at
    with django_assert_num_queries(0):
        assert deletion_pending(request)["privacy_deletion_due"]() == due


def test_the_banner_on_a_signed_in_page_costs_no_query(rf, member, django_assert_num_queries):
    from django.template import Context
    from django.template.loader import get_template

    request = rf.get("/spaces/")
    request.user = member
    deletion_pending(request)["privacy_deletion_due"]()  # the sign-in has filled the cache
    request_deletion(member)
    # Only this template and its context processor (the site's own processors are not ours to count).
    template = get_template("privacy/deletion_banner.html").template
    with django_assert_num_queries(0):
        html = template.render(Context({"request": request, **deletion_pending(request)}))
    assert "Your account will be deleted on" in html
    assert 'name="next" value="/spaces/"' in html


# --- the job ----------------------------------------------------------------------------------------


def test_nothing_is_erased_before_the_grace_period_ends_or_after_a_cancel(member):
    request = request_deletion(member)
    assert deletions_complete_due() == 0
    with committing():
        assert deletion_cancel(member=member)
    with after_grace():
        assert deletions_complete_due() == 0
    member.refresh_from_db()
    assert member.is_active and member.email == "member@example.org"
    assert DeletionRequest.objects.get(pk=request.pk).completed_at is None


@pytest.fixture
def busy_member(member, other_member, tmp_path):
    """A member with something in every app: profile, avatar, email addresses, a session, a token,
    blocks and mutes, consents, posts, comments, reactions, a mention by someone else, memberships,
    RSVPs, inbox and deliveries, a report."""
    space = SpaceFactory(member_count=2)
    MembershipFactory(space=space, member=member)
    MembershipFactory(space=space, member=other_member)
    member.bio = "I live in Hangzhou"
    member.avatar.save("a.webp", ContentFile(b"RIFF....WEBP"), save=True)
    own_post = PostFactory(space=space, author=member, title="My post", body="Written by me")
    CommentFactory(post=own_post, author=other_member, body="A reply")
    CommentFactory(post=PostFactory(space=space, author=other_member), author=member, body="My comment")
    liked = PostFactory(space=space, author=other_member, reaction_count=1)
    Reaction.objects.create(member=member, post=liked, kind="like")
    mentioning = post_publish(
        author=other_member, space=space, title="Hello", body='Thanks @"Mia Member" for the help!'
    )
    assert Mention.objects.filter(member=member, post=mentioning).exists()
    Block.objects.create(blocker=member, blocked=MemberFactory())
    Mute.objects.create(muter=other_member, muted=member)
    ActiveDay.objects.create(member=member, day=timezone.localdate())
    consent_grant(member=member, purpose="marketing", channel="web")
    consent_withdraw(member=member, purpose="marketing", channel="web")
    consent_withdraw(member=member, purpose="public_profile", channel="web")
    event = EventFactory(
        space=space,
        capacity=1,
        going_count=1,
        waitlist_count=1,
        starts_at=timezone.now() + timedelta(days=30),
        ends_at=timezone.now() + timedelta(days=30, hours=2),
    )
    RSVP.objects.create(event=event, member=member, status="going")
    RSVP.objects.create(event=event, member=other_member, status="waitlisted", waitlisted_at=timezone.now())
    item = InboxItem.objects.create(recipient=member, kind="post.reply", url="/x", data={"title": "Hi"})
    Delivery.objects.create(
        source_kind="post.reply",
        source_id=1,
        recipient=member,
        channel="email",
        category="replies",
        inbox_item=item,
        due_at=timezone.now(),
    )
    EmailOptOut.objects.create(member=member, category="announcements")
    CalendarToken.objects.create(member=member)
    Token.objects.create(user=member)
    report_file(reporter=member, kind="post", object_id=liked.pk, reason="spam", details="I saw it")
    return member


def sign_in_session(client, member) -> str:
    client.force_login(member)
    return client.session.session_key


@pytest.mark.legal("L9")
def test_after_the_grace_period_the_job_erases_the_account_and_anonymises_its_content(
    client, busy_member, other_member
):
    member = busy_member
    member_id = member.pk
    session_key = sign_in_session(client, member)
    other_session = sign_in_session(client.__class__(), other_member)
    avatar = member.avatar.name
    request_deletion(member)
    with after_grace(), committing():
        assert complete_deletions.run() == 1

    tombstone = Member.objects.get(pk=member_id)
    assert tombstone.email == f"deleted-{member_id}@invalid"
    assert (tombstone.display_name, tombstone.bio, tombstone.avatar.name) == ("", "", "")
    assert not tombstone.is_active and not tombstone.has_usable_password()
    assert not default_storage.exists(avatar)
    assert list(EmailAddress.objects.filter(user_id=member_id).values_list("email", flat=True)) == [
        tombstone.email
    ]
    assert not Session.objects.filter(session_key=session_key).exists()
    assert Session.objects.filter(session_key=other_session).exists()
    for model, field in [
        (Block, "blocker_id"),
        (Mute, "muted_id"),
        (ActiveDay, "member_id"),
        (Reaction, "member_id"),
        (Mention, "member_id"),
        (SpaceMembership, "member_id"),
        (RSVP, "member_id"),
        (InboxItem, "recipient_id"),
        (Delivery, "recipient_id"),
        (EmailOptOut, "member_id"),
        (CalendarToken, "member_id"),
        (Token, "user_id"),
    ]:
        assert not model.objects.filter(**{field: member_id}).exists(), model.__name__

    # Content stays, anonymised: the author is the tombstone; counters stay right.
    assert Post.objects.get(title="My post").author_id == member_id
    assert Comment.objects.get(body="My comment").author_id == member_id
    assert Post.objects.filter(author=other_member, reaction_count=0).count() >= 1
    mentioning = Post.objects.get(title="Hello")
    assert mentioning.body == "Thanks @Deleted member for the help!"
    assert "Mia" not in mentioning.body_html and "@Deleted member" in mentioning.body_html
    assert f"/members/{member_id}/" not in mentioning.body_html
    space = SpaceMembership.objects.get(member=other_member).space
    space.refresh_from_db()
    assert space.member_count == 1
    # The seat went to the first on the waitlist.
    assert RSVP.objects.get(member=other_member).status == "going"

    # Consents: proof of what was granted stays, unlinked; a purpose never granted goes.
    entries = ConsentEntry.objects.filter(member_ref=member_id)
    assert set(entries.values_list("purpose", "granted")) == {("marketing", True), ("marketing", False)}
    assert not entries.filter(member__isnull=False).exists()
    assert AccountClosure.objects.filter(member_ref=member_id).exists()
    assert Report.objects.get(reporter_id=member_id).details == ""
    request = DeletionRequest.objects.get()
    assert request.completed_at is not None and request.member_id == member_id


def test_a_mention_in_a_chinese_members_text_becomes_the_chinese_label(member, other_member):
    other_member.language = "zh-hans"
    other_member.save(update_fields=["language"])
    space = SpaceFactory(member_count=2)
    MembershipFactory(space=space, member=member)
    MembershipFactory(space=space, member=other_member)
    post = post_publish(author=other_member, space=space, title="你好", body='谢谢 @"Mia Member"！')
    request_deletion(member)
    with after_grace():
        deletions_complete_due()
    post.refresh_from_db()
    assert "Mia" not in post.body
    assert post.body.startswith("谢谢 @")


@pytest.mark.legal("L9")
def test_a_second_run_changes_nothing_and_a_cancel_after_the_job_started_is_refused(busy_member):
    request = request_deletion(busy_member)
    with after_grace():
        assert deletion_complete(request_id=request.pk)
        assert not deletion_complete(request_id=request.pk)
        assert deletions_complete_due() == 0
        assert not deletion_cancel(member=busy_member)


def test_a_job_killed_midway_finishes_when_run_again(busy_member):
    request = request_deletion(busy_member)
    sources = erase_sources()

    def dying(*, member_id):
        raise RuntimeError("worker killed")

    broken = [(dying if i == 1 else fn, entries) for i, (fn, entries) in enumerate(sources)]
    with (
        after_grace(),
        mock.patch("privacy.deletion.erase_sources", return_value=broken),
        pytest.raises(RuntimeError),
    ):
        deletion_complete(request_id=request.pk)
    assert DeletionRequest.objects.get(pk=request.pk).completed_at is None
    # The claim is taken up again once it is stale (the worker evidently died).
    with time_machine.travel(timezone.now() + WEEK_LATER + timedelta(hours=2), tick=True):
        assert deletions_complete_due() == 1
    assert Member.objects.get(pk=busy_member.pk).email.endswith("@invalid")


def test_a_legal_hold_on_the_account_pauses_the_deletion(member):
    LegalHold.objects.create(
        category=RetentionCategory.objects.get(key="deleted_accounts"),
        member_id_held=member.pk,
        reason="court",
    )
    request_deletion(member)
    with after_grace():
        assert deletions_complete_due() == 0
    member.refresh_from_db()
    assert member.is_active


def test_erase_functions_run_community_then_moderation_then_content_then_members_then_privacy():
    # community's idempotency records first: it is the last installed app, and it reads nothing of the
    # others
    order = [entries[0].app_label for _fn, entries in erase_sources()]
    assert order == ["community", "moderation", "content", "members", "privacy"]


def test_the_deletion_banner_forgets_a_completed_deletion(member):
    request_deletion(member)
    assert deletion_banner_due(member_id=member.pk) is not None
    with after_grace():
        deletions_complete_due()
    assert deletion_banner_due(member_id=member.pk) is None


@pytest.mark.legal("L9")
@pytest.mark.legal("L11")
def test_a_closed_accounts_records_under_a_floor_go_at_the_floor_and_everyone_elses_at_the_keep_period():
    from privacy.retention import retention_apply_category
    from privacy.services import account_closure_record

    gone, staying = MemberFactory(), MemberFactory()
    account_closure_record(member_id=gone.pk)
    posts = {}
    for who in (gone, staying):
        posts[who.pk] = PostFactory(author=who, body="kept for the law")
        Post.objects.filter(pk=posts[who.pk].pk).update(deleted_at=timezone.now() - timedelta(days=61))
    category = RetentionCategory.objects.get(key="deleted_content_records")
    assert (category.floor_days, category.keep_days) == (60, 190)
    run = retention_apply_category(category=category)
    assert run.rows_affected == 1
    assert Post.objects.get(pk=posts[gone.pk].pk).body == ""
    assert Post.objects.get(pk=posts[staying.pk].pk).body == "kept for the law"


@pytest.mark.legal("L9")
def test_the_erasure_deletes_the_members_idempotency_records_and_no_one_elses(member, other_member):
    from community.models import IdempotencyRecord

    expires = timezone.now() + timedelta(hours=24)
    for who in (member, other_member):
        IdempotencyRecord.objects.create(
            member=who,
            scope="api",
            key_hash="k" * 64,
            result={"status": 201, "data": {"title": "mine"}},
            expires_at=expires,
        )
    request_deletion(member)
    with after_grace():
        assert deletions_complete_due() == 1
    assert list(IdempotencyRecord.objects.values_list("member_id", flat=True)) == [other_member.pk]
