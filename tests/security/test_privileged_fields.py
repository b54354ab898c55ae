"""S6: privileged fields (trust level, staff and superuser flags, groups, role, status, author, bans and
suspensions, pinning) cannot be set through any member-facing form or API payload.

Every form and every writing API operation is sent its ordinary fields plus PRIVILEGED (the API list is
generated from the URL configuration: an operation missing from API_OPERATIONS fails the coverage test
until it is added or declared staff-only). Afterwards no member gained anything, rows that existed are
unchanged in their privileged columns, and rows the request created belong to the member who sent it,
with the status the rules give (published / open / requested), never the one asked for."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import models
from django.test import Client
from django.urls import get_resolver, reverse
from django.utils import timezone

from content.models import RSVP, Comment, Event, Poll, Post, Reaction, SpaceMembership
from content.services.polls import poll_check, poll_create
from members.models import Member
from moderation.complaints import complaint_file
from moderation.models import Complaint, ComplaintMessage, Report
from tests.api.helpers import JsonClient
from tests.factories import (
    CommentFactory,
    EventFactory,
    MembershipFactory,
    PostFactory,
    SpaceFactory,
)
from tests.security.test_csrf_matrix import UNSAFE, walk

MEMBER_PRIVILEGES = [
    "email",
    "password",
    "trust_level",
    "trust_level_locked",
    "is_staff",
    "is_superuser",
    "is_active",
    "is_minor",
    "banned_at",
    "suspended_until",
    "posting_limited_until",
    "date_joined",
]
OWNER_COLUMNS = [
    "author_id",
    "organiser_id",
    "member_id",
    "reporter_id",
    "created_by_id",
    "space_id",
    "post_id",
]
STATE_COLUMNS = ["status", "role", "is_pinned", "is_promotional", "deleted_at", "hidden_at", "going_count"]
WATCHED = [Post, Comment, Event, RSVP, Reaction, Poll, SpaceMembership, Complaint, ComplaintMessage, Report]
NEW_ROW_STATUS = {"published", "open", "requested", "active", "going", "answered", ""}

LATER = (timezone.now() + timedelta(days=3650)).replace(microsecond=0).isoformat()
EARLIER = "2001-01-01T00:00:00+00:00"


def privileged_payload(*, other: Member, group: Group, other_space_id: int) -> dict:
    """Fields a member must never set, with values that would help an attacker."""
    return {
        "trust_level": 4,
        "trust_level_locked": True,
        "is_staff": True,
        "is_superuser": True,
        "is_active": True,
        "is_minor": False,
        "groups": [group.pk],
        "user_permissions": [1, 2, 3],
        "role": "moderator",
        "is_moderator": True,
        "is_space_moderator": True,
        "status": "hidden",
        "author": other.pk,
        "author_id": other.pk,
        "organiser": other.pk,
        "organiser_id": other.pk,
        "member": other.pk,
        "member_id": other.pk,
        "reporter": other.pk,
        "user": other.pk,
        "space_id": other_space_id,
        "banned_at": EARLIER,
        "suspended_until": LATER,
        "posting_limited_until": LATER,
        "date_joined": EARLIER,
        "is_pinned": True,
        "deleted_at": EARLIER,
        "going_count": 99,
        "password": "attacker-chosen-password-1",
        "email": "takeover@example.org",
    }


def as_form(payload: dict, *, drop: tuple[str, ...] = ()) -> dict:
    """The payload as a browser would send it: booleans as "on", lists as repeated values."""
    form = {}
    for name, value in payload.items():
        if name in drop:
            continue
        if value is True:
            form[name] = "on"
        elif value is False:
            continue
        elif isinstance(value, list):
            form[name] = [str(v) for v in value]
        else:
            form[name] = str(value)
    return form


def snapshot() -> dict:
    members = {row["id"]: row for row in Member.objects.values("id", *MEMBER_PRIVILEGES)}
    groups = set(Member.groups.through.objects.values_list("member_id", "group_id"))
    permissions = set(Member.user_permissions.through.objects.values_list("member_id", "permission_id"))
    rows = {}
    for model in WATCHED:
        names = {field.attname for field in model._meta.concrete_fields}
        columns = ["id", *[c for c in OWNER_COLUMNS + STATE_COLUMNS if c in names]]
        rows[model._meta.label] = {row["id"]: row for row in model._base_manager.values(*columns)}
    return {"members": members, "groups": groups, "permissions": permissions, "rows": rows}


def assert_nothing_gained(
    before: dict, after: dict, *, actor: Member, allowed: set[str] = frozenset()
) -> None:
    assert after["members"] == before["members"], "a member's privileged fields changed"
    assert after["groups"] == before["groups"], "group membership changed"
    assert after["permissions"] == before["permissions"], "permissions changed"
    for label, rows in after["rows"].items():
        for pk, row in rows.items():
            old = before["rows"][label].get(pk)
            if old is not None:
                if label not in allowed:
                    assert row == old, (label, old, row)
                continue
            # a row this request created: the actor's, with the status the rules give
            for column in ("author_id", "organiser_id", "reporter_id"):
                if column in row:
                    assert row[column] == actor.pk, (label, row)
            if label in ("content.SpaceMembership", "content.RSVP", "content.Reaction"):
                assert row["member_id"] == actor.pk, (label, row)
            assert row.get("status", "") in NEW_ROW_STATUS, (label, row)
            assert row.get("role", "member") == "member", (label, row)
            assert not row.get("is_pinned") and not row.get("is_promotional"), (label, row)
            assert row.get("deleted_at") is None, (label, row)


@pytest.fixture
def world(member, other_member, moderator):
    space = SpaceFactory(slug="commons")
    MembershipFactory(space=space, member=member)
    MembershipFactory(space=space, member=other_member)
    type(space).objects.filter(pk=space.pk).update(member_count=2)  # the factory writes the rows only
    elsewhere = SpaceFactory(slug="elsewhere")  # public, not yet joined
    private = SpaceFactory(slug="inner", visibility="private")
    MembershipFactory(space=private, member=other_member, role="moderator")
    mine = PostFactory(space=space, author=member, title="Mine")
    theirs = PostFactory(space=space, author=other_member, title="Theirs")
    comment = CommentFactory(post=theirs, author=member)
    their_comment = CommentFactory(post=mine, author=other_member)
    event = EventFactory(space=space, organiser=member, capacity=10)
    their_event = EventFactory(space=space, organiser=other_member, capacity=10)
    poll_post = PostFactory(space=space, author=other_member, title="Poll")
    poll = poll_create(post=poll_post, by=other_member, spec=poll_check(options=["Tea", "Coffee"]))
    complaint = complaint_file(author=member, topic="service", subject="Slow", body="The feed is slow.")
    group = Group.objects.get_or_create(name="moderator")[0]
    return {
        "member": member,
        "other": other_member,
        "space": space,
        "elsewhere": elsewhere,
        "private": private,
        "mine": mine,
        "theirs": theirs,
        "comment": comment,
        "their_comment": their_comment,
        "event": event,
        "their_event": their_event,
        "poll": poll,
        "option_ids": list(poll.options.values_list("pk", flat=True)),
        "complaint": complaint,
        "group": group,
        "payload": privileged_payload(other=other_member, group=group, other_space_id=private.pk),
    }


# --- The API, generated from the URL configuration ------------------------------------------------------

# (route, method): (path arguments, body, statuses expected for a plain member, rows it may change)
API_OPERATIONS = {
    ("api/v1/spaces/<slug:slug>/join/", "POST"): (
        lambda w: {"slug": "elsewhere"},
        lambda w: {},
        {200, 201},
        (),
    ),
    ("api/v1/spaces/<slug:slug>/leave/", "POST"): (
        lambda w: {"slug": "commons"},
        lambda w: {},
        {200, 204},
        (),
    ),
    ("api/v1/spaces/<slug:slug>/notifications/", "PUT"): (
        lambda w: {"slug": "commons"},
        lambda w: {"level": "digest"},
        {200},
        (),
    ),
    ("api/v1/spaces/<slug:slug>/requests/<int:member_id>/", "POST"): (
        lambda w: {"slug": "inner", "member_id": w["member"].pk},
        lambda w: {"approve": True},
        {403, 404},
        (),
    ),
    ("api/v1/spaces/<slug:slug>/invitations/", "POST"): (
        lambda w: {"slug": "commons"},
        lambda w: {"email": w["other"].email},
        {403},
        (),
    ),
    ("api/v1/spaces/<slug:slug>/posts/", "POST"): (
        lambda w: {"slug": "commons"},
        lambda w: {"title": "New", "body": "A new post."},
        {201},
        (),
    ),
    ("api/v1/spaces/<slug:slug>/events/", "POST"): (
        lambda w: {"slug": "commons"},
        lambda w: {
            "title": "Picnic",
            "description": "Bring food.",
            "starts_at": LATER,
            "ends_at": (timezone.now() + timedelta(days=3651)).isoformat(),
            "timezone": "Asia/Shanghai",
        },
        {201},
        (),
    ),
    ("api/v1/posts/<int:pk>/", "PATCH"): (
        lambda w: {"pk": w["mine"].pk},
        lambda w: {"body": "Edited."},
        {200},
        (),
    ),
    ("api/v1/posts/<int:pk>/", "DELETE"): (lambda w: {"pk": w["theirs"].pk}, lambda w: {}, {403}, ()),
    ("api/v1/posts/<int:pk>/pin/", "PUT"): (
        lambda w: {"pk": w["mine"].pk},
        lambda w: {"pinned": True},
        {403},
        (),
    ),
    ("api/v1/posts/<int:pk>/promotional/", "PUT"): (
        lambda w: {"pk": w["mine"].pk},
        lambda w: {"promotional": True},
        {403},
        (),
    ),
    ("api/v1/posts/<int:pk>/comments/", "POST"): (
        lambda w: {"pk": w["theirs"].pk},
        lambda w: {"body": "A new comment."},
        {201},
        ("content.Post",),  # comment_count, last_activity_at
    ),
    ("api/v1/posts/<int:pk>/reactions/", "POST"): (
        lambda w: {"pk": w["theirs"].pk},
        lambda w: {"kind": "like"},
        {200},
        (),
    ),
    ("api/v1/comments/<int:pk>/", "PATCH"): (
        lambda w: {"pk": w["comment"].pk},
        lambda w: {"body": "Edited comment."},
        {200},
        (),
    ),
    ("api/v1/comments/<int:pk>/", "DELETE"): (
        lambda w: {"pk": w["their_comment"].pk},
        lambda w: {},
        {403},
        (),
    ),
    ("api/v1/comments/<int:pk>/reactions/", "POST"): (
        lambda w: {"pk": w["their_comment"].pk},
        lambda w: {"kind": "like"},
        {200},
        (),
    ),
    ("api/v1/posts/<int:pk>/accepted-answer/", "POST"): (
        lambda w: {"pk": w["theirs"].pk},
        lambda w: {"comment_id": w["comment"].pk},
        {400, 403, 409},
        (),
    ),
    ("api/v1/posts/<int:pk>/accepted-answer/", "DELETE"): (
        lambda w: {"pk": w["theirs"].pk},
        lambda w: {},
        {400, 403, 409},
        (),
    ),
    ("api/v1/posts/<int:pk>/poll/", "POST"): (
        lambda w: {"pk": w["mine"].pk},
        lambda w: {"options": ["Yes", "No"]},
        {201},
        ("content.Post",),  # has_poll
    ),
    ("api/v1/polls/<int:pk>/vote/", "POST"): (
        lambda w: {"pk": w["poll"].pk},
        lambda w: {"option_ids": w["option_ids"][:1]},
        {200},
        (),
    ),
    ("api/v1/polls/<int:pk>/vote/", "DELETE"): (lambda w: {"pk": w["poll"].pk}, lambda w: {}, {204, 409}, ()),
    ("api/v1/events/<int:pk>/", "PATCH"): (
        lambda w: {"pk": w["event"].pk},
        lambda w: {"title": "Renamed"},
        {200},
        (),
    ),
    ("api/v1/events/<int:pk>/", "DELETE"): (lambda w: {"pk": w["their_event"].pk}, lambda w: {}, {403}, ()),
    ("api/v1/events/<int:pk>/rsvp/", "PUT"): (
        lambda w: {"pk": w["their_event"].pk},
        lambda w: {"going": True},
        {200},
        ("content.Event",),  # going_count
    ),
    ("api/v1/me/", "PATCH"): (lambda w: {}, lambda w: {"display_name": "Renamed"}, {200}, ()),
    ("api/v1/me/blocks/", "POST"): (lambda w: {}, lambda w: {"member": w["other"].pk}, {200, 201}, ()),
    ("api/v1/me/blocks/<int:member_id>/", "DELETE"): (
        lambda w: {"member_id": w["other"].pk},
        lambda w: {},
        {204},
        (),
    ),
    ("api/v1/me/mutes/", "POST"): (lambda w: {}, lambda w: {"member": w["other"].pk}, {200, 201}, ()),
    ("api/v1/me/mutes/<int:member_id>/", "DELETE"): (
        lambda w: {"member_id": w["other"].pk},
        lambda w: {},
        {204},
        (),
    ),
    ("api/v1/moderation/items/<int:pk>/claim/", "POST"): (lambda w: {"pk": 1}, lambda w: {}, {403, 404}, ()),
    ("api/v1/moderation/items/<int:pk>/release/", "POST"): (
        lambda w: {"pk": 1},
        lambda w: {},
        {403, 404},
        (),
    ),
    ("api/v1/moderation/items/<int:pk>/decide/", "POST"): (
        lambda w: {"pk": 1},
        lambda w: {"outcome": "removed"},
        {400, 403, 404},
        (),
    ),
    ("api/v1/moderation/complaints/", "POST"): (
        lambda w: {},
        lambda w: {"topic": "service", "subject": "Another", "body": "Something else."},
        {201},
        (),
    ),
    ("api/v1/moderation/complaints/<int:pk>/replies/", "POST"): (
        lambda w: {"pk": w["complaint"].pk},
        lambda w: {"body": "More details."},
        {201},
        (),
    ),
    ("api/v1/consents/<slug:purpose>/grant/", "POST"): (
        lambda w: {"purpose": "marketing"},
        lambda w: {},
        {200, 201, 404},
        (),
    ),
    ("api/v1/consents/<slug:purpose>/withdraw/", "POST"): (
        lambda w: {"purpose": "marketing"},
        lambda w: {},
        {200, 201, 404},
        (),
    ),
}

# Writing operations with no member payload to smuggle fields into.
NO_MEMBER_PAYLOAD = {
    ("api/v1/auth/token/", "POST"): "signs in with email and password; creates only the member's own token",
    ("api/v1/auth/token/", "DELETE"): "revokes the caller's own token; no body",
}


def api_writes() -> set[tuple[str, str]]:
    found = set()
    for route in walk(get_resolver().url_patterns, lambda pattern: _AnyValue()):
        routes = getattr(route.callback, "routes", None)
        if route.pattern.startswith("api/") and routes:
            found |= {(route.pattern, method) for method in routes if method in UNSAFE}
    return found


class _AnyValue(dict):
    def __missing__(self, key: str) -> str:
        return "1"


def test_every_writing_api_operation_is_tried_or_declared():
    assert api_writes() == set(API_OPERATIONS) | set(NO_MEMBER_PAYLOAD)


def _path(route: str, arguments: dict) -> str:
    path = "/" + route
    for name, value in arguments.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<slug:{name}>", str(value))
    assert "<" not in path, path
    return path


@pytest.mark.parametrize(("route", "method"), sorted(API_OPERATIONS))
def test_an_api_payload_cannot_set_privileged_fields(world, route, method):
    arguments, body, statuses, may_change = API_OPERATIONS[(route, method)]
    client = JsonClient()
    client.force_login(world["member"])
    before = snapshot()
    data = {**world["payload"], **body(world)}
    response = client.generic(
        method, _path(route, arguments(world)), json.dumps(data), content_type="application/json"
    )
    assert response.status_code in statuses, (route, method, response.status_code, response.content[:500])
    assert_nothing_gained(before, snapshot(), actor=world["member"], allowed=set(may_change))


def test_a_member_cannot_make_a_promotional_post_through_the_api(world):
    client = JsonClient()
    client.force_login(world["member"])
    response = client.post(
        "/api/v1/spaces/commons/posts/", {"title": "Buy", "body": "Now.", "is_promotional": True}
    )
    assert response.status_code == 403
    assert not Post.objects.filter(title="Buy").exists()


def test_a_member_cannot_post_an_announcement_through_the_api(world):
    client = JsonClient()
    client.force_login(world["member"])
    response = client.post(
        "/api/v1/spaces/commons/posts/", {"title": "Hear", "body": "Ye.", "kind": "announcement"}
    )
    assert response.status_code == 403
    assert not Post.objects.filter(title="Hear").exists()


# --- Forms ------------------------------------------------------------------------------------------------


def _starts() -> dict:
    starts = timezone.localtime(timezone.now() + timedelta(days=10)).replace(tzinfo=None)
    return {
        "title": "Tea tasting",
        "description": "Oolong.",
        "timezone": "Asia/Shanghai",
        "starts_at": starts.strftime("%Y-%m-%dT19:00"),
        "ends_at": starts.strftime("%Y-%m-%dT21:00"),
        "location": "Tianzifang",
        "capacity": "8",
    }


# name: (url maker, ordinary fields, statuses, rows it may change)
FORMS = {
    "preferences": (
        lambda w: reverse("members:preferences"),
        lambda w: {
            "display_name": "Renamed",
            "language": "en",
            "timezone": "UTC",
            "email_mode": "instant",
            "email_daily_cap": "3",
            "quiet_hours_start": "22:00",
            "quiet_hours_end": "08:00",
        },
        {302},
        (),
    ),
    "post": (
        lambda w: reverse("content:post_create", args=["commons"]),
        lambda w: {"title": "New", "body": "A new post.", "kind": "discussion"},
        {302},
        (),
    ),
    "post edit": (
        lambda w: reverse("content:post_edit", args=[w["mine"].pk]),
        lambda w: {"title": "Mine", "body": "Edited."},
        {302},
        (),
    ),
    "comment": (
        lambda w: reverse("content:comment_create", args=[w["theirs"].pk]),
        lambda w: {"body": "A new comment."},
        {302},
        ("content.Post",),
    ),
    "comment edit": (
        lambda w: reverse("content:comment_edit", args=[w["comment"].pk]),
        lambda w: {"body": "Edited comment."},
        {302},
        (),
    ),
    "event": (lambda w: reverse("content:event_create", args=["commons"]), lambda w: _starts(), {302}, ()),
    "event edit": (
        lambda w: reverse("content:event_edit", args=[w["event"].pk]),
        lambda w: _starts(),
        {302},
        (),
    ),
    "rsvp": (
        lambda w: reverse("content:event_rsvp", args=[w["their_event"].pk]),
        lambda w: {"going": "1"},
        {302},
        ("content.Event",),
    ),
    "space join": (lambda w: reverse("content:space_join", args=["elsewhere"]), lambda w: {}, {302}, ()),
    "space join (private)": (
        lambda w: reverse("content:space_join", args=["inner"]),
        lambda w: {},
        {302, 404},
        (),
    ),
    "space notifications": (
        lambda w: reverse("content:space_notifications", args=["commons"]),
        lambda w: {"level": "digest"},
        {200, 302},
        (),
    ),
    "report": (
        lambda w: reverse("moderation:report", args=["post", w["theirs"].pk]),
        lambda w: {"reason": "spam", "details": "Selling things."},
        {302},
        ("content.Post",),
    ),
    "complaint": (
        lambda w: reverse("moderation:complaint_new"),
        lambda w: {"topic": "service", "subject": "Another", "body": "Something else."},
        {302},
        (),
    ),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_form_cannot_set_privileged_fields(world, form):
    url, fields, statuses, may_change = FORMS[form]
    client = Client()
    client.force_login(world["member"])
    before = snapshot()
    response = client.post(url(world), {**as_form(world["payload"]), **fields(world)})
    assert response.status_code in statuses, (form, response.status_code, response.content.decode()[:3000])
    assert_nothing_gained(before, snapshot(), actor=world["member"], allowed=set(may_change))


def test_signing_up_cannot_set_privileged_fields(client, world):
    payload = as_form(world["payload"], drop=("email", "password"))
    response = client.post(
        reverse("account_signup"),
        {
            **payload,
            "email": "new.member@example.org",
            "display_name": "Newcomer",
            "password1": "a-long-enough-passphrase",
            "birth_date": "1990-05-17",
            "accept_terms": "on",
        },
    )
    assert response.status_code == 302
    newcomer = Member.objects.get(email="new.member@example.org")
    assert newcomer.trust_level == 0
    assert not newcomer.trust_level_locked
    assert not (newcomer.is_staff or newcomer.is_superuser)
    assert newcomer.banned_at is None and newcomer.suspended_until is None
    assert newcomer.posting_limited_until is None
    assert newcomer.date_joined > timezone.now() - timedelta(minutes=5)
    assert not newcomer.groups.exists() and not newcomer.user_permissions.exists()


def test_the_post_form_offers_no_announcement_or_promotional_choice_to_a_member(world):
    client = Client()
    client.force_login(world["member"])
    client.post(
        reverse("content:post_create", args=["commons"]),
        {"title": "Hear", "body": "Ye.", "kind": "announcement", "is_promotional": "on"},
    )
    assert not Post.objects.filter(title="Hear").exists()


def test_a_moderator_role_in_one_space_gives_nothing_in_another(world):
    """A space moderator's forms are checked against that space alone."""
    client = Client()
    client.force_login(world["other"])  # moderates "inner", an ordinary member of "commons"
    response = client.post(
        reverse("content:post_moderate", args=[world["mine"].pk]),
        {"action": "pin", **as_form(world["payload"])},
    )
    assert response.status_code == 403
    assert not Post.objects.get(pk=world["mine"].pk).is_pinned


# --- Keep the watched list honest -------------------------------------------------------------------------


def test_every_watched_model_has_the_columns_checked():
    for model in WATCHED:
        names = {field.attname for field in model._meta.concrete_fields}
        assert names & set(OWNER_COLUMNS + STATE_COLUMNS), model
    assert isinstance(Member._meta.get_field("trust_level"), models.PositiveSmallIntegerField)
    assert {"banned_at", "suspended_until", "posting_limited_until"} <= {f.name for f in Member._meta.fields}


def test_unknown_member_fields_are_ignored_not_saved_by_the_members_api(world):
    client = JsonClient()
    client.force_login(world["member"])
    response = client.patch("/api/v1/me/", {"trust_level": 4, "is_staff": True, "display_name": "Mia"})
    assert response.status_code == 200
    assert "is_staff" not in response.json()
    member = Member.objects.get(pk=world["member"].pk)
    assert (member.trust_level, member.is_staff, member.display_name) == (0, False, "Mia")


def test_the_check_notices_a_gained_privilege(world):
    """The checker itself: a raised trust level, a post written in another's name and a pinned post are
    each caught."""
    changes = [
        lambda: Member.objects.filter(pk=world["member"].pk).update(trust_level=4),
        lambda: world["member"].groups.add(world["group"]),
        lambda: PostFactory(space=world["space"], author=world["other"]),
        lambda: Post.objects.filter(pk=world["mine"].pk).update(is_pinned=True),
        lambda: SpaceMembership.objects.filter(member=world["member"]).update(role="moderator"),
    ]
    for change in changes:
        before = snapshot()
        change()
        with pytest.raises(AssertionError):
            assert_nothing_gained(before, snapshot(), actor=world["member"])
