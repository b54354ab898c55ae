"""S1: with production settings `check --deploy` is silent, and every kind of response over HTTPS carries
the security headers (HSTS, a CSP without inline or eval'd script, nosniff, Referrer-Policy, frame
denial) and the cookies are Secure (the session cookie HttpOnly too)."""

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from content.services.events import calendar_token_reset
from tests.community.test_deployment import manage
from tests.factories import PASSWORD, EventFactory, MemberFactory, PostFactory, SpaceFactory

# What a deployment sets (the same values as tests/community/test_deployment.py): nothing else.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x9$kq2!v7Lm@pQ4zR8#tW1yB6nC3dF5gH0jK-sUeIoAaZxYwVbN",
    "ALLOWED_HOSTS": "community.example.com",
    "DATABASE_URL": "postgres://community:secret@db.example.com:5432/community",
    "REDIS_URL": "redis://cache.example.com:6379/0",
    "EMAIL_URL": "smtp+tls://user:password@smtp.example.com:587",
}

# The settings SecurityMiddleware, the session and CSRF machinery read. Their production values are read
# from a real start-up with PRODUCTION (not copied here), so a change in settings.py is what is tested.
SECURITY_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
]


@pytest.fixture(scope="module")
def production_security() -> dict:
    script = (
        "import json; from django.conf import settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {SECURITY_SETTINGS!r}}}, default=str))"
    )
    result = manage("shell", "-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture
def production(settings, production_security):
    """This process, switched to the production security settings (DEBUG is already off in tests)."""
    for name, value in production_security.items():
        setattr(settings, name, value)
    return settings


def test_check_deploy_has_no_warnings_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_has_no_warnings_behind_a_tls_proxy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, BEHIND_TLS_PROXY="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_every_https_protection_on(production_security):
    assert production_security["SECURE_SSL_REDIRECT"] is True
    assert production_security["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_security["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_security["SESSION_COOKIE_SECURE"] is True
    assert production_security["SESSION_COOKIE_HTTPONLY"] is True
    assert production_security["CSRF_COOKIE_SECURE"] is True
    assert production_security["LANGUAGE_COOKIE_SECURE"] is True


def directives(policy: str) -> dict[str, str]:
    pairs = (part.strip().partition(" ") for part in policy.split(";") if part.strip())
    return {name: value.strip() for name, _, value in pairs}


def assert_security_headers(response) -> None:
    headers = response.headers
    hsts = headers.get("Strict-Transport-Security", "")
    assert "max-age=31536000" in hsts and "includeSubDomains" in hsts, (response, hsts)
    policy = headers.get("Content-Security-Policy", "")
    assert policy, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    csp = directives(policy)
    script = csp.get("script-src", csp.get("default-src"))
    assert script is not None, policy
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script, policy
    assert "'unsafe-eval'" not in policy, policy
    assert csp.get("object-src") == "'none'", policy
    assert headers.get("X-Content-Type-Options") == "nosniff"
    assert headers.get("Referrer-Policy") in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}
    assert headers.get("X-Frame-Options") == "DENY" or csp.get("frame-ancestors") == "'none'"


@pytest.fixture
def sample(db, member):
    space = SpaceFactory(slug="garden")
    post = PostFactory(space=space, author=member)
    EventFactory(space=space, organiser=member)
    token = calendar_token_reset(member=member)
    return {
        "home": reverse("home"),
        "space": reverse("content:space_detail", args=[space.slug]),
        "post": reverse("content:post_detail", args=[post.pk]),
        "admin login": reverse("admin:login"),
        "account login": reverse("account_login"),
        "api": "/api/v1/spaces/",
        "api error": "/api/v1/posts/999999/",
        "api docs": reverse("api-docs"),
        "ical feed": reverse("content:calendar_feed", args=[token.token]),
        "not found": "/no/such/page/",
    }


SAMPLE_STATUS = {"not found": 404, "api error": 404}


@pytest.mark.parametrize(
    "page",
    [
        "home",
        "space",
        "post",
        "admin login",
        "account login",
        "api",
        "api error",
        "api docs",
        "ical feed",
        "not found",
    ],
)
def test_responses_over_https_carry_the_security_headers(production, sample, page):
    client = Client()
    response = client.get(sample[page], secure=True)
    assert response.status_code == SAMPLE_STATUS.get(page, 200), (page, response.status_code)
    assert_security_headers(response)


def test_signed_in_pages_over_https_carry_the_security_headers(production, sample, member):
    client = Client()
    client.force_login(member)
    for page in ("home", "post", "api"):
        response = client.get(sample[page], secure=True)
        assert response.status_code == 200
        assert_security_headers(response)


def test_plain_http_is_redirected_to_https(production, sample):
    response = Client().get(sample["home"])
    assert response.status_code == 301
    assert response.url.startswith("https://")


def test_signing_in_over_https_sets_secure_httponly_session_and_secure_csrf_cookies(production, db):
    MemberFactory(email="cookie@example.org")
    client = Client(enforce_csrf_checks=True)
    form = client.get(reverse("account_login"), secure=True)
    csrf = form.cookies[django_settings.CSRF_COOKIE_NAME]
    assert csrf["secure"] is True
    response = client.post(
        reverse("account_login"),
        {"login": "cookie@example.org", "password": PASSWORD, "csrfmiddlewaretoken": csrf.value},
        secure=True,
        headers={"referer": "https://testserver/accounts/login/"},  # HTTPS CSRF checks the Referer
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    session = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert session.value
    assert session["secure"] is True
    assert session["httponly"] is True
    assert session["samesite"] == "Lax"
    assert_security_headers(response)
