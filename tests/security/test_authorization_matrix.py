"""S3: the authorisation matrix, generated from the URL configuration.

Every route of the site (pages, htmx partials, the API, the iCal feeds, the export download, the
unsubscribe link, allauth, the admin) is requested by every role, for every state of the object it
names, and the answer is compared with READS and WRITES below: the site's access policy written as a
table, one line per route. A route missing from the table fails `test_every_route_declares_its_rule`,
so a new route cannot ship before someone decides who may use it.

Roles: a visitor (anonymous), the member (author of the public space's objects), another member, a
member of the private space (author of its objects), a moderator of the public space, a site moderator,
a privacy officer, an operator, a suspended member and a banned member. States of the object a route
names: published, pending review, hidden, removed (all in the public space) and published in the
private space.

Answers are compared by class: OK (2xx, or a redirect that is not to a sign-in page), LOGIN (sent to
sign in: a redirect to a login page, or 401 from the API), DENIED (403), HIDDEN (404: what a viewer may
not read is not announced) and NOT_POST (405). A write is judged by its effect: DONE when the row it
makes or changes is there afterwards, REFUSED when the answer was a success page but nothing changed
(a form shown again with the reason, a redirect with an error message).

Each request runs in a savepoint rolled back afterwards, so every role meets the same world.
"""

import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import QuerySet
from django.template import Template
from django.test import Client
from django.test.utils import _TestState
from django.urls import get_resolver, resolve
from django.utils import timezone

from community.models import Goal
from community.roles import MODERATOR, PRIVACY_OFFICER, role_grant
from content.delivery.digest import digests_compose
from content.delivery.dispatcher import deliveries_dispatch
from content.delivery.models import Delivery, Outbox
from content.delivery.notices import notice_send
from content.delivery.planner import deliveries_plan
from content.delivery.unsubscribe import unsubscribe_token
from content.models import RSVP, Comment, Event, InboxItem, Post, Reaction, Space, SpaceMembership
from content.models.polls import PollVote
from content.search import search_index_touch
from content.services.events import calendar_token_reset
from content.services.polls import poll_check, poll_create
from content.services.posts import post_publish
from members.guardian import guardian_token
from members.models import GuardianConsent
from members.standing import member_ban, member_suspend
from moderation.complaints import complaint_file
from moderation.corrections import correction_note_add
from moderation.ip_notices import escalate_link, ip_notice_file
from moderation.models import Appeal, Complaint, ModerationAction, Report, ReviewItem
from moderation.services import appeal_file, appeal_link, report_file, review_item_decide
from privacy.export import export_build, export_request
from privacy.models import ConsentEntry, DataRequest, ExportArchive, PolicyVersion
from privacy.requests import data_request_file
from tests.factories import (
    CommentFactory,
    EventFactory,
    MemberFactory,
    MembershipFactory,
    PostFactory,
    SpaceFactory,
)
from tests.privacy.conftest import privacy_seed
from tests.security.routes import Route, walk

pytestmark = pytest.mark.django_db

ROLES = (
    "anonymous",
    "member",
    "other",
    "private_member",
    "space_moderator",
    "site_moderator",
    "privacy_officer",
    "operator",
    "suspended",
    "banned",
)
CONTENT = ("published", "pending", "hidden", "removed", "private")  # a post, comment, event or poll
# Writes are tried in every state but "removed": removed content meets the same refusal as hidden on
# every door (the selectors ask for status = published), which the reads prove state by state.
CONTENT_WRITES = ("published", "pending", "hidden", "private")
SPACE = ("published", "private")  # a space, or a moderation object about content in one
NONE = ("-",)  # no object, or one whose state does not matter (the member's own export...)

OK, LOGIN, DENIED, HIDDEN, NOT_POST = "ok", "login", "denied", "hidden", "not_post"
DONE, REFUSED = "done", "refused"

# Written only in the bodies of the pending, hidden, removed and private posts, comments and events
# (never in published ones), so searching for it shows each role exactly what it may read.
SEARCH_WORD = "zqneedle"

# --- who is who --------------------------------------------------------------------------------------

# L20: a ban closes the account (is_active False), so a banned member's session is a visitor's: every
# rule below treats them as anonymous, and the matrix proves it route by route.
VISITORS = {"anonymous", "banned"}
SITE_MODERATORS = {"site_moderator", "operator"}  # the `moderator` role, and operators above it
QUEUE_USERS = {"space_moderator", *SITE_MODERATORS}
STAFF = {"site_moderator", "privacy_officer", "operator"}


def reads(role: str, state: str) -> bool:
    """content/selectors/visibility.py: published content in a space the viewer may read; the author
    also sees their own post or comment waiting for review; hidden and removed content nobody reads on
    the site."""
    if state in ("-", "published"):
        return True
    if state == "pending":
        return role == "member"
    if state == "private":
        return role in ("private_member", "operator")
    return False


def reads_event(role: str, state: str) -> bool:
    """events_readable: published events only; no event waits for review, not even for its organiser."""
    return state != "pending" and reads(role, state)


def reads_space(role: str, state: str) -> bool:
    return state != "private" or role in ("private_member", "operator")


def is_author(role: str, state: str) -> bool:
    return role == ("private_member" if state == "private" else "member")


def moderates(role: str, state: str) -> bool:
    """is_space_moderator: site moderators and operators everywhere, the space's own moderators there.
    A site moderator acts on reports from a private space (its items, correction notes, decisions)
    through the moderation pages, yet reads none of the space's pages: they are not in it."""
    return role in SITE_MODERATORS or (role == "space_moderator" and state != "private")


# --- the rules: (role, state) -> the outcomes allowed --------------------------------------------------


def _signed_in(then: Callable[[str, str], set[str]]) -> Callable[[str, str], set[str]]:
    return lambda role, state: {LOGIN} if role in VISITORS else then(role, state)


def _readers(then: Callable[[str, str], set[str]], *, can_read=reads) -> Callable[[str, str], set[str]]:
    return lambda role, state: then(role, state) if can_read(role, state) else {HIDDEN}


def _queue(then: Callable[[str, str], set[str]]) -> Callable[[str, str], set[str]]:
    """moderation/view_access.only_for: sign in first; members who moderate nothing get 403."""
    return _signed_in(lambda role, state: then(role, state) if role in QUEUE_USERS else {DENIED})


def _refused_while_suspended(role: str, state: str) -> set[str]:
    # members/standing.py: a suspended member reads, and writes nothing (L20)
    return {REFUSED, DENIED} if role == "suspended" else {DONE}


RULES: dict[str, Callable[[str, str], set[str]]] = {
    # reading
    "public": lambda role, state: {OK},
    "readers": _readers(lambda role, state: {OK}),
    "event_readers": _readers(lambda role, state: {OK}, can_read=reads_event),
    "signed_in": _signed_in(lambda role, state: {OK}),
    "signed_in_readers": _signed_in(_readers(lambda role, state: {OK})),
    "space_readers": lambda role, state: {OK} if reads_space(role, state) else {HIDDEN},
    "signed_in_space_readers": _signed_in(lambda role, state: {OK} if reads_space(role, state) else {HIDDEN}),
    # a private space shows signed-in outsiders its door (name, a button to ask to join), no content
    "space_door": lambda role, state: {HIDDEN} if state == "private" and role in VISITORS else {OK},
    "owner": _signed_in(lambda role, state: {OK} if role == "member" else {HIDDEN}),
    "editors": _signed_in(
        _readers(lambda role, state: {OK} if is_author(role, state) or moderates(role, state) else {DENIED})
    ),
    "event_managers": _signed_in(
        _readers(
            lambda role, state: {OK} if is_author(role, state) or moderates(role, state) else {DENIED},
            can_read=reads_event,
        )
    ),
    "moderators_else_404": _signed_in(
        lambda role, state: {OK} if reads(role, state) and moderates(role, state) else {HIDDEN}
    ),
    "space_moderators": _signed_in(
        lambda role, state: (
            {HIDDEN} if not reads_space(role, state) else {OK} if moderates(role, state) else {DENIED}
        )
    ),
    "queue": _queue(lambda role, state: {OK}),
    # an item, or a post to correct, outside the spaces a space moderator moderates: 404
    "queue_object": _queue(lambda role, state: {OK} if moderates(role, state) else {HIDDEN}),
    "sweep": _queue(
        lambda role, state: (
            {HIDDEN} if not moderates(role, state) else {OK} if role in SITE_MODERATORS else {DENIED}
        )
    ),
    "author_or_moderators_else_404": _signed_in(
        lambda role, state: {OK} if is_author(role, state) or moderates(role, state) else {HIDDEN}
    ),
    "complaint_desk": _signed_in(lambda role, state: {OK} if role in SITE_MODERATORS else {DENIED}),
    "owner_or_desk": _signed_in(
        lambda role, state: {OK} if role == "member" or role in SITE_MODERATORS else {HIDDEN}
    ),
    # the poll's results as CSV: its author and operators; other readers (visitors too) 403
    "poll_results": _readers(
        lambda role, state: {OK} if is_author(role, state) or role == "operator" else {DENIED}
    ),
    "token": lambda role, state: {OK},  # a signed token in the link is the key; no sign-in
    "nowhere": lambda role, state: {HIDDEN},
    "staff": lambda role, state: {OK} if role in STAFF else {LOGIN},  # the admin's sign-in otherwise
    # writing
    "participate": _signed_in(_readers(_refused_while_suspended)),
    # comments and votes only on published posts: the author reading their post that waits for review
    # cannot comment or vote on it yet (the page says why; the API answers 404)
    "take_part_when_published": _signed_in(
        _readers(
            lambda role, state: (
                {REFUSED, HIDDEN} if state == "pending" else _refused_while_suspended(role, state)
            )
        )
    ),
    "participate_in_event": _signed_in(_readers(_refused_while_suspended, can_read=reads_event)),
    "create_in_space": _signed_in(
        lambda role, state: _refused_while_suspended(role, state) if reads_space(role, state) else {HIDDEN}
    ),
    "change": _signed_in(
        _readers(lambda role, state: {DONE} if is_author(role, state) or moderates(role, state) else {DENIED})
    ),
    "change_event": _signed_in(
        _readers(
            lambda role, state: {DONE} if is_author(role, state) or moderates(role, state) else {DENIED},
            can_read=reads_event,
        )
    ),
    "pin": _signed_in(_readers(lambda role, state: {DONE} if moderates(role, state) else {DENIED})),
    "decide": _queue(lambda role, state: {DONE} if moderates(role, state) else {HIDDEN}),
    "report": _signed_in(_readers(lambda role, state: {DONE})),  # L17: suspended members report too
    "own_right": _signed_in(lambda role, state: {DONE}),  # L7–L10, L19: nobody's standing removes these
    "close_complaint": _signed_in(lambda role, state: {DONE} if role in SITE_MODERATORS else {DENIED}),
    # L18: not the moderator who took the decision (the site moderator here); the space's moderator and
    # operators may
    "decide_appeal": _queue(lambda role, state: {DENIED} if role == "site_moderator" else {DONE}),
}


@dataclass(frozen=True)
class Read:
    rule: str
    states: tuple[str, ...] = NONE
    htmx: bool = False
    # lists and feeds: for each role, the titles of what it may not read must not be on the page
    lists: bool = False
    # what a list may show a role, when not what it reads on the site (the moderation queue)
    shows: Callable[[str, str], bool] | None = None
    query: str = ""  # appended to the path (the search asks for a word)


@dataclass(frozen=True)
class Write:
    rule: str
    states: tuple[str, ...]
    body: Callable[["World", str], dict]
    # the rows the write makes or changes: DONE when their count moved
    effect: Callable[["World", str, object], QuerySet]
    method: str = "POST"


def queue_shows(role: str, state: str) -> bool:
    """The queue shows site moderators every item, private spaces' too (they moderate the whole site);
    a space's moderator only the items of the spaces they moderate."""
    return role in SITE_MODERATORS or (role == "space_moderator" and state != "private")


POST_ONLY = Read("post_only")  # takes no GET (405, or the login page first); its POST is in WRITES

# GET, per route: the site's reading policy.
READS: dict[str, Read] = {
    "home": Read("public", lists=True),
    "health": Read("public"),
    "goals_public": Read("public"),
    # allauth: signing in, up and out, and the account's own pages
    "account_login": Read("public"),
    "account_logout": Read("public"),
    "account_inactive": Read("public"),
    "account_signup": Read("public"),
    "account_reauthenticate": Read("signed_in"),
    "account_request_reauthentication_code": Read("signed_in"),
    "account_confirm_reauthentication_code": Read("signed_in"),
    "account_email": Read("signed_in"),
    "account_email_verification_sent": Read("public"),
    "account_change_password": Read("signed_in"),
    "account_set_password": Read("signed_in"),
    "account_reset_password": Read("public"),
    "account_confirm_login_code": Read("signed_in"),
    "account_confirm_email": Read("public"),
    "account_reset_password_from_key_done": Read("public"),
    "account_reset_password_from_key": Read("public"),
    "account_reset_password_done": Read("public"),
    # members
    "members:language": POST_ONLY,
    "members:preferences": Read("signed_in"),
    "members:blocks": Read("signed_in"),
    "members:profile": Read("public", lists=True),  # the author's profile is public
    "members:avatar_default": Read("public"),
    "members:avatar": Read("public"),
    "members:block": POST_ONLY,
    "members:unblock": POST_ONLY,
    "members:mute": POST_ONLY,
    "members:unmute": POST_ONLY,
    "members:guardian": Read("token"),
    # spaces
    "content:space_list": Read("public", lists=True),
    "content:space_detail": Read("space_door", SPACE, lists=True),
    "content:space_join": POST_ONLY,
    "content:space_leave": POST_ONLY,
    "content:space_notifications": POST_ONLY,
    "content:space_members_manage": Read("space_moderators", SPACE),
    # posts, polls, comments, questions
    "content:post_create": Read("signed_in_space_readers", SPACE),
    "content:poll_show": Read("readers", CONTENT, htmx=True),
    "content:poll_vote": POST_ONLY,
    "content:poll_csv": Read("poll_results", CONTENT),
    "content:post_detail": Read("readers", CONTENT),
    # The edit forms open for those whose save is taken (WRITES' "change": the author and the space's
    # moderators); other readers get the 403 the save would give, the rest the 404 of what they cannot read
    "content:post_edit": Read("editors", CONTENT),
    "content:comment_edit": Read("editors", CONTENT),
    "content:post_revisions": Read("moderators_else_404", CONTENT),
    "content:post_delete": POST_ONLY,
    "content:post_moderate": POST_ONLY,
    "content:post_react": POST_ONLY,
    "content:comment_create": POST_ONLY,
    "content:comment_delete": POST_ONLY,
    "content:comment_react": POST_ONLY,
    "content:member_posts": Read("public", lists=True),
    "content:unanswered": Read("public", lists=True),
    "content:space_unanswered": Read("space_readers", SPACE, lists=True),
    "content:question_accept": POST_ONLY,
    # events and calendars
    "content:event_list": Read("public", lists=True),
    "content:space_event_list": Read("space_readers", SPACE, lists=True),
    "content:event_create": Read("signed_in_space_readers", SPACE),
    "content:event_detail": Read("event_readers", CONTENT),
    "content:event_edit": Read("event_managers", CONTENT),
    "content:event_delete": POST_ONLY,
    "content:event_rsvp": POST_ONLY,
    "content:event_ical": Read("event_readers", CONTENT),
    "content:calendar_token_reset": POST_ONLY,
    "content:calendar_feed": Read("token"),
    # search, inbox, unsubscribe
    # a word found only in content some roles may not read (pending, hidden, removed, private)
    "content:search": Read("public", lists=True, query=f"?q={SEARCH_WORD}"),
    "content:inbox": Read("signed_in"),
    "content:inbox_open": Read("owner"),
    "content:inbox_read_all": POST_ONLY,
    "content:inbox_bell": Read("public"),  # 286 (stop polling) for visitors
    "content:unsubscribe": Read("token"),
    # moderation
    "moderation:queue": Read("queue", lists=True, shows=queue_shows),
    "moderation:item": Read("queue_object", SPACE),
    "moderation:claim": POST_ONLY,
    "moderation:decide": POST_ONLY,
    "moderation:release": POST_ONLY,
    "moderation:sweep": Read("sweep", SPACE),
    "moderation:report": Read("signed_in_readers", CONTENT),
    "moderation:decisions": Read("signed_in"),
    "moderation:appeal_new": Read("owner"),  # the decision was taken against the member
    "moderation:appeal_link": Read("token"),  # L18 for a banned member, who cannot sign in
    # the appeal is about a decision in the public space: its moderator handles it with site moderators
    "moderation:appeals": Read("queue"),
    "moderation:appeal": Read("queue"),
    "moderation:complaint_desk": Read("complaint_desk"),
    "moderation:complaint_new": Read("signed_in"),
    "moderation:complaints_mine": Read("signed_in"),
    "moderation:complaint_mine": Read("owner"),
    "moderation:complaint_desk_detail": Read("complaint_desk"),
    "moderation:complaint_desk_close": POST_ONLY,
    "moderation:ip_notice_new": Read("public"),  # L22: rights holders need no account
    "moderation:ip_notice_counter": Read("owner"),  # the author of the content the notice hid
    "moderation:ip_notice_escalate": Read("token"),
    "moderation:item_correction": POST_ONLY,
    "moderation:post_correction": Read("queue_object", CONTENT),
    "moderation:post_correction_withdraw": POST_ONLY,
    "moderation:correction": Read("author_or_moderators_else_404", SPACE),
    # privacy
    "privacy:centre": Read("signed_in"),
    "privacy:consent": POST_ONLY,
    "privacy:accept": Read("signed_in"),
    "privacy:export_request": POST_ONLY,
    "privacy:export_status": Read("owner"),
    "privacy:export_download": Read("owner"),
    "privacy:deletion": Read("signed_in"),
    "privacy:deletion_cancel": POST_ONLY,
    "privacy:requests": Read("signed_in"),
    "privacy:request": Read("owner"),
    "privacy:policies": Read("public"),
    "privacy:policy": Read("public"),
    "privacy:policy_version": Read("public"),
    # the admin (test_the_admin_family_*) and its dashboard
    "admin:*": Read("admin"),
    "dashboard:index": Read("staff"),
    # the API: unnamed routes, by pattern
    "api/v1/auth/token/": POST_ONLY,
    "api/v1/spaces/": Read("public", lists=True),
    "api/v1/spaces/<slug:slug>/": Read("space_readers", SPACE),
    "api/v1/spaces/<slug:slug>/join/": POST_ONLY,
    "api/v1/spaces/<slug:slug>/leave/": POST_ONLY,
    "api/v1/spaces/<slug:slug>/notifications/": POST_ONLY,
    "api/v1/spaces/<slug:slug>/requests/": Read("space_moderators", SPACE),
    "api/v1/spaces/<slug:slug>/requests/<int:member_id>/": POST_ONLY,
    "api/v1/spaces/<slug:slug>/invitations/": POST_ONLY,
    "api/v1/spaces/<slug:slug>/posts/": Read("space_readers", SPACE, lists=True),
    "api/v1/spaces/<slug:slug>/events/": Read("space_readers", SPACE, lists=True),
    "api/v1/feed/": Read("public", lists=True),
    "api/v1/posts/<int:pk>/": Read("readers", CONTENT),
    "api/v1/posts/<int:pk>/pin/": POST_ONLY,
    "api/v1/posts/<int:pk>/promotional/": POST_ONLY,
    "api/v1/posts/<int:pk>/comments/": Read("readers", CONTENT),
    "api/v1/posts/<int:pk>/reactions/": POST_ONLY,
    "api/v1/comments/<int:pk>/": Read("readers", CONTENT),
    "api/v1/comments/<int:pk>/reactions/": POST_ONLY,
    "api/v1/posts/<int:pk>/accepted-answer/": Read("readers", CONTENT),
    "api/v1/questions/unanswered/": Read("public", lists=True),
    "api/v1/posts/<int:pk>/poll/": Read("readers", CONTENT),
    "api/v1/polls/<int:pk>/": Read("readers", CONTENT),
    "api/v1/polls/<int:pk>/vote/": POST_ONLY,
    "api/v1/events/": Read("public", lists=True),
    "api/v1/events/<int:pk>/": Read("event_readers", CONTENT),
    "api/v1/events/<int:pk>/rsvp/": POST_ONLY,
    "api/v1/members/<int:pk>/": Read("public"),
    "api/v1/members/<int:pk>/posts/": Read("public", lists=True),
    "api/v1/me/": Read("signed_in"),
    "api/v1/me/blocks/": Read("signed_in"),
    "api/v1/me/blocks/<int:member_id>/": POST_ONLY,
    "api/v1/me/mutes/": Read("signed_in"),
    "api/v1/me/mutes/<int:member_id>/": POST_ONLY,
    "api/v1/moderation/queue/": Read("queue", lists=True, shows=queue_shows),
    "api/v1/moderation/items/<int:pk>/": Read("queue_object", SPACE),
    "api/v1/moderation/items/<int:pk>/claim/": POST_ONLY,
    "api/v1/moderation/items/<int:pk>/release/": POST_ONLY,
    "api/v1/moderation/items/<int:pk>/decide/": POST_ONLY,
    "api/v1/moderation/complaints/": Read("signed_in"),
    "api/v1/moderation/complaints/desk/": Read("complaint_desk"),
    "api/v1/moderation/complaints/<int:pk>/": Read("owner_or_desk"),
    "api/v1/moderation/complaints/<int:pk>/replies/": POST_ONLY,
    "api/v1/consents/": Read("signed_in"),
    "api/v1/consents/<slug:purpose>/grant/": POST_ONLY,
    "api/v1/consents/<slug:purpose>/withdraw/": POST_ONLY,
    "api-schema": Read("public"),
    "api-docs": Read("public"),
    "api/^": Read("nowhere"),  # any other address under /api/: a JSON 404
}

# Unique words in the titles and bodies of the world's objects, so a page can be searched for them.
TITLE = "Zq{state}Title"
EVENT_TITLE = "Zq{state}Event"
COMMENT_BODY = "Zq{state}Comment"


# The main writes, per route and method: who may create content, take part, change it, moderate,
# exercise a privacy right, complain or appeal. Every POST-only route of the pages and every writing
# API operation not listed here is declared in WRITE_NOT_CHECKED with the reason.
WRITES: dict[tuple[str, str], Write] = {
    ("content:post_create", "POST"): Write(
        "create_in_space",
        SPACE,
        lambda w, s: {"title": "ZqNewPost", "body": "A new post.", "kind": "discussion"},
        lambda w, s, who: Post.objects.filter(title="ZqNewPost"),
    ),
    ("content:comment_create", "POST"): Write(
        "take_part_when_published",
        CONTENT_WRITES,
        lambda w, s: {"body": "ZqNewComment"},
        lambda w, s, who: Comment.objects.filter(body="ZqNewComment"),
    ),
    ("content:post_react", "POST"): Write(
        "participate",
        CONTENT_WRITES,
        lambda w, s: {"kind": "like"},
        lambda w, s, who: Reaction.objects.filter(post=w.post[s], member=who),
    ),
    ("content:comment_react", "POST"): Write(
        "participate",
        CONTENT_WRITES,
        lambda w, s: {"kind": "like"},
        lambda w, s, who: Reaction.objects.filter(comment=w.comment[s], member=who),
    ),
    ("content:poll_vote", "POST"): Write(
        "take_part_when_published",
        CONTENT_WRITES,
        lambda w, s: {"option": [w.poll[s].options.order_by("pk").first().pk]},
        lambda w, s, who: PollVote.objects.filter(poll=w.poll[s], member=who),
    ),
    ("content:event_rsvp", "POST"): Write(
        "participate_in_event",
        CONTENT_WRITES,
        lambda w, s: {"going": "1"},
        lambda w, s, who: RSVP.objects.filter(event=w.event[s], member=who, status="going"),
    ),
    ("content:post_edit", "POST"): Write(
        "change",
        CONTENT_WRITES,
        lambda w, s: {"title": "ZqEdited", "body": "Edited."},
        lambda w, s, who: Post.objects.filter(pk=w.post[s].pk, title="ZqEdited"),
    ),
    ("content:post_delete", "POST"): Write(
        "change",
        CONTENT_WRITES,
        lambda w, s: {},
        lambda w, s, who: Post.objects.filter(pk=w.post[s].pk, deleted_at__isnull=False),
    ),
    ("content:comment_edit", "POST"): Write(
        "change",
        CONTENT_WRITES,
        lambda w, s: {"body": "ZqEditedComment"},
        lambda w, s, who: Comment.objects.filter(pk=w.comment[s].pk, body="ZqEditedComment"),
    ),
    ("content:comment_delete", "POST"): Write(
        "change",
        CONTENT_WRITES,
        lambda w, s: {},
        lambda w, s, who: Comment.objects.filter(pk=w.comment[s].pk, deleted_at__isnull=False),
    ),
    ("content:event_delete", "POST"): Write(
        "change_event",
        CONTENT_WRITES,
        lambda w, s: {},
        lambda w, s, who: Event.objects.filter(pk=w.event[s].pk, deleted_at__isnull=False),
    ),
    ("content:post_moderate", "POST"): Write(
        "pin",
        CONTENT_WRITES,
        lambda w, s: {"action": "pin"},
        lambda w, s, who: Post.objects.filter(pk=w.post[s].pk, is_pinned=True),
    ),
    ("moderation:report", "POST"): Write(
        "report",
        CONTENT_WRITES,
        lambda w, s: {"reason": "spam", "details": "ZqReport"},
        lambda w, s, who: Report.objects.filter(details="ZqReport"),
    ),
    ("moderation:claim", "POST"): Write(
        "decide",
        SPACE,
        lambda w, s: {},
        lambda w, s, who: ReviewItem.objects.filter(pk=w.item[s].pk, claimed_by=who),
    ),
    ("moderation:decide", "POST"): Write(
        "decide",
        SPACE,
        lambda w, s: {"action": "dismiss", "reason": "Nothing wrong here.", "rule": "No spam"},
        lambda w, s, who: ReviewItem.objects.filter(pk=w.item[s].pk, status="decided"),
    ),
    ("moderation:appeal", "POST"): Write(
        "decide_appeal",
        NONE,
        lambda w, s: {"uphold": "yes", "reason": "It was a joke among friends."},
        lambda w, s, who: Appeal.objects.filter(pk=w.other["appeal"].pk).exclude(status="open"),
    ),
    ("moderation:complaint_new", "POST"): Write(
        "own_right",
        NONE,
        lambda w, s: {"topic": "service", "subject": "ZqComplaint", "body": "The feed is slow."},
        lambda w, s, who: Complaint.objects.filter(subject="ZqComplaint"),
    ),
    ("moderation:complaint_desk_close", "POST"): Write(
        "close_complaint",
        NONE,
        lambda w, s: {"body": "We made the feed faster. Thank you."},
        lambda w, s, who: Complaint.objects.filter(pk=w.other["complaint"].pk, status="closed"),
    ),
    ("privacy:export_request", "POST"): Write(
        "own_right",
        NONE,
        lambda w, s: {},
        lambda w, s, who: ExportArchive.objects.filter(member=who),
    ),
    ("privacy:requests", "POST"): Write(
        "own_right",
        NONE,
        lambda w, s: {"kind": "correction", "details": "ZqRequest"},
        lambda w, s, who: DataRequest.objects.filter(details="ZqRequest"),
    ),
    ("privacy:consent", "POST"): Write(
        "own_right",
        NONE,
        lambda w, s: {"decision": "grant"},
        lambda w, s, who: ConsentEntry.objects.filter(member=who),
    ),
    # the API: the same services behind other doors
    ("api/v1/spaces/<slug:slug>/posts/", "POST"): Write(
        "create_in_space",
        SPACE,
        lambda w, s: {"title": "ZqApiPost", "body": "Posted through the API."},
        lambda w, s, who: Post.objects.filter(title="ZqApiPost"),
    ),
    ("api/v1/spaces/<slug:slug>/events/", "POST"): Write(
        "create_in_space",
        SPACE,
        lambda w, s: {
            "title": "ZqApiEvent",
            "starts_at": (timezone.now() + timedelta(days=9)).isoformat(),
            "ends_at": (timezone.now() + timedelta(days=9, hours=2)).isoformat(),
            "timezone": "Asia/Shanghai",
            "location": "Xuhui",
        },
        lambda w, s, who: Event.objects.filter(title="ZqApiEvent"),
    ),
    ("api/v1/posts/<int:pk>/comments/", "POST"): Write(
        "take_part_when_published",
        CONTENT_WRITES,
        lambda w, s: {"body": "ZqApiComment"},
        lambda w, s, who: Comment.objects.filter(body="ZqApiComment"),
    ),
    ("api/v1/posts/<int:pk>/reactions/", "POST"): Write(
        "participate",
        CONTENT_WRITES,
        lambda w, s: {"kind": "like"},
        lambda w, s, who: Reaction.objects.filter(post=w.post[s], member=who),
    ),
    ("api/v1/polls/<int:pk>/vote/", "POST"): Write(
        "take_part_when_published",
        CONTENT_WRITES,
        lambda w, s: {"option_ids": [w.poll[s].options.order_by("pk").first().pk]},
        lambda w, s, who: PollVote.objects.filter(poll=w.poll[s], member=who),
    ),
    ("api/v1/events/<int:pk>/rsvp/", "PUT"): Write(
        "participate_in_event",
        CONTENT_WRITES,
        lambda w, s: {"going": True},
        lambda w, s, who: RSVP.objects.filter(event=w.event[s], member=who, status="going"),
        method="PUT",
    ),
    ("api/v1/posts/<int:pk>/", "PATCH"): Write(
        "change",
        CONTENT_WRITES,
        lambda w, s: {"title": "ZqApiEdited"},
        lambda w, s, who: Post.objects.filter(pk=w.post[s].pk, title="ZqApiEdited"),
        method="PATCH",
    ),
    ("api/v1/posts/<int:pk>/", "DELETE"): Write(
        "change",
        CONTENT_WRITES,
        lambda w, s: {},
        lambda w, s, who: Post.objects.filter(pk=w.post[s].pk, deleted_at__isnull=False),
        method="DELETE",
    ),
    ("api/v1/events/<int:pk>/", "PATCH"): Write(
        "change_event",
        CONTENT_WRITES,
        lambda w, s: {"title": "ZqApiEventEdited"},
        lambda w, s, who: Event.objects.filter(pk=w.event[s].pk, title="ZqApiEventEdited"),
        method="PATCH",
    ),
    ("api/v1/comments/<int:pk>/", "PATCH"): Write(
        "change",
        CONTENT_WRITES,
        lambda w, s: {"body": "ZqApiEditedComment"},
        lambda w, s, who: Comment.objects.filter(pk=w.comment[s].pk, body="ZqApiEditedComment"),
        method="PATCH",
    ),
    ("api/v1/comments/<int:pk>/", "DELETE"): Write(
        "change",
        CONTENT_WRITES,
        lambda w, s: {},
        lambda w, s, who: Comment.objects.filter(pk=w.comment[s].pk, deleted_at__isnull=False),
        method="DELETE",
    ),
    ("api/v1/comments/<int:pk>/reactions/", "POST"): Write(
        "participate",
        CONTENT_WRITES,
        lambda w, s: {"kind": "like"},
        lambda w, s, who: Reaction.objects.filter(comment=w.comment[s], member=who),
    ),
    ("api/v1/posts/<int:pk>/pin/", "PUT"): Write(
        "pin",
        CONTENT_WRITES,
        lambda w, s: {"pinned": True},
        lambda w, s, who: Post.objects.filter(pk=w.post[s].pk, is_pinned=True),
        method="PUT",
    ),
    ("api/v1/moderation/items/<int:pk>/decide/", "POST"): Write(
        "decide",
        SPACE,
        lambda w, s: {"action": "dismiss", "reason": "Nothing wrong here.", "rule": "No spam"},
        lambda w, s, who: ReviewItem.objects.filter(pk=w.item[s].pk, status="decided"),
    ),
    ("api/v1/moderation/complaints/", "POST"): Write(
        "own_right",
        NONE,
        lambda w, s: {"topic": "service", "subject": "ZqApiComplaint", "body": "The feed is slow."},
        lambda w, s, who: Complaint.objects.filter(subject="ZqApiComplaint"),
    ),
    ("api/v1/consents/<slug:purpose>/grant/", "POST"): Write(
        "own_right",
        NONE,
        lambda w, s: {},
        lambda w, s, who: ConsentEntry.objects.filter(member=who),
    ),
}

# Writes whose access is proven elsewhere or follows from a write above; listed so that a new one is
# noticed (test_every_write_is_checked_or_declared).
WRITE_NOT_CHECKED: dict[tuple[str, str], str] = {
    ("members:language", "POST"): "anyone chooses a language (a cookie; the member's own row if signed in)",
    ("members:block", "POST"): "the member's own block list (tests/members)",
    ("members:unblock", "POST"): "as members:block",
    ("members:mute", "POST"): "as members:block",
    ("members:unmute", "POST"): "as members:block",
    ("content:space_join", "POST"): "tests/content: a private space takes a request, never a membership",
    ("content:space_leave", "POST"): "the member's own membership, in a space they may read",
    ("content:space_notifications", "POST"): "the member's own membership level",
    ("content:question_accept", "POST"): "the question's author (tests/content)",
    ("content:calendar_token_reset", "POST"): "the member's own calendar secret",
    ("content:inbox_read_all", "POST"): "the member's own inbox",
    ("moderation:release", "POST"): "the claim's holder (tests/moderation), behind moderation:claim's door",
    ("moderation:item_correction", "POST"): "moderation:item's door, then can_correct (tests/moderation)",
    ("moderation:post_correction_withdraw", "POST"): "moderation:post_correction's door (tests/moderation)",
    ("privacy:deletion_cancel", "POST"): "the member's own pending deletion",
    ("api/v1/auth/token/", "POST"): "signing in with a password",
    ("api/v1/auth/token/", "DELETE"): "ends the caller's own token",
    ("api/v1/spaces/<slug:slug>/join/", "POST"): "as content:space_join",
    ("api/v1/spaces/<slug:slug>/leave/", "POST"): "as content:space_leave",
    ("api/v1/spaces/<slug:slug>/notifications/", "PUT"): "as content:space_notifications",
    ("api/v1/spaces/<slug:slug>/requests/<int:member_id>/", "POST"): "space moderators (tests/api)",
    ("api/v1/spaces/<slug:slug>/invitations/", "POST"): "space moderators (tests/api)",
    ("api/v1/posts/<int:pk>/promotional/", "PUT"): "pin's door: post_set_promotional beside post_pin",
    ("api/v1/posts/<int:pk>/accepted-answer/", "POST"): "as content:question_accept",
    ("api/v1/posts/<int:pk>/accepted-answer/", "DELETE"): "as content:question_accept",
    ("api/v1/posts/<int:pk>/poll/", "POST"): "only the post's author adds a poll (poll_create)",
    ("api/v1/polls/<int:pk>/vote/", "DELETE"): "the member's own vote",
    ("api/v1/events/<int:pk>/", "DELETE"): "the service behind content:event_delete",
    ("api/v1/me/", "PATCH"): "the member's own account (test_privileged_fields)",
    ("api/v1/me/blocks/", "POST"): "as members:block",
    ("api/v1/me/blocks/<int:member_id>/", "DELETE"): "as members:unblock",
    ("api/v1/me/mutes/", "POST"): "as members:mute",
    ("api/v1/me/mutes/<int:member_id>/", "DELETE"): "as members:unmute",
    ("api/v1/moderation/items/<int:pk>/claim/", "POST"): "the service behind moderation:claim",
    ("api/v1/moderation/items/<int:pk>/release/", "POST"): "as moderation:release",
    ("api/v1/moderation/complaints/<int:pk>/replies/", "POST"): "the complaint's author or the desk",
    ("api/v1/consents/<slug:purpose>/withdraw/", "POST"): "as grant",
}


# --- the world ---------------------------------------------------------------------------------------


@dataclass
class World:
    cast: dict[str, object]
    public: object
    private: object
    post: dict[str, Post]
    comment: dict[str, Comment]
    event: dict[str, Event]
    poll: dict[str, object]
    item: dict[str, ReviewItem]  # open review items, in the public and the private space
    note: dict[str, object]  # correction notes, likewise
    other: dict[str, object] = field(default_factory=dict)


def _status(state: str) -> str:
    return {"pending": "pending_review", "hidden": "hidden", "removed": "removed"}.get(state, "published")


def build_world(tmp_path, settings) -> World:
    settings.EXPORT_ROOT = tmp_path / "exports"
    settings.MEDIA_ROOT = tmp_path / "media"
    privacy_seed()
    make = MemberFactory
    member = make(email="author@example.org", display_name="Ada Author", profile_visibility="public")
    member.avatar.save("picture.webp", ContentFile(b"RIFF\x00\x00\x00\x00WEBPVP8 "), save=True)
    member.avatar.close()
    other = make(email="other@example.org", display_name="Otto Other")
    private_member = make(email="inner@example.org", display_name="Ivy Inner")
    space_moderator = make(email="spacemod@example.org", display_name="Sam Spacemod")
    site_moderator = make(email="sitemod@example.org", display_name="Sita Sitemod")
    role_grant(member=site_moderator, role=MODERATOR)
    privacy_officer = make(email="officer@example.org", display_name="Priya Officer")
    role_grant(member=privacy_officer, role=PRIVACY_OFFICER)
    operator = make(email="operator@example.org", display_name="Opal", is_staff=True, is_superuser=True)
    suspended = make(email="suspended@example.org", display_name="Sue Suspended")
    banned = make(email="banned@example.org", display_name="Ben Banned")
    # files the reports the items come from; not in the cast, so every role can still report
    reporter = make(email="reporter@example.org", display_name="Rita Reporter")

    public = SpaceFactory(slug="commons", name="Commons")
    private = SpaceFactory(slug="inner", name="Inner", visibility="private")
    for who in (member, other, suspended, banned):
        MembershipFactory(space=public, member=who, notification_level="all")
    MembershipFactory(space=public, member=space_moderator, role="moderator")
    MembershipFactory(space=private, member=private_member, notification_level="all")
    MembershipFactory(space=private, member=reporter)
    MembershipFactory(space=private, member=other, status="requested")  # a request to decide

    def author(state: str):
        return private_member if state == "private" else member

    def space(state: str):
        return private if state == "private" else public

    # the hidden post is hidden below by a moderator's decision, which the author appeals
    def secret(state: str) -> str:
        return "" if state == "published" else f" {SEARCH_WORD}"

    post = {
        state: PostFactory(
            space=space(state),
            author=author(state),
            title=TITLE.format(state=state),
            body=f"The {state} post.{secret(state)}",
            status="published" if state == "hidden" else _status(state),
        )
        for state in CONTENT
    }
    comment = {
        state: CommentFactory(
            post=post["private" if state == "private" else "published"],
            author=author(state),
            body=COMMENT_BODY.format(state=state) + secret(state),
            body_html=f"<p>{COMMENT_BODY.format(state=state)}{secret(state)}</p>",
            status=_status(state),
        )
        for state in CONTENT
    }
    event = {
        state: EventFactory(
            space=space(state),
            organiser=author(state),
            title=EVENT_TITLE.format(state=state),
            description=f"The {state} event.{secret(state)}",
            description_html=f"<p>The {state} event.{secret(state)}</p>",
            status=_status(state),
            capacity=20,
        )
        for state in CONTENT
    }
    search_index_touch(
        post_ids=[p.pk for p in post.values()],
        comment_ids=[c.pk for c in comment.values()],
        event_ids=[e.pk for e in event.values()],
    )
    poll = {
        state: poll_create(post=post[state], by=author(state), spec=poll_check(options=["Tea", "Coffee"]))
        for state in CONTENT
    }

    report_file(reporter=reporter, kind="post", object_id=post["hidden"].pk, reason="spam")
    decided = ReviewItem.objects.get(kind="post", object_id=post["hidden"].pk)
    review_item_decide(item=decided, by=site_moderator, action="hide", reason="Spam.", rule="No spam")
    post["hidden"].refresh_from_db()
    assert post["hidden"].status == "hidden"
    action = ModerationAction.objects.get(review_item=decided, action="hide")
    appeal = appeal_file(action=action, appellant=member, statement="Please look again, it was a joke.")
    report_file(reporter=reporter, kind="post", object_id=post["published"].pk, reason="spam")
    report_file(reporter=reporter, kind="post", object_id=post["private"].pk, reason="spam")
    item = {state: ReviewItem.objects.get(kind="post", object_id=post[state].pk) for state in SPACE}
    text = "The figure is from 2019; the 2024 survey says 40 %."
    note = {
        "published": correction_note_add(post=post["published"], by=site_moderator, text=text),
        "private": correction_note_add(post=post["private"], by=operator, text=text),
    }
    ip_post = PostFactory(space=public, author=member, title="Borrowed logo")
    ip_notice = ip_notice_file(
        holder_name="Lin Wei",
        holder_organisation="Brand Co.",
        holder_email="legal@brand.example",
        right="trademark",
        evidence="Trademark registration No. 12345678, class 25.",
        evidence_url="https://tmsearch.example/12345678",
        content_url=f"http://testserver/p/{ip_post.pk}/",
        sworn=True,
        ip="203.0.113.9",
    )
    complaint = complaint_file(author=member, topic="service", subject="Slow", body="The feed is slow.")

    archive = export_build(archive_id=export_request(member=member).pk)
    data_request = data_request_file(member=member, kind="correction", details="My name is misspelt.")
    notice_send(recipient=member, kind="moderation.notice", url="/", data={"text": "Hello."})
    minor = make(email="minor@example.org", display_name="Mina Minor", is_minor=True)
    consent = GuardianConsent.objects.create(member=minor, guardian_email="parent@example.org")
    Goal.objects.create(metric="first_posts_answered", target=Decimal(50), period_days=7, published=True)
    policy = PolicyVersion.objects.filter(document__kind="privacy_policy", published_at__isnull=False).first()

    # standing last: the suspended and banned members were ordinary members until now
    member_suspend(member=suspended, until=timezone.now() + timedelta(days=7), by=site_moderator)
    member_ban(member=banned, by=site_moderator)

    cast = {
        "anonymous": None,
        "member": member,
        "other": other,
        "private_member": private_member,
        "space_moderator": space_moderator,
        "site_moderator": site_moderator,
        "privacy_officer": privacy_officer,
        "operator": operator,
        "suspended": suspended,
        "banned": banned,
    }
    return World(
        cast=cast,
        public=public,
        private=private,
        post=post,
        comment=comment,
        event=event,
        poll=poll,
        item=item,
        note=note,
        other={
            "action": action,
            "appeal": appeal,
            "complaint": complaint,
            "ip_notice": ip_notice,
            "archive": archive,
            "data_request": data_request,
            "inbox_item": InboxItem.objects.filter(recipient=member).order_by("pk").first(),
            "calendar": calendar_token_reset(member=member).token,
            "unsubscribe": unsubscribe_token(member_id=member.pk, category="posts"),
            "guardian": guardian_token(consent=consent),
            "appeal_link": appeal_link(action=action).rstrip("/").rsplit("/", 1)[-1],
            "escalate": escalate_link(notice=ip_notice).rstrip("/").rsplit("/", 2)[-2],
            "policy_label": policy.label,
            "avatar_version": member.avatar.name.rsplit("/", 1)[-1].removesuffix(".webp"),
        },
    )


def path_values(world: World, state: str) -> Callable[[str], dict[str, str]]:
    """The value of each path argument of a route, for the object in `state`."""
    s = "published" if state == "-" else state
    space_state = "private" if s == "private" else "published"
    by_prefix = [
        ("api/v1/posts/", world.post[s].pk),
        ("p/", world.post[s].pk),
        ("moderation/posts/", world.post[s].pk),
        ("api/v1/comments/", world.comment[s].pk),
        ("c/", world.comment[s].pk),
        ("api/v1/events/", world.event[s].pk),
        ("e/", world.event[s].pk),
        ("api/v1/polls/", world.poll[s].pk),
        ("members/", world.cast["member"].pk),
        ("api/v1/members/", world.cast["member"].pk),
        ("inbox/", world.other["inbox_item"].pk),
        ("moderation/items/", world.item[space_state].pk),
        ("api/v1/moderation/items/", world.item[space_state].pk),
        ("moderation/corrections/", world.note[space_state].pk),
        ("moderation/decisions/", world.other["action"].pk),
        ("moderation/appeals/", world.other["appeal"].pk),
        ("moderation/complaints/", world.other["complaint"].pk),
        ("api/v1/moderation/complaints/", world.other["complaint"].pk),
        ("moderation/ip-notice/", world.other["ip_notice"].pk),
    ]
    tokens = [
        ("calendar", "calendar"),
        ("unsubscribe", "unsubscribe"),
        ("guardian", "guardian"),
        ("moderation/appeal/", "appeal_link"),
        ("escalate", "escalate"),
    ]

    def values(pattern: str) -> dict[str, str]:
        number = next((str(pk) for prefix, pk in by_prefix if pattern.startswith(prefix)), "1")
        token = next((world.other[name] for needle, name in tokens if needle in pattern), "no-such-token")
        return {
            "pk": number,
            "object_id": str(world.post[s].pk),
            "member_id": str(world.cast["other"].pk),
            "archive_id": str(world.other["archive"].pk),
            "request_id": str(world.other["data_request"].pk),
            "slug": (world.private if s == "private" else world.public).slug,
            "purpose": "marketing",
            "kind": "post" if pattern.startswith("moderation/report/") else "privacy_policy",
            "label": world.other["policy_label"],
            "version": world.other["avatar_version"],
            "token": token,
            "key": "x" * 8,
            "uidb36": "1",
            # the admin's routes are sampled in test_the_admin_family_*
            "app_label": "members",
            "content_type_id": "1",
            "id": "1",
            "url": "nowhere/",
        }

    return values


def route_key(route: Route) -> str:
    """The route's name in the tables: its name, or its pattern when unnamed (the API's)."""
    if route.pattern.startswith("admin/") and not route.pattern.startswith("admin/dashboard/"):
        return "admin:*"
    return route.name or route.pattern


def all_routes() -> list[Route]:
    """Every route, with placeholder values (for the declarations, which need no world)."""
    return list(walk(get_resolver().url_patterns, lambda pattern: _Any()))


class _Any(dict):
    def __missing__(self, key: str) -> str:
        return "1"


def secrets(role: str, shows: Callable[[str, str], bool] | None = None) -> list[str]:
    """The titles and bodies `role` may not read, which no list or feed may show it."""
    return [
        text.format(state=state)
        for state in CONTENT
        if not (shows or reads)(role, state)
        for text in (TITLE, EVENT_TITLE, COMMENT_BODY)
    ]


# --- requests ----------------------------------------------------------------------------------------

CSRF = "b" * 32  # the CSRF secret each client holds as its cookie and sends back in the header


class _Rollback(Exception):
    pass


def clients(world: World) -> dict[str, Client]:
    made = {}
    for role, who in world.cast.items():
        client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        client.cookies["csrftoken"] = CSRF
        if who is not None:
            client.force_login(who)  # the banned member too: the session fails at its first request
        made[role] = client
    return made


def send(client: Client, method: str, path: str, body: dict | None, *, api: bool, htmx: bool = False):
    headers = {"X-CSRFToken": CSRF}
    if htmx:
        headers["HX-Request"] = "true"
    if api:
        data = json.dumps(body) if body is not None else ""
        return client.generic(method, path, data, content_type="application/json", headers=headers)
    if method == "GET":
        return client.get(path, headers=headers)
    return client.post(path, body or {}, headers=headers)


def in_savepoint(action: Callable[..., object], *args, **kwargs) -> object:
    """Run `action` and undo whatever it wrote."""
    result = None
    try:
        with transaction.atomic():
            result = action(*args, **kwargs)
            raise _Rollback
    except _Rollback:
        pass
    return result


def outcome(response) -> str:
    code = response.status_code
    if code in (301, 302, 303) and urlsplit(response["Location"]).path in (
        "/accounts/login/",
        "/admin/login/",
    ):
        return LOGIN
    return {401: LOGIN, 403: DENIED, 404: HIDDEN, 405: NOT_POST}.get(
        code, OK if 200 <= code < 400 else str(code)
    )


def release(response) -> None:
    """Close a streamed file (the export download). Not response.close(): that sends request_finished,
    whose close_old_connections would close the test's database connection mid-transaction."""
    for closer in getattr(response, "_resource_closers", []):
        closer()


def page_text(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    return response.content.decode(errors="replace")


@pytest.fixture
def world(tmp_path, settings, monkeypatch) -> Iterator[World]:
    # The API's throttles count every request of the matrix as one visitor's: off here (S4 tests them).
    monkeypatch.setattr("rest_framework.throttling.SimpleRateThrottle.allow_request", lambda *a: True)
    # Speed: the test runner's template instrumentation copies the context of every template rendered
    # (thousands of <option>s on some pages) for response.context, which the matrix never reads.
    monkeypatch.setattr(Template, "_render", _TestState.saved_data.template_render)
    built = build_world(tmp_path, settings)
    # ...and thousands of expected 403s and 404s would each log a warning (errors still log)
    logging.disable(logging.WARNING)
    yield built
    logging.disable(logging.NOTSET)


# --- the declarations --------------------------------------------------------------------------------


def test_every_route_declares_its_rule():
    routes = all_routes()
    undeclared = sorted({route_key(route) for route in routes} - set(READS))
    assert not undeclared, f"routes with no access rule in READS: {undeclared}"
    stale = sorted(set(READS) - {route_key(route) for route in routes})
    assert not stale, f"READS names routes that no longer exist: {stale}"
    assert len(routes) > 500  # pages, allauth, the admin and the API


def test_every_write_is_checked_or_declared():
    """Every page route that takes only POST, and every writing operation of the API, is tried in
    WRITES or declared in WRITE_NOT_CHECKED with the reason. (Pages whose form GETs and POSTs on one
    address are tried in WRITES where they create, change or decide something.)"""
    writes = set()
    for route in all_routes():
        key = route_key(route)
        if READS.get(key) is POST_ONLY and not route.is_api:
            writes.add((key, "POST"))
        writes |= {(key, method) for method in getattr(route.callback, "routes", {}) if method != "GET"}
    missing = sorted(writes - set(WRITES) - set(WRITE_NOT_CHECKED))
    assert not missing, f"writes neither tried nor declared: {missing}"
    stale = sorted((set(WRITES) | set(WRITE_NOT_CHECKED)) - writes - {(k, "POST") for k, _ in WRITES})
    assert not stale, f"declared writes that no longer exist: {stale}"
    assert not set(WRITES) & set(WRITE_NOT_CHECKED)
    assert all(key in READS for key, _method in WRITES)


def test_every_route_answers_at_its_own_address():
    """Two patterns on one address: the first wins, and the other's view is dead code that still looks
    like a door (content:post_create's old view sat behind content:post_new on s/<slug>/new/)."""
    shadowed = []
    for route in walk(get_resolver().url_patterns, lambda pattern: _Any(app_label="members")):
        match = resolve(route.path)
        if match.route.replace("^", "") != route.pattern.replace("^", ""):
            shadowed.append((route_key(route), route.path, match.view_name))
    assert not shadowed, shadowed
    assert resolve("/s/commons/new/").view_name == "content:post_create"


# --- the matrix --------------------------------------------------------------------------------------


def test_every_role_reads_what_the_table_says_and_lists_show_nothing_it_may_not_read(world, capsys):
    made = clients(world)
    wrong, leaks, checked, routes = [], [], 0, set()
    for state in ("-", *CONTENT):
        for route in walk(get_resolver().url_patterns, path_values(world, state)):
            key = route_key(route)
            read = READS[key]
            if state not in read.states or read.rule in ("post_only", "admin"):
                continue
            routes.add(key)
            for role in ROLES:
                path = route.path + read.query
                response = in_savepoint(send, made[role], "GET", path, None, api=route.is_api, htmx=read.htmx)
                got = outcome(response)
                checked += 1
                if got not in RULES[read.rule](role, state):
                    wrong.append((key, state, role, got, response.status_code))
                elif read.lists and got == OK:
                    text = page_text(response)
                    leaks += [(key, role, word) for word in secrets(role, read.shows) if word in text]
                release(response)
    with capsys.disabled():
        print(f"\nS3 reads: {len(routes)} routes x {len(ROLES)} roles x their states = {checked} checks")
    assert not wrong, "\n".join(map(str, wrong))
    assert not leaks, leaks
    assert checked > 1500


def test_searching_a_word_found_only_in_unreadable_content_finds_it_for_its_readers_only(world):
    """The matrix above asserts no role's search shows what it may not read; this is the other half,
    so an empty result (a broken search) cannot pass for a safe one."""
    made = clients(world)
    for role in ROLES:
        page = page_text(made[role].get(f"/search/?q={SEARCH_WORD}"))
        for state in ("pending", "hidden", "removed", "private"):
            found = {
                "post": TITLE.format(state=state) in page,
                "comment": COMMENT_BODY.format(state=state) in page,
                "event": EVENT_TITLE.format(state=state) in page,
            }
            expected = {
                "post": reads(role, state),
                "comment": reads(role, state),
                "event": reads_event(role, state),
            }
            assert found == expected, (role, state)


def attempt(world: World, client: Client, role: str, route: Route, method: str, write: Write, state: str):
    """The write, and whether the rows it makes or changes moved."""
    effect = write.effect(world, state, world.cast[role])
    before = effect.count()
    response = send(client, method, route.path, write.body(world, state), api=route.is_api)
    return response, effect.count() != before


def test_every_role_writes_what_the_table_says(world, capsys):
    made = clients(world)
    wrong, checked = [], 0
    for state in CONTENT + NONE:
        routes_by_key = {
            route_key(route): route for route in walk(get_resolver().url_patterns, path_values(world, state))
        }
        for (key, method), write in WRITES.items():
            if state not in write.states:
                continue
            route = routes_by_key[key]
            for role in ROLES:
                cache.clear()  # rate limits (posts per hour, reports per day) count rolled-back writes
                response, changed = in_savepoint(
                    attempt, world, made[role], role, route, method, write, state
                )
                got = outcome(response)
                if got in (OK, DENIED, "400", "409", "422", "429"):
                    got = DONE if changed else REFUSED if got != DENIED else DENIED
                checked += 1
                if got not in RULES[write.rule](role, state):
                    wrong.append((key, method, state, role, got, response.status_code))
                release(response)
    with capsys.disabled():
        print(f"\nS3 writes: {len(WRITES)} operations x {len(ROLES)} roles x their states = {checked} checks")
    assert not wrong, "\n".join(map(str, wrong))


def test_a_banned_members_session_is_a_visitors_and_a_suspended_member_still_reads(world):
    made = clients(world)
    assert outcome(made["banned"].get("/members/preferences/")) == LOGIN
    assert "Ben Banned" not in made["banned"].get("/").content.decode()
    response = made["suspended"].get(f"/p/{world.post['published'].pk}/")
    assert response.status_code == 200 and "ZqpublishedTitle" in response.content.decode()


# --- the admin ---------------------------------------------------------------------------------------

# community/roles.py: operators everything; moderators the watched words and drafts of the community
# rules; privacy officers the privacy models and members (read-only). tests/operators/test_roles.py
# proves a page per app for each staff role; here, every registered model's list for every role.
ADMIN_MODERATOR_MODELS = {"moderation.watchedword", "privacy.policyversion", "privacy.policydocument"}
ADMIN_OFFICER_MODELS = {
    "privacy.datarequest",
    "privacy.exportarchive",
    "privacy.deletionrequest",
    "privacy.accountclosure",
    "privacy.retentioncategory",
    "privacy.retentionrun",
    "privacy.legalhold",
    "privacy.breach",
    "privacy.consententry",
    "privacy.staffaccess",
    "members.member",
}


def admin_rule(role: str, model: str) -> set[str]:
    if role not in STAFF:
        return {LOGIN}  # the admin's sign-in page: no staff role
    if role == "operator":
        return {OK}
    allowed = ADMIN_MODERATOR_MODELS if role == "site_moderator" else ADMIN_OFFICER_MODELS
    return {OK} if model in allowed else {DENIED}


def test_the_admin_family_opens_each_models_list_to_the_roles_that_have_it(world, capsys):
    """Every registered model's list for each staff role; the roles without one are sent to the
    admin's sign-in from the index and a model's list (the same door, admin_view, for every page)."""
    from django.contrib import admin

    made = clients(world)
    wrong, checked = [], 0
    pages = [(f"{m._meta.app_label}.{m._meta.model_name}", m) for m in admin.site._registry]
    for label, model in pages:
        path = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        roles = ROLES if label in ("members.member", "moderation.watchedword") else sorted(STAFF)
        for role in roles:
            response = in_savepoint(made[role].get, path)
            got = outcome(response)
            checked += 1
            if got not in admin_rule(role, label):
                wrong.append((label, role, got))
    for role in ROLES:
        checked += 1
        got = outcome(in_savepoint(made[role].get, "/admin/"))
        if got != (OK if role in STAFF else LOGIN):
            wrong.append(("index", role, got))
    with capsys.disabled():
        print(f"\nS3 admin: {len(pages)} model lists x the staff roles, and samples = {checked} checks")
    assert not wrong, "\n".join(map(str, wrong))


def promote(client: Client, path: str, target) -> tuple[object, bool]:
    response = client.post(
        path, {"email": target.email, "display_name": "X", "is_staff": "on"}, headers={"X-CSRFToken": CSRF}
    )
    return response, type(target).objects.filter(pk=target.pk, is_staff=True).exists()


def test_the_admin_family_lets_no_one_but_an_operator_make_someone_staff(world):
    made = clients(world)
    target = world.cast["other"]
    path = f"/admin/members/member/{target.pk}/change/"
    for role in ROLES:
        if role == "operator":
            continue
        response, promoted = in_savepoint(promote, made[role], path, target)
        assert not promoted, role
        assert outcome(response) == (DENIED if role in STAFF else LOGIN), role


# --- background jobs re-check at send time -----------------------------------------------------------

DAYTIME = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai (the factories' zone)
MORNING = datetime(2026, 12, 1, 0, 5, tzinfo=UTC)  # 08:05: the digest hour


@dataclass
class Queued:
    public: object
    private: object
    post: Post
    insider: object  # in both spaces
    outsider: object  # in the public space only
    mentioned: object  # in neither: the post's mention reached them
    digest_reader: object  # in the public space, reads a daily digest


@pytest.fixture
def clock():
    with time_machine.travel(DAYTIME, tick=True) as traveller:
        yield traveller


@pytest.fixture
def queued(db, clock, django_capture_on_commit_callbacks) -> Queued:
    """A post published in a public space and planned: an email for each member and the mentioned
    member, an item for the digest reader. Nothing sent yet."""
    public = SpaceFactory(slug="town")
    private = SpaceFactory(slug="club", visibility="private")
    author = MemberFactory(display_name="Ann Author")
    insider = MemberFactory(display_name="Ines Insider", email="insider@example.org")
    outsider = MemberFactory(display_name="Oskar Outsider", email="outsider@example.org")
    mentioned = MemberFactory(display_name="Una", email="una@example.org")
    digest_reader = MemberFactory(display_name="Dora Digest", email="dora@example.org", email_mode="daily")
    for who in (author, insider, outsider):
        MembershipFactory(space=public, member=who, notification_level="all")
    MembershipFactory(space=public, member=digest_reader, notification_level="digest")
    for who in (author, insider):
        MembershipFactory(space=private, member=who, notification_level="all")
    with django_capture_on_commit_callbacks(execute=False):  # the worker's kick: we plan by hand
        post = post_publish(author=author, space=public, title="ZqMovedPlans", body="Hello @Una, see you.")
    deliveries_plan(outbox_id=Outbox.objects.get(kind="post.published", object_id=post.pk).pk)
    emails = set(Delivery.objects.filter(channel="email").values_list("recipient__email", flat=True))
    assert emails == {"insider@example.org", "outsider@example.org", "una@example.org"}
    assert Delivery.objects.filter(recipient=digest_reader, channel="digest").exists()
    return Queued(public, private, post, insider, outsider, mentioned, digest_reader)


def mailed() -> dict[str, list[str]]:
    """Who got which subject and text: every email the dispatcher sent."""
    sent: dict[str, list[str]] = {}
    for message in mail.outbox:
        sent.setdefault(message.to[0], []).append(message.subject + "\n" + message.body)
    return sent


def test_a_post_moved_to_a_private_space_after_it_was_queued_reaches_no_outsider(queued):
    # no page moves a post; an operator's data repair (or a future "move" action) does this
    Post.objects.filter(pk=queued.post.pk).update(space=queued.private)

    deliveries_dispatch()

    assert set(mailed()) == {"insider@example.org"}
    cancelled = Delivery.objects.filter(channel="email", status="cancelled")
    assert set(cancelled.values_list("recipient__email", flat=True)) == {
        "outsider@example.org",
        "una@example.org",
    }
    assert set(cancelled.values_list("reason", flat=True)) == {"content no longer visible to the recipient"}


def test_a_space_made_private_after_the_post_was_queued_reaches_its_members_only(queued):
    # the operator changes the space's visibility in the admin; its members stay members
    Space.objects.filter(pk=queued.public.pk).update(visibility="private")

    deliveries_dispatch()

    assert set(mailed()) == {"insider@example.org", "outsider@example.org"}  # not Una, mentioned only
    una = Delivery.objects.get(recipient=queued.mentioned, channel="email")
    assert (una.status, una.reason) == ("cancelled", "content no longer visible to the recipient")


def test_a_member_who_left_a_private_space_after_a_post_was_queued_does_not_get_it(
    queued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        post = post_publish(author=queued.insider, space=queued.private, title="ZqClubOnly", body="Members.")
    deliveries_plan(outbox_id=Outbox.objects.get(kind="post.published", object_id=post.pk).pk)
    planned = Delivery.objects.get(channel="email", source_kind="post.published", source_id=post.pk)
    SpaceMembership.objects.filter(space=queued.private, member_id=planned.recipient_id).delete()

    deliveries_dispatch()

    assert not any("ZqClubOnly" in text for texts in mailed().values() for text in texts)
    planned.refresh_from_db()
    assert (planned.status, planned.reason) == ("cancelled", "content no longer visible to the recipient")


def test_a_post_removed_after_it_was_queued_is_sent_to_nobody(queued):
    Post.objects.filter(pk=queued.post.pk).update(status="removed")

    deliveries_dispatch()

    assert mail.outbox == []


def test_the_digest_leaves_out_a_post_moved_to_a_private_space_its_reader_is_not_in(queued, clock):
    Post.objects.filter(pk=queued.post.pk).update(space=queued.private)
    deliveries_dispatch()
    clock.move_to(MORNING)

    digests_compose()
    deliveries_dispatch()

    assert not any("ZqMovedPlans" in text for text in mailed().get("dora@example.org", []))
