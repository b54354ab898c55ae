"""The API's common ground: the JSON error shape for every kind of error, token authentication,
throttling, the OpenAPI schema and the docs page."""

import re
import subprocess
import sys
from datetime import datetime

import pytest
import yaml
from django.conf import settings
from django.utils import timezone

from content.models import Post
from tests.api.helpers import JsonClient, error_of
from tests.factories import PASSWORD, MemberFactory, PostFactory

# --- Error shape -----------------------------------------------------------------------------------------


def test_validation_error_names_each_field(as_member, member, space):
    response = as_member(member).post(f"/api/v1/spaces/{space.slug}/posts/", {"title": "", "kind": "poem"})
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"title", "body", "kind"}
    assert all(isinstance(messages, list) and messages for messages in error["fields"].values())


def test_an_over_long_title_is_refused_with_the_maximum_stated(as_member, member, space):
    response = as_member(member).post(
        f"/api/v1/spaces/{space.slug}/posts/", {"title": "x" * 201, "body": "Hello"}
    )
    assert response.status_code == 400
    assert "200" in error_of(response)["fields"]["title"][0]
    assert not Post.objects.exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"title": 12, "body": ["a", "list"]},
        {"title": {"nested": True}, "body": None},
        {"title": "fine", "body": "fine", "is_promotional": "perhaps"},
        {"title": "nul\x00byte", "body": "text"},
        ["not", "an", "object"],
    ],
)
def test_wrong_types_are_a_validation_error_not_a_crash(as_member, member, space, payload):
    response = as_member(member).post(f"/api/v1/spaces/{space.slug}/posts/", payload)
    assert response.status_code == 400
    assert error_of(response)["code"] == "invalid"


def test_malformed_json_is_a_400_parse_error(as_member, member, space):
    response = as_member(member).generic(
        "POST", f"/api/v1/spaces/{space.slug}/posts/", '{"title": "x", ', content_type="application/json"
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "parse_error"


def test_another_content_type_is_415(as_member, member, space):
    response = as_member(member).generic(
        "POST", f"/api/v1/spaces/{space.slug}/posts/", "title=x", content_type="text/plain"
    )
    assert response.status_code == 415
    assert error_of(response)["code"] == "unsupported_media_type"


def test_emoji_right_to_left_and_zero_width_text_is_accepted_as_written(as_member, member, space):
    title = "مرحبا 👋🏽 زهرة\u200b\u200fend"
    body = "Family: 👨‍👩‍👧 — עברית and 中文\u200d"
    response = as_member(member).post(f"/api/v1/spaces/{space.slug}/posts/", {"title": title, "body": body})
    assert response.status_code == 201, response.json()
    assert response.json()["title"] == title
    assert response.json()["body"] == body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/posts/999999/",
        "/api/v1/posts/99999999999999999999999/",
        "/api/v1/comments/999999/",
        "/api/v1/events/999999/",
        "/api/v1/spaces/no-such-space/",
        "/api/v1/spaces/%E8%8A%B1%E5%9B%AD/",  # a Chinese slug: no such URL, still a JSON 404
        "/api/v1/members/999999/",
        "/api/v1/nothing-here/",
        "/api/nothing/",
    ],
)
def test_unknown_ids_slugs_and_addresses_are_a_json_404(as_member, member, path):
    response = as_member(member).get(path)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_anonymous_writes_are_401_with_a_token_challenge(api, space):
    response = api.post(f"/api/v1/spaces/{space.slug}/posts/", {"title": "Hi", "body": "there"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Token"


def test_forbidden_is_403_not_allowed(as_member, member, space):
    post = PostFactory(space=space)
    response = as_member(member).put(f"/api/v1/posts/{post.pk}/pin/", {"pinned": True})
    assert response.status_code == 403
    assert error_of(response)["code"] == "not_allowed"


def test_an_unsupported_method_is_405_with_the_allowed_ones(as_member, member):
    response = as_member(member).put("/api/v1/feed/", {})
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET, OPTIONS"


@pytest.mark.legal("L21")
def test_posting_limit_is_429_with_retry_at_after_three_posts_of_a_new_member(as_member, space):
    newcomer = MemberFactory(trust_level=0)
    client = as_member(newcomer)
    for number in range(3):
        response = client.post(
            f"/api/v1/spaces/{space.slug}/posts/", {"title": f"Post {number}", "body": f"Body {number}"}
        )
        assert response.status_code == 201
    response = client.post(f"/api/v1/spaces/{space.slug}/posts/", {"title": "Fourth", "body": "Fourth body"})
    assert response.status_code == 429
    error = error_of(response)
    assert error["code"] == "posting_limit"
    retry_at = datetime.fromisoformat(error["retry_at"])
    assert retry_at > timezone.now()
    assert int(response["Retry-After"]) > 0
    assert Post.objects.filter(author=newcomer).count() == 3


def test_the_same_text_twice_is_409_duplicate(as_member, member, space):
    client = as_member(member)
    payload = {"title": "Same", "body": "Exactly the same words."}
    assert client.post(f"/api/v1/spaces/{space.slug}/posts/", payload).status_code == 201
    response = client.post(f"/api/v1/spaces/{space.slug}/posts/", {**payload, "title": "Again"})
    assert response.status_code == 409
    assert error_of(response)["code"] == "duplicate"


def test_member_errors_keep_their_code(as_member, member):
    response = as_member(member).post("/api/v1/me/blocks/", {"member": member.pk})
    assert response.status_code == 400
    assert error_of(response)["code"] == "cannot_block_self"


# --- Token authentication --------------------------------------------------------------------------------


def test_a_token_for_email_and_password_signs_requests_in(api, member):
    response = api.post("/api/v1/auth/token/", {"email": member.email, "password": PASSWORD})
    assert response.status_code == 200
    token = response.json()["token"]
    client = JsonClient(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/v1/me/")
    assert me.status_code == 200
    assert me.json()["email"] == member.email
    # A token request needs no CSRF token (DRF checks CSRF only for session sign-ins).
    client_csrf = JsonClient(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Token {token}")
    assert client_csrf.patch("/api/v1/me/", {"bio": "Hello"}).status_code == 200


def test_asking_twice_returns_the_same_token(api, member):
    first = api.post("/api/v1/auth/token/", {"email": member.email, "password": PASSWORD}).json()["token"]
    second = api.post("/api/v1/auth/token/", {"email": member.email, "password": PASSWORD}).json()["token"]
    assert first == second


def test_a_revoked_token_stops_working(api, member):
    token = api.post("/api/v1/auth/token/", {"email": member.email, "password": PASSWORD}).json()["token"]
    client = JsonClient(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.delete("/api/v1/auth/token/").status_code == 204
    response = client.get("/api/v1/me/")
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_a_wrong_password_gets_no_token(api, member):
    response = api.post("/api/v1/auth/token/", {"email": member.email, "password": "wrong-password-1"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


def test_an_unverified_email_gets_no_token(api, db):
    unverified = MemberFactory(verified=False)
    response = api.post("/api/v1/auth/token/", {"email": unverified.email, "password": PASSWORD})
    assert response.status_code == 401


def test_an_inactive_member_gets_no_token(api, db):
    gone = MemberFactory(is_active=False)
    response = api.post("/api/v1/auth/token/", {"email": gone.email, "password": PASSWORD})
    assert response.status_code == 401


def test_token_requests_are_throttled_with_retry_at(api, member):
    rate = int(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"].split("/")[0])
    for _ in range(rate):
        api.post("/api/v1/auth/token/", {"email": member.email, "password": "wrong-password-1"})
    response = api.post("/api/v1/auth/token/", {"email": member.email, "password": PASSWORD})
    assert response.status_code == 429
    error = error_of(response)
    assert error["code"] == "throttled"
    assert datetime.fromisoformat(error["retry_at"]) > timezone.now()
    assert int(response["Retry-After"]) > 0


def test_session_writes_need_the_csrf_token(member, space):
    client = JsonClient(enforce_csrf_checks=True)
    client.force_login(member)
    response = client.post(f"/api/v1/spaces/{space.slug}/join/")
    assert response.status_code == 403
    assert error_of(response)["code"] == "permission_denied"
    assert "CSRF" in error_of(response)["message"]


# --- Schema and docs -------------------------------------------------------------------------------------


def test_the_schema_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "spectacular",
            "--validate",
            "--fail-on-warn",
            "--file",
            str(target),
        ],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")


def test_schema_endpoint_returns_openapi_with_every_operation(api, db):
    response = api.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    operations = {op["operationId"] for path in schema["paths"].values() for op in path.values()}
    assert {"post_create", "space_feed", "event_rsvp", "block_add", "auth_token_create"} <= operations
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_docs_page_uses_only_local_files_and_no_inline_script(api, db):
    response = api.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources
    assert all(source.startswith("/") for source in sources), sources
    assert all(not source.startswith("//") for source in sources)
    assert "<script>" not in html  # every script is a file: the policy forbids inline script
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    script = api.get(
        re.search(r'<script src="([^"]+\?[^"]*script=[^"]*)"', html).group(1).replace("&amp;", "&")
    )
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.content.decode()


def test_docs_static_files_are_served_locally(client, db, settings):
    settings.STATIC_MANIFEST = False
    html = client.get("/api/docs/").content.decode()
    bundle = re.search(r'src="([^"]+swagger-ui-bundle\.js)"', html).group(1)
    assert bundle.startswith("/static/drf_spectacular_sidecar/")


def test_the_rest_of_the_site_keeps_its_strict_policy(client, db):
    policy = client.get("/healthz")["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
