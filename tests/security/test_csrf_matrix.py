"""S6: CSRF is enforced on every state-changing request, generated from the URL configuration.

Every route (pages, the admin, allauth, the API) is walked from `get_resolver()`; its path is filled
with real objects of a small dataset (ARGS). A signed-in member whose browser would send the session
cookie but no CSRF token (what a forged cross-site form does) gets 403 on POST, PUT, PATCH and DELETE
of every page route, and DRF's SessionAuthentication refuses the same for every writing API operation.
Nothing in the database changes. Routes that are not refused must be declared in NOT_CSRF_CHECKED with
the reason, so a new exempt route fails here until someone decides it is safe."""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import get_resolver, resolve

from content.delivery.models import EmailOptOut
from content.delivery.unsubscribe import unsubscribe_token
from content.models import Post
from content.services.events import calendar_token_reset
from tests.api.helpers import JsonClient, error_of
from tests.factories import CommentFactory, EventFactory, MembershipFactory, PostFactory, SpaceFactory
from tests.security.routes import UNSAFE, Route, walk

# Routes that answer an unsafe request without a CSRF token, each with why that is safe.
NOT_CSRF_CHECKED = {
    "unsubscribe/<str:token>/": "RFC 8058 one-click POST: mail providers send it without cookies; the signed "
    "token authorises only that member's opt-out of one category (tested below). The page's own button "
    "is CSRF-checked.",
    "api/v1/auth/token/ POST": "signing in to the API with email and password: no session or token is "
    "used (authentication_classes = []), so there is no ambient credential to forge with",
}


@pytest.fixture
def dataset(member, other_member, moderator):
    """One of each object a route can name; the member belongs to the space and wrote some of them."""
    space = SpaceFactory(slug="commons")
    MembershipFactory(space=space, member=member)
    post = PostFactory(space=space, author=member)
    comment = CommentFactory(post=post, author=other_member)
    event = EventFactory(space=space, organiser=member)
    return {
        "space": space,
        "post": post,
        "comment": comment,
        "event": event,
        "calendar": calendar_token_reset(member=member).token,
        "unsubscribe": unsubscribe_token(member_id=member.pk, category="posts"),
        "other_member": other_member,
    }


def values_for(dataset, member):
    """The value of each path argument, chosen by the route: real objects where a route names one."""
    by_prefix = [
        ("p/", dataset["post"].pk),
        ("api/v1/posts/", dataset["post"].pk),
        ("c/", dataset["comment"].pk),
        ("api/v1/comments/", dataset["comment"].pk),
        ("e/", dataset["event"].pk),
        ("api/v1/events/", dataset["event"].pk),
        ("members/", dataset["other_member"].pk),
        ("api/v1/members/", dataset["other_member"].pk),
        ("admin/members/member/", member.pk),
        ("admin/content/post/", dataset["post"].pk),
    ]

    def values(pattern: str) -> dict[str, str]:
        number = next((str(pk) for prefix, pk in by_prefix if pattern.startswith(prefix)), "1")
        return {
            "pk": number,
            "member_id": str(dataset["other_member"].pk),
            "object_id": number,
            "archive_id": "1",
            "request_id": "1",
            "content_type_id": "1",
            "id": number,
            "slug": dataset["space"].slug,
            "purpose": "marketing",
            "kind": "post" if pattern.startswith("moderation/report/") else "privacy",
            "label": "v1",
            "version": "v1",
            "token": dataset["calendar"] if "calendar" in pattern else dataset["unsubscribe"],
            "key": "x" * 8,
            "uidb36": "1",
            "app_label": "members",
            "url": "nowhere/",
        }

    return values


@pytest.fixture
def routes(dataset, member) -> list[Route]:
    found = list(walk(get_resolver().url_patterns, values_for(dataset, member)))
    unfilled = []
    for route in found:
        try:
            match = resolve(route.path)
        except Exception as error:  # reported below with the route
            unfilled.append((route.pattern, route.path, repr(error)))
            continue
        if match.func is not route.callback and match.route != route.pattern:
            unfilled.append((route.pattern, route.path, f"resolves to {match.route}"))
    assert not unfilled, unfilled
    return found


def database_counts() -> dict[str, int]:
    return {model._meta.label: model._base_manager.count() for model in apps.get_models()}


def strict_client(member) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    return client


def test_the_route_table_covers_the_whole_site(routes):
    patterns = {route.pattern for route in routes}
    assert len(routes) > 400  # pages, allauth, the admin and the API
    for expected in ("s/<slug:slug>/new/", "admin/", "api/v1/posts/<int:pk>/", "unsubscribe/<str:token>/"):
        assert expected in patterns


def test_every_page_refuses_unsafe_methods_without_a_csrf_token(routes, member, dataset):
    client = strict_client(member)
    before = database_counts()
    member_before = member.__class__.objects.filter(pk=member.pk).values().get()
    checked, let_through = 0, []
    for route in routes:
        if route.is_api or route.pattern in NOT_CSRF_CHECKED:
            continue
        # The admin's ~350 routes share one site and one CSRF decorator: POST alone for them (time).
        for method in ("POST",) if route.pattern.startswith("admin/") else UNSAFE:
            response = client.generic(method, route.path, "trust_level=3&title=forged")
            checked += 1
            if response.status_code != 403 or "Your form expired" not in response.content.decode():
                let_through.append((method, route.pattern, route.path, response.status_code))
    assert not let_through, let_through
    assert checked > 800  # about 360 admin routes, and 120 page routes x 4 methods
    assert database_counts() == before
    member_after = member.__class__.objects.filter(pk=member.pk).values().get()
    assert {k: v for k, v in member_after.items() if k != "last_login"} == {
        k: v for k, v in member_before.items() if k != "last_login"
    }


def api_methods(route: Route) -> list[str]:
    routes = getattr(route.callback, "routes", None)
    if routes is not None:
        return [method for method in routes if method in UNSAFE]
    view = getattr(route.callback, "cls", None)
    return [method for method in UNSAFE if view is not None and hasattr(view, method.lower())]


def test_every_api_operation_with_a_session_refuses_writes_without_a_csrf_token(routes, member):
    client = JsonClient(enforce_csrf_checks=True)
    client.force_login(member)
    before = database_counts()
    checked, let_through = [], []
    for route in routes:
        if not route.is_api:
            continue
        for method in api_methods(route):
            if f"{route.pattern} {method}" in NOT_CSRF_CHECKED:
                continue
            response = client.generic(
                method, route.path, '{"body": "forged"}', content_type="application/json"
            )
            checked.append((method, route.pattern))
            error = error_of(response) if response.status_code == 403 else {}
            if response.status_code != 403 or "CSRF" not in error.get("message", ""):
                let_through.append((method, route.pattern, response.status_code))
    assert not let_through, let_through
    assert len(checked) >= 35  # every writing API operation but the token sign-in
    assert database_counts() == before


def test_catch_all_and_documentation_routes_write_nothing(routes):
    """The API routes with no writing operation: listed so that adding one there is noticed."""
    read_only = {route.pattern for route in routes if route.is_api and not api_methods(route)}
    assert read_only <= {
        "api/v1/spaces/",
        "api/v1/spaces/<slug:slug>/",
        "api/v1/spaces/<slug:slug>/requests/",
        "api/v1/feed/",
        "api/v1/questions/unanswered/",
        "api/v1/polls/<int:pk>/",
        "api/v1/events/",
        "api/v1/members/<int:pk>/",
        "api/v1/members/<int:pk>/posts/",
        "api/v1/moderation/queue/",
        "api/v1/moderation/items/<int:pk>/",
        "api/v1/moderation/complaints/desk/",
        "api/v1/moderation/complaints/<int:pk>/",
        "api/v1/consents/",
        "api/schema/",
        "api/docs/",
        "api/^",
    }, read_only


def test_the_api_with_a_session_needs_the_csrf_token_and_works_with_it(member, dataset):
    client = JsonClient(enforce_csrf_checks=True)
    client.force_login(member)
    url = f"/api/v1/spaces/{dataset['space'].slug}/posts/"
    refused = client.post(url, {"title": "T", "body": "Forged?"})
    assert refused.status_code == 403 and "CSRF" in error_of(refused)["message"]
    client.get("/members/preferences/")  # any page with a form sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    created = client.post(url, {"title": "T", "body": "With the token."}, headers={"X-CSRFToken": token})
    assert created.status_code == 201
    assert Post.objects.filter(title="T").count() == 1


def test_the_api_with_a_token_needs_no_csrf_token(member, dataset):
    from rest_framework.authtoken.models import Token

    client = JsonClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=member).key}")
    response = client.post(
        f"/api/v1/spaces/{dataset['space'].slug}/posts/", {"title": "T", "body": "By token."}
    )
    assert response.status_code == 201


def test_the_api_token_sign_in_takes_no_session_so_csrf_does_not_apply(member):
    client = JsonClient(enforce_csrf_checks=True)
    client.force_login(member)  # a session cookie is present but not used by this operation
    response = client.post("/api/v1/auth/token/", {"email": member.email, "password": "wrong password"})
    assert response.status_code in (400, 401)
    assert "CSRF" not in response.content.decode()


# --- The declared exception: RFC 8058 one-click unsubscribe --------------------------------------------


def test_one_click_unsubscribe_works_without_cookies_or_csrf_and_stops_only_that_category(
    member, other_member
):
    mail_provider = Client(enforce_csrf_checks=True)
    token = unsubscribe_token(member_id=member.pk, category="posts")
    response = mail_provider.post(f"/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert list(EmailOptOut.objects.values_list("member_id", "category")) == [(member.pk, "posts")]


@pytest.mark.parametrize(
    "token",
    ["not-a-token", "eyJtIjoxLCJjIjoibmV3X3Bvc3RzIn0:1a2b3c:forged-signature", ""],
)
def test_one_click_unsubscribe_with_a_bad_token_changes_nothing(member, token):
    mail_provider = Client(enforce_csrf_checks=True)
    response = mail_provider.post(f"/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click"})
    assert response.status_code in (400, 404)
    assert not EmailOptOut.objects.exists()


def test_a_token_with_its_member_changed_is_refused(member, other_member):
    token = unsubscribe_token(member_id=member.pk, category="posts")
    _payload, _, signature = token.partition(":")
    forged = unsubscribe_token(member_id=other_member.pk, category="posts").partition(":")[0]
    response = Client(enforce_csrf_checks=True).post(
        f"/unsubscribe/{forged}:{signature}/", {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 400
    assert not EmailOptOut.objects.exists()


def test_the_unsubscribe_pages_own_button_is_csrf_checked(member):
    token = unsubscribe_token(member_id=member.pk, category="posts")
    response = Client(enforce_csrf_checks=True).post(f"/unsubscribe/{token}/", {})
    assert response.status_code == 403
    assert not EmailOptOut.objects.exists()


def test_other_members_cannot_be_unsubscribed_through_ones_own_link(member, other_member):
    """The token names its member: nothing in the request can point it at someone else."""
    token = unsubscribe_token(member_id=member.pk, category="posts")
    Client(enforce_csrf_checks=True).post(
        f"/unsubscribe/{token}/", {"List-Unsubscribe": "One-Click", "member": other_member.pk}
    )
    assert not EmailOptOut.objects.filter(member=other_member).exists()
    assert EmailOptOut.objects.filter(member=member).count() == 1
