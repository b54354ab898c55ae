"""Account sanctions (LEGAL L18, L20): limit posting, suspend and ban from the review item; what each stops
through the pages and the API; appeals that lift them; the permission matrix; bad input."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from content.delivery.dispatcher import deliveries_dispatch
from content.delivery.models import Delivery
from content.exceptions import NotAllowed
from content.models import RSVP, Comment, ContentStatus, Event, InboxItem, Post, Reaction
from members.models import BannedEmail, Member
from members.standing import email_ban_hash
from moderation.exceptions import SanctionNotPossible
from moderation.models import ActionKind, Appeal, ModerationAction, Report, ReviewItem, ReviewStatus
from moderation.selectors import author_strikes
from moderation.services import (
    appeal_decide,
    appeal_file,
    appeal_link,
    report_file,
    review_item_claim,
    review_item_decide,
    review_item_release,
)
from tests.factories import EventFactory, MemberFactory, MembershipFactory, PostFactory, SpaceFactory
from tests.moderation.queries import assert_own_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_kicks(monkeypatch):
    """After-commit kicks of the delivery engine are not published (the dispatcher runs in the test)."""
    monkeypatch.setattr("content.delivery.outbox.task_kick", lambda task, *args: True)


def _report(reporter, target, kind="post", reason="harassment"):
    return report_file(reporter=reporter, kind=kind, object_id=target.pk, reason=reason, details="")


@pytest.fixture
def item(member, post):
    _report(member, post)
    return ReviewItem.objects.get()


def _decide(item, by, action, days=None, reason="Insults another member.", rule="Rules v1, §2 Respect"):
    return review_item_decide(item=item, by=by, action=action, reason=reason, rule=rule, days=days)


def _fresh(member):
    return Member.objects.get(pk=member.pk)


def _soon(days):
    return timezone.now() + timedelta(days=days)


# --- deciding ------------------------------------------------------------------------------------


@pytest.mark.legal("L18")
@pytest.mark.legal("L20")
def test_limiting_posting_logs_the_end_limits_the_author_and_tells_them_why(item, moderator, other_member):
    assert _decide(item, moderator, "limit", days=3)

    author = _fresh(other_member)
    assert _soon(3) - timedelta(minutes=1) < author.posting_limited_until <= _soon(3)
    action = ModerationAction.objects.get()
    assert (action.action, action.target_author_id, action.until) == (
        "limit",
        author.pk,
        author.posting_limited_until,
    )
    assert set(Report.objects.values_list("outcome", flat=True)) == {"upheld"}
    notice = InboxItem.objects.get(recipient=author, kind="moderation.sanction")
    assert notice.data["action"] == "limit" and notice.data["rule"] == "Rules v1, §2 Respect"
    assert "limited your account until" in notice.data["text"]
    assert notice.url == reverse("moderation:decisions")
    assert ReviewItem.objects.get().decision == "limit"


@pytest.mark.legal("L20")
def test_suspending_from_the_item_page_suspends_the_author(client, item, moderator, other_member):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:decide", args=[item.pk]),
        {"action": "suspend", "days": "3", "reason": "Threats.", "rule": "Rules v1, §2"},
    )
    assert response.status_code == 302
    author = _fresh(other_member)
    assert author.suspended_until > _soon(2)
    assert author.is_active  # a suspended member still signs in and reads


@pytest.mark.legal("L20")
def test_a_ban_closes_the_account_hashes_its_address_and_the_notice_is_written_first(
    item, moderator, other_member
):
    assert _decide(item, moderator, "ban")

    author = _fresh(other_member)
    assert not author.is_active and author.banned_at is not None
    assert BannedEmail.objects.filter(email_hash=email_ban_hash(other_member.email)).exists()
    notice = InboxItem.objects.get(recipient=author, kind="moderation.sanction")
    assert notice.url.startswith("/moderation/appeal/")  # the banned member cannot sign in to appeal
    # the statement of reasons was written while the account was active, so its email is owed too
    assert Delivery.objects.filter(recipient=author, inbox_item=notice, channel="email").exists()


def test_the_post_itself_stays_as_it_was_after_a_sanction(item, moderator, post):
    _decide(item, moderator, "suspend", days=1)
    assert Post.objects.get(pk=post.pk).status == ContentStatus.PUBLISHED


def test_a_profile_report_sanctions_that_member(member, other_member, moderator):
    _report(member, other_member, kind="member")
    _decide(ReviewItem.objects.get(), moderator, "suspend", days=7)
    assert _fresh(other_member).suspended_until > _soon(6)


# --- what a suspension or a posting limit stops -----------------------------------------------------


@pytest.fixture
def suspended(other_member):
    Member.objects.filter(pk=other_member.pk).update(suspended_until=_soon(3))
    return _fresh(other_member)


@pytest.fixture
def limited(other_member):
    Member.objects.filter(pk=other_member.pk).update(posting_limited_until=_soon(3))
    return _fresh(other_member)


@pytest.fixture
def target_post(space, member):
    return PostFactory(space=space, author=member, title="Garden day")


def _event_form(**changes):
    starts = timezone.localtime(timezone.now() + timedelta(days=10)).replace(tzinfo=None)
    return {
        "title": "Tea tasting",
        "description": "Oolong.",
        "timezone": "Asia/Shanghai",
        "starts_at": starts.strftime("%Y-%m-%dT19:00"),
        "ends_at": starts.strftime("%Y-%m-%dT21:00"),
        "location": "Tianzifang",
        "online_url": "",
        "capacity": "8",
        "rsvp_deadline": "",
        **changes,
    }


@pytest.mark.legal("L20")
def test_a_suspended_member_reads_but_every_page_refuses_to_write_with_the_text_kept(
    client, suspended, space, target_post
):
    client.force_login(suspended)
    assert client.get(reverse("content:post_detail", args=[target_post.pk])).status_code == 200

    page = client.post(
        reverse("content:post_create", args=[space.slug]),
        {"title": "My title stays", "body": "My words stay.", "kind": "discussion"},
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your account is suspended until" in html and "My words stay." in html

    page = client.post(reverse("content:comment_create", args=[target_post.pk]), {"body": "A reply I wrote."})
    assert page.status_code == 400
    html = page.content.decode()
    assert "Your account is suspended until" in html and "A reply I wrote." in html

    page = client.post(reverse("content:event_create", args=[space.slug]), _event_form(title="Kept title"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your account is suspended until" in html and "Kept title" in html

    page = client.post(reverse("content:post_react", args=[target_post.pk]), {"kind": "like"}, follow=True)
    assert "Your account is suspended until" in page.content.decode()

    event = EventFactory(space=space)
    page = client.post(reverse("content:event_rsvp", args=[event.pk]), {"going": "1"}, HTTP_HX_REQUEST="true")
    assert page.status_code == 200 and "Your account is suspended until" in page.content.decode()

    assert not Post.objects.filter(author=suspended).exists()
    assert not Comment.objects.filter(author=suspended).exists()
    assert not Event.objects.filter(organiser=suspended).exists()
    assert not Reaction.objects.filter(member=suspended).exists()
    assert not RSVP.objects.filter(member=suspended).exists()


@pytest.mark.legal("L20")
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/spaces/{slug}/posts/", {"title": "Hello", "body": "Hi."}),
        ("post", "/api/v1/posts/{post}/comments/", {"body": "Hi."}),
        ("post", "/api/v1/posts/{post}/reactions/", {"kind": "like"}),
        ("put", "/api/v1/events/{event}/rsvp/", {"going": True}),
        ("post", "/api/v1/spaces/{slug}/events/", "event"),
    ],
)
def test_the_api_refuses_a_suspended_member_with_the_code_and_the_end(
    suspended, space, target_post, method, path, body
):
    event = EventFactory(space=space)
    if body == "event":
        starts = timezone.now() + timedelta(days=3)
        body = {
            "title": "Swap",
            "description": "Seeds.",
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(hours=2)).isoformat(),
            "timezone": "Asia/Shanghai",
        }
    api = APIClient()
    api.force_login(suspended)
    url = path.format(slug=space.slug, post=target_post.pk, event=event.pk)

    response = getattr(api, method)(url, body, format="json")

    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "account_suspended"
    assert error["retry_at"] == suspended.suspended_until.isoformat()
    assert "suspended until" in error["message"]


@pytest.mark.legal("L20")
def test_a_posting_limit_stops_posts_and_comments_but_not_reactions_or_rsvps(limited, space, target_post):
    api = APIClient()
    api.force_login(limited)

    for url, body in (
        (f"/api/v1/spaces/{space.slug}/posts/", {"title": "Hello", "body": "Hi."}),
        (f"/api/v1/posts/{target_post.pk}/comments/", {"body": "Hi."}),
    ):
        response = api.post(url, body, format="json")
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "posting_limited"

    assert (
        api.post(f"/api/v1/posts/{target_post.pk}/reactions/", {"kind": "like"}, format="json").status_code
        == 200
    )
    event = EventFactory(space=space)
    assert api.put(f"/api/v1/events/{event.pk}/rsvp/", {"going": True}, format="json").status_code == 200


def test_a_posting_limited_member_sees_why_beside_the_comment_form(client, limited, target_post):
    client.force_login(limited)
    page = client.post(reverse("content:comment_create", args=[target_post.pk]), {"body": "Still here."})
    html = page.content.decode()
    assert "may not post or comment until" in html and "Still here." in html


def test_a_suspended_member_may_still_give_their_seat_back(suspended, space):
    event = EventFactory(space=space)
    RSVP.objects.create(event=event, member=suspended, status="going")
    Event.objects.filter(pk=event.pk).update(going_count=1)
    api = APIClient()
    api.force_login(suspended)
    response = api.put(f"/api/v1/events/{event.pk}/rsvp/", {"going": False}, format="json")
    assert response.status_code == 200
    assert RSVP.objects.get(event=event, member=suspended).status == "not_going"


def test_the_suspension_ends_by_itself(suspended, space):
    api = APIClient()
    api.force_login(suspended)
    with time_machine.travel(_soon(4)):
        response = api.post(
            f"/api/v1/spaces/{space.slug}/posts/", {"title": "Back", "body": "Hi."}, format="json"
        )
    assert response.status_code == 201


# --- appeals -------------------------------------------------------------------------------------


@pytest.fixture
def second_moderator(db):
    return MemberFactory(groups=["moderator"])


@pytest.mark.legal("L18")
@pytest.mark.parametrize(
    ("action", "field"), [("limit", "posting_limited_until"), ("suspend", "suspended_until")]
)
def test_an_upheld_appeal_lifts_a_limit_or_suspension(
    item, moderator, second_moderator, other_member, action, field
):
    _decide(item, moderator, action, days=30)
    appeal = appeal_file(
        action=ModerationAction.objects.get(), appellant=other_member, statement="It was a joke."
    )

    assert appeal_decide(appeal=appeal, by=second_moderator, uphold=True, reason="We misread it.")

    assert getattr(_fresh(other_member), field) is None
    assert ModerationAction.objects.filter(action="approve").count() == 1
    told = InboxItem.objects.get(recipient=other_member, kind="moderation.appeal_decided")
    assert "restriction on your account has been lifted" in told.data["text"]


def test_reversing_an_earlier_suspension_leaves_a_later_longer_one(
    member, space, moderator, second_moderator, other_member
):
    first, second = (
        PostFactory(space=space, author=other_member),
        PostFactory(space=space, author=other_member),
    )
    _report(member, first)
    _decide(ReviewItem.objects.get(object_id=first.pk), moderator, "suspend", days=2)
    _report(member, second)
    _decide(ReviewItem.objects.get(object_id=second.pk), moderator, "suspend", days=20)
    earlier = ModerationAction.objects.get(review_item__object_id=first.pk)
    appeal = appeal_file(action=earlier, appellant=other_member, statement="The first one was wrong.")

    appeal_decide(appeal=appeal, by=second_moderator, uphold=True, reason="Agreed.")

    assert _fresh(other_member).suspended_until > _soon(19)


@pytest.mark.legal("L18")
@pytest.mark.legal("L20")
def test_a_banned_member_appeals_through_the_link_and_reversal_opens_the_account(
    client, item, moderator, second_moderator, other_member
):
    _decide(item, moderator, "ban")
    link = InboxItem.objects.get(recipient=other_member, kind="moderation.sanction").url

    page = client.get(link)
    assert page.status_code == 200 and "Send the appeal" in page.content.decode()
    assert client.post(link, {"statement": ""}).status_code == 400
    assert client.post(link, {"statement": "I was hacked."}).status_code == 302
    appeal = Appeal.objects.get()
    assert appeal.appellant_id == other_member.pk

    appeal_decide(appeal=appeal, by=second_moderator, uphold=True, reason="Your account was taken over.")

    author = _fresh(other_member)
    assert author.is_active and author.banned_at is None
    assert not BannedEmail.objects.exists()
    assert "upheld" in client.get(link).content.decode()


def test_a_forged_or_expired_appeal_link_is_a_404(client, item, moderator):
    _decide(item, moderator, "ban")
    link = appeal_link(action=ModerationAction.objects.get())
    assert client.get(link[:-3] + "abc/").status_code == 404
    with time_machine.travel(timezone.now() + timedelta(days=200)):
        assert client.get(link).status_code == 404


# --- strikes -------------------------------------------------------------------------------------


def test_strikes_count_standing_restrictive_decisions_of_the_last_year(
    member, space, moderator, second_moderator, other_member
):
    posts = [PostFactory(space=space, author=other_member) for _ in range(4)]
    with time_machine.travel(timezone.now() - timedelta(days=400)):
        _report(member, posts[0])
        _decide(ReviewItem.objects.get(object_id=posts[0].pk), moderator, "hide")
    _report(member, posts[1])
    _decide(ReviewItem.objects.get(object_id=posts[1].pk), moderator, "warn")
    _report(member, posts[2])
    _decide(ReviewItem.objects.get(object_id=posts[2].pk), moderator, "dismiss")
    _report(member, posts[3])
    _decide(ReviewItem.objects.get(object_id=posts[3].pk), moderator, "limit", days=2)
    reversed_action = ModerationAction.objects.get(action="limit")
    appeal = appeal_file(action=reversed_action, appellant=other_member, statement="Please.")
    appeal_decide(appeal=appeal, by=second_moderator, uphold=True, reason="Fair.")

    # counted: the warning; not: the old hide, the dismissal, the limit reversed on appeal
    assert author_strikes(author=other_member) == 1


def test_the_item_page_shows_the_strikes_and_the_standing(
    client, item, member, space, moderator, other_member
):
    earlier = PostFactory(space=space, author=other_member)
    _report(member, earlier)
    _decide(ReviewItem.objects.get(object_id=earlier.pk), moderator, "suspend", days=5)
    client.force_login(moderator)

    html = client.get(reverse("moderation:item", args=[item.pk])).content.decode()

    assert 'class="strikes">1<' in html
    assert "Suspended until" in html


@pytest.mark.parametrize("reports", [1, 30])
def test_the_item_page_costs_the_same_queries_for_1_and_30_reports(
    client, moderator, post, space, other_member, reports
):
    for _ in range(reports):
        _report(MemberFactory(), post)
    for _ in range(3):  # some history for the case file
        ModerationAction.objects.create(
            moderator=moderator,
            action="warn",
            kind="member",
            object_id=other_member.pk,
            target_author=other_member,
            reason="Be kind.",
            rule="R1",
        )
    item = ReviewItem.objects.get()
    client.force_login(moderator)
    # (sessions live in the cache) 1 the moderator, 2 the moderator's groups (site moderator?), 3 the
    # item with its space, claimer and author, 4 the reported post, 5 the author's latest actions with
    # their moderators and swept counts, 6 the upheld reports, 7 the strikes, 8 the unread count in the
    # header, 9 the reports with their reporters, 10 the automatic rules' hits, 11 the author's correction
    # notes for the case file, 12 the reported post's correction notes (issue 10; their replies and
    # history only when there are notes). (Other apps' account banners are not counted.)
    with assert_own_queries(12):
        response = client.get(reverse("moderation:item", args=[item.pk]))
    assert response.content.decode().count("<strong>Harassment or abuse</strong>") == reports


# --- permissions ---------------------------------------------------------------------------------


@pytest.fixture
def other_space_moderator(db):
    return MembershipFactory(space=SpaceFactory(), role="moderator").member


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 302),  # to the login page
        ("member", 403),
        ("other_member", 403),
        ("other_space_moderator", 404),  # cannot see an item of another space
        ("space_moderator", 400),  # sees the item, but sanctions are not among its choices
        ("moderator", 302),
        ("operator", 302),
    ],
)
def test_who_may_suspend_from_the_item_page(client, request, item, who, status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.post(
        reverse("moderation:decide", args=[item.pk]),
        {"action": "suspend", "days": "3", "reason": "Threats.", "rule": "R2"},
    )
    assert response.status_code == status
    author = _fresh(item.snapshot_author)
    assert (author.suspended_until is not None) == (status == 302 and who != "anonymous")


def test_a_space_moderator_does_not_see_the_sanctions_but_can_still_hide(client, item, space_moderator):
    client.force_login(space_moderator)
    html = client.get(reverse("moderation:item", args=[item.pk])).content.decode()
    assert "Suspend" not in html and "Limit posting" not in html and 'value="ban"' not in html
    assert "Remove all recent content and ban" not in html
    assert _decide(item, space_moderator, "hide")


def test_the_service_refuses_sanctions_by_a_space_moderator(item, space_moderator):
    with pytest.raises(NotAllowed, match="Only site moderators"):
        _decide(item, space_moderator, "ban")
    assert _fresh(item.snapshot_author).is_active


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("self", "You cannot restrict your own account."),
        ("staff", "Staff accounts cannot be restricted here."),
        ("fellow_moderator", "Only an operator can restrict a site moderator's account."),
    ],
)
def test_some_accounts_cannot_be_sanctioned_by_a_moderator(client, member, space, moderator, target, message):
    author = {
        "self": moderator,
        "staff": MemberFactory(is_staff=True),
        "fellow_moderator": MemberFactory(groups=["moderator"]),
    }[target]
    _report(member, PostFactory(space=space, author=author))
    item = ReviewItem.objects.get()
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:decide", args=[item.pk]),
        {"action": "ban", "reason": "Spam.", "rule": "R4"},
    )
    assert response.status_code == 400
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert _fresh(author).is_active and ReviewItem.objects.get().status != ReviewStatus.DECIDED


def test_an_account_banned_already_is_not_sanctioned_again(item, moderator, other_member):
    from members.standing import member_ban

    member_ban(member=other_member, by=moderator)
    item.snapshot_author.refresh_from_db()
    with pytest.raises(SanctionNotPossible, match="banned already"):
        _decide(item, moderator, "suspend", days=2)
    assert _decide(item, moderator, "remove")  # its content can still be dealt with


def test_an_operator_may_sanction_a_site_moderator(member, space, operator):
    fellow = MemberFactory(groups=["moderator"])
    _report(member, PostFactory(space=space, author=fellow))
    assert _decide(ReviewItem.objects.get(), operator, "suspend", days=1)


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "message"),
    [
        ("", "Say for how many days: a number from 1 to 365."),
        ("0", "Choose a number of days from 1 to 365."),
        ("1000", "Choose a number of days from 1 to 365."),
        ("three", "Choose a number of days from 1 to 365."),
    ],
)
def test_a_limit_or_suspension_without_good_days_is_refused_beside_the_field(
    client, item, moderator, days, message
):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:decide", args=[item.pk]),
        {"action": "suspend", "days": days, "reason": "My reason stays.", "rule": "R2"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_days_error"' in html and message in html
    assert "My reason stays." in html
    assert ReviewItem.objects.get().status != ReviewStatus.DECIDED


def test_stray_days_are_ignored_for_an_action_without_a_duration(client, item, moderator, post):
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:decide", args=[item.pk]),
        {"action": "hide", "days": "lots", "reason": "Rude.", "rule": "R2"},
    )
    assert response.status_code == 302
    assert Post.objects.get(pk=post.pk).status == ContentStatus.HIDDEN
    assert ModerationAction.objects.get().until is None


@pytest.mark.parametrize("days", [None, 0, 366])
def test_the_service_refuses_bad_days_too(item, moderator, days):
    with pytest.raises(Exception, match="days") as caught:
        _decide(item, moderator, "limit", days=days)
    assert caught.value.field == "days"


def test_acting_on_an_item_claimed_by_someone_else_names_the_holder(client, item, moderator, operator):
    review_item_claim(item=item, by=operator)
    client.force_login(moderator)
    response = client.post(
        reverse("moderation:decide", args=[item.pk]),
        {"action": "ban", "reason": "Spam.", "rule": "R4"},
    )
    assert response.status_code == 400
    assert "Opal Operator is already handling this item." in response.content.decode()
    assert _fresh(item.snapshot_author).is_active


# --- releasing a claim ---------------------------------------------------------------------------


def test_the_holder_releases_a_claim_and_anyone_may_take_it(client, item, moderator, operator):
    review_item_claim(item=item, by=moderator)
    client.force_login(moderator)
    page = client.get(reverse("moderation:item", args=[item.pk])).content.decode()
    assert "Release claim" in page

    response = client.post(reverse("moderation:release", args=[item.pk]), HTTP_HX_REQUEST="true")

    assert response.status_code == 200 and "Claim this item" in response.content.decode()
    item.refresh_from_db()
    assert (item.status, item.claimed_by_id) == (ReviewStatus.OPEN, None)
    assert review_item_claim(item=item, by=operator).claimed_by_id == operator.pk


def test_only_the_holder_can_release(client, item, moderator, operator):
    review_item_claim(item=item, by=operator)
    assert not review_item_release(item=item, by=moderator)
    client.force_login(moderator)
    response = client.post(reverse("moderation:release", args=[item.pk]), follow=True)
    assert "You no longer hold this item; nothing changed." in response.content.decode()
    assert ReviewItem.objects.get().claimed_by_id == operator.pk


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("member", 403), ("other_space_moderator", 404)]
)
def test_outsiders_cannot_release(client, request, item, operator, who, status):
    review_item_claim(item=item, by=operator)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.post(reverse("moderation:release", args=[item.pk])).status_code == status
    assert ReviewItem.objects.get().claimed_by_id == operator.pk


# --- notices by email ------------------------------------------------------------------------------


@pytest.mark.legal("L17")
@pytest.mark.legal("L18")
def test_the_statement_of_reasons_and_the_outcome_arrive_by_email(item, moderator, member, other_member):
    _decide(item, moderator, "hide")

    deliveries_dispatch()

    by_recipient = {message.to[0]: message for message in mail.outbox}
    assert set(by_recipient) == {other_member.email, member.email}
    statement = by_recipient[other_member.email]
    assert "Insults another member." in statement.body and "Rules v1, §2 Respect" in statement.body
    assert "/moderation/decisions/" in statement.body
    assert "upheld" in by_recipient[member.email].body
    # the receipt of the report stayed in the inbox (the page said it at once)
    assert InboxItem.objects.filter(recipient=member, kind="report.received").exists()


@pytest.mark.legal("L18")
def test_a_suspension_notice_arrives_by_email_with_its_end_and_reason(item, moderator, other_member):
    _decide(item, moderator, "suspend", days=3, reason="Threats against a member.")

    deliveries_dispatch()

    (statement,) = [message for message in mail.outbox if message.to == [other_member.email]]
    assert "suspended your account until" in statement.body
    assert "Threats against a member." in statement.body and "Rules v1, §2 Respect" in statement.body


def test_a_dismissal_tells_the_reporter_by_email_and_the_author_nothing(item, moderator, member):
    _decide(item, moderator, "dismiss")
    deliveries_dispatch()
    assert [message.to for message in mail.outbox] == [[member.email]]


@pytest.mark.parametrize("action", [ActionKind.LIMIT, ActionKind.SUSPEND, ActionKind.BAN])
def test_sanctions_appear_on_the_decisions_page_with_an_appeal(client, item, moderator, other_member, action):
    _decide(item, moderator, action, days=3 if action != ActionKind.BAN else None)
    if action == ActionKind.BAN:
        return  # the banned member cannot sign in: the link in the notice is their way (tested above)
    client.force_login(_fresh(other_member))
    html = client.get(reverse("moderation:decisions")).content.decode()
    assert str(ActionKind(action).label) in html and "Until" in html
    assert reverse("moderation:appeal_new", args=[ModerationAction.objects.get().pk]) in html
