"""S4: the rate limits hold across 4 gunicorn workers.

The site runs as in production (gunicorn, 4 sync workers, a Redis of the test's own, the test
database); every request is a fresh connection, and each burst is sent 4 at a time so that all the
workers answer (the access log names the worker). Each limit is read from the settings or the code
that enforces it, and each burst asks a few times more than the limit allows: exactly the limit gets
through, never one more. Login and password-reset keys are tried in several letter cases of one email;
signups and sign-ins from one address carry made-up X-Forwarded-For headers, which must not split it.
"""

import html
import json
import re
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.internal.ratelimit import Rate, parse_rates
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from limits import parse
from rest_framework.authtoken.models import Token

from content.models import Post
from members.models import Member
from moderation import clock
from moderation.models import Report
from tests.factories import MemberFactory, MembershipFactory, PostFactory, SpaceFactory
from tests.reliability.processes import (
    RedisServer,
    SiteClient,
    database_url,
    project_env,
    read_mail,
    wait_until,
)
from tests.security.servers import WorkerPool

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 4
PASSWORD = "correct-horse-battery-9"
EXTRA = 3  # requests beyond each limit
TIMEOUT = 120  # seconds; 4 workers hashing passwords with PBKDF2 on 2 busy cores are slow
SPREADS: dict[str, list[int]] = {}
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MISMATCH = html.escape(str(DefaultAccountAdapter.error_messages["email_password_mismatch"]))
TOO_MANY = html.escape(str(DefaultAccountAdapter.error_messages["too_many_login_attempts"]))


def account_rate(action: str, per: str) -> Rate:
    """The part of ACCOUNT_RATE_LIMITS[action] counted per `per` (ip, key, user)."""
    return next(rate for rate in parse_rates(settings.ACCOUNT_RATE_LIMITS[action]) if rate.per == per)


def spellings(email: str, count: int) -> list[str]:
    """`count` spellings of one email in different letter cases (never twice the same)."""
    local, domain = email.split("@")
    forms = [
        email,
        email.upper(),
        email.title(),
        f"{local.upper()}@{domain}",
        f"{local}@{domain.upper()}",
        "".join(c.upper() if i % 2 else c for i, c in enumerate(email)),
        "".join(c if i % 2 else c.upper() for i, c in enumerate(email)),
        email.swapcase().title().swapcase(),
    ]
    distinct = list(dict.fromkeys(forms))
    assert len(distinct) >= count, "add spellings"
    return distinct[:count]


def with_password(member: Member) -> Member:
    """The workers check passwords with the production hasher (the test run uses a fast one)."""
    hasher = PBKDF2PasswordHasher()
    member.password = hasher.encode(PASSWORD, hasher.salt())
    member.save(update_fields=["password"])
    return member


def four_at_a_time(calls: list[Callable[[], object]]) -> list:
    """Every call in its own thread, WORKERS at once: the workers are all busy, so all answer."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(lambda call: call(), calls))


def browser(base: str, *, forwarded_for: str | None = None) -> SiteClient:
    client = SiteClient(base)
    if forwarded_for:
        client.opener.addheaders = [("X-Forwarded-For", forwarded_for)]
    return client


def submit(client: SiteClient, path: str, fields: dict[str, str]):
    """SiteClient.submit with a patient clock: every worker may be busy hashing a password."""
    page = client.get(path, timeout=TIMEOUT)
    assert page.status == 200, (path, page.status)
    token = CSRF_INPUT.search(page.body)
    assert token, f"no CSRF token on {path}"
    return client.request(path, data={"csrfmiddlewaretoken": token[1], **fields}, timeout=TIMEOUT)


def made_up_address(n: int) -> str:
    return f"203.0.113.{n % 250 + 1}"


def post_json(url: str, *, token: str, data: dict) -> tuple[int, dict]:
    request = urllib.request.Request(  # noqa: S310 - http://127.0.0.1 only
        url,
        data=json.dumps(data).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read() or b"{}")


# --- The server --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rate_redis():
    server = RedisServer()
    server.start()
    yield server
    server.stop()
    # for the closing note: how many requests of each burst every worker answered (the folder may have
    # been cleaned while the module ran)
    artifacts = Path(settings.BASE_DIR) / "var" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "rate-limit-spread.json").write_text(json.dumps(SPREADS, indent=1))


@pytest.fixture(scope="module")
def mail_dir():
    folder = Path(settings.BASE_DIR) / "var" / "test-artifacts" / f"ratelimit-mail-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


@pytest.fixture(scope="module")
def pool(django_db_setup, django_db_blocker, rate_redis, mail_dir, tmp_path_factory):
    with django_db_blocker.unblock():
        database = database_url()
    env = project_env(
        DATABASE_URL=database,
        REDIS_URL=rate_redis.url,
        CELERY_BROKER_URL=rate_redis.url,
        # relative to the project: django-environ drops the leading slash of a file URL
        EMAIL_URL=f"filemail:///{mail_dir.relative_to(settings.BASE_DIR)}",
        MODERATION_PREMODERATE_FIRST_POSTS="0",
    )
    server = WorkerPool(env=env, log_dir=tmp_path_factory.mktemp("ratelimit-web"), workers=WORKERS)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(pool, rate_redis, transactional_db):
    """A fresh start: no rate windows left from the test before (they live in Redis only)."""
    redis.Redis.from_url(rate_redis.url).flushdb()
    pool.mark()
    return pool


def assert_spread(site: WorkerPool, *, method: str, path: str, count: int) -> None:
    # gunicorn writes the access line after the answer has gone out: give the last one a moment
    wait_until(
        lambda: len(site.answers(method=method, path=path)) >= count, timeout=10, what="access log lines"
    )
    answers = site.answers(method=method, path=path)
    assert len(answers) == count, answers
    spread = site.spread(method=method, path=path)
    assert len(spread) >= 2, f"all {count} requests on one worker: {spread}"
    SPREADS[f"{method} {path}"] = sorted(spread.values(), reverse=True)


# --- Sign-in ---------------------------------------------------------------------------------------


def sign_in_attempt(base: str, email: str, password: str, *, forwarded_for: str | None = None) -> str:
    """One browser's sign-in: the page it ends on."""
    client = browser(base, forwarded_for=forwarded_for)
    answer = submit(client, "/accounts/login/", {"login": email, "password": password})
    return "signed in" if client.cookie("sessionid") else answer.body


def test_failed_sign_ins_for_one_email_stop_at_the_limit_in_any_letter_case(site):
    per_email = account_rate("login_failed", "key")
    casey = with_password(MemberFactory(email="casey@example.org"))
    attempts = spellings(casey.email, per_email.amount + EXTRA)

    pages = four_at_a_time(
        [lambda e=email: sign_in_attempt(site.url, e, "not-the-password-1") for email in attempts]
    )

    assert sum(MISMATCH in page for page in pages) == per_email.amount
    assert sum(TOO_MANY in page for page in pages) == EXTRA
    # the window is full: even the right password, in yet another spelling, is refused now
    final = sign_in_attempt(site.url, spellings(casey.email, 8)[-1], PASSWORD)
    assert final != "signed in" and TOO_MANY in final
    assert_spread(site, method="POST", path="/accounts/login/", count=len(attempts) + 1)


def test_failed_sign_ins_from_one_address_stop_at_the_limit_whatever_it_claims_to_forward(site):
    per_ip = account_rate("login_failed", "ip")
    attempts = [f"nobody{n}@example.org" for n in range(per_ip.amount + EXTRA)]

    pages = four_at_a_time(
        [
            lambda e=email, n=n: sign_in_attempt(
                site.url, e, "not-the-password-1", forwarded_for=made_up_address(n)
            )
            for n, email in enumerate(attempts)
        ]
    )

    assert sum(MISMATCH in page for page in pages) == per_ip.amount
    assert sum(TOO_MANY in page for page in pages) == EXTRA
    assert_spread(site, method="POST", path="/accounts/login/", count=len(attempts))


# --- Signup ----------------------------------------------------------------------------------------


def sign_up(base: str, n: int) -> int:
    client = browser(base, forwarded_for=made_up_address(n))
    answer = submit(
        client,
        "/accounts/signup/",
        {
            "email": f"newcomer{n}@example.org",
            "password1": f"{PASSWORD}-{n}",
            "display_name": f"Newcomer {n}",
            "birth_date": "1990-05-17",
            "accept_terms": "on",
        },
    )
    return answer.status


def test_signups_from_one_address_stop_at_the_limit(site):
    per_ip = account_rate("signup", "ip")
    count = per_ip.amount + EXTRA

    started = time.monotonic()
    statuses = four_at_a_time([lambda n=n: sign_up(site.url, n) for n in range(count)])
    assert time.monotonic() - started < per_ip.duration, "the burst outlasted the window"

    assert statuses.count(429) == EXTRA, statuses
    assert statuses.count(200) == per_ip.amount, statuses  # each ends on "verify your email"
    assert Member.objects.filter(email__startswith="newcomer").count() == per_ip.amount
    assert_spread(site, method="POST", path="/accounts/signup/", count=count)


# --- Password reset ------------------------------------------------------------------------------


def ask_for_reset(base: str, email: str) -> int:
    return submit(browser(base), "/accounts/password/reset/", {"email": email}).status


def test_password_reset_emails_for_one_address_stop_at_the_limit_in_any_letter_case(site, mail_dir):
    per_email = account_rate("reset_password", "key")
    robin = MemberFactory(email="robin@example.org")
    attempts = spellings(robin.email, per_email.amount + EXTRA)

    statuses = four_at_a_time([lambda e=email: ask_for_reset(site.url, e) for email in attempts])

    assert statuses.count(429) == EXTRA, statuses
    assert statuses.count(200) == per_email.amount, statuses  # "we have sent you an email"
    sent = [m for m in read_mail(mail_dir) if m["To"].lower() == robin.email]
    assert len(sent) == per_email.amount
    assert_spread(site, method="POST", path="/accounts/password/reset/", count=len(attempts))


# --- Reports ---------------------------------------------------------------------------------------


def test_reports_of_one_member_stop_at_the_limit(site):
    per_day = parse(clock.reports_per_day()).amount
    space = SpaceFactory(slug="square", name="Square")
    author = MemberFactory(email="loud@example.org")
    reporter = with_password(MemberFactory(email="quiet@example.org"))
    for member in (author, reporter):
        MembershipFactory(space=space, member=member)
    posts = [PostFactory(space=space, author=author, title=f"Advert {n}") for n in range(per_day + EXTRA)]
    reporter_browser = SiteClient(site.url)
    reporter_browser.sign_in(email=reporter.email, password=PASSWORD)
    site.mark()

    def report(post: Post) -> int:
        return submit(
            reporter_browser,
            f"/moderation/report/post/{post.pk}/",
            {"reason": "spam", "details": "An advert."},
        ).status

    statuses = four_at_a_time([lambda p=post: report(p) for post in posts])

    assert Report.objects.filter(reporter=reporter).count() == per_day
    assert statuses.count(400) == EXTRA, statuses  # the form says: many reports today, try tomorrow
    spread = Counter(
        pid
        for post in posts
        for pid, _status in site.answers(method="POST", path=f"/moderation/report/post/{post.pk}/")
    )
    assert len(spread) >= 2, spread
    SPREADS["POST /moderation/report/post/<id>/"] = sorted(spread.values(), reverse=True)


# --- Posts per trust level -------------------------------------------------------------------------


@pytest.mark.parametrize("trust_level", sorted(settings.POSTING_LIMITS)[:2])
def test_posts_stop_at_the_limit_of_the_members_trust_level(site, trust_level):
    per_day = parse(settings.POSTING_LIMITS[trust_level]["posts"]).amount
    space = SpaceFactory(slug="garden", name="Garden")
    poster = MemberFactory(email=f"poster{trust_level}@example.org", trust_level=trust_level)
    MembershipFactory(space=space, member=poster)
    token = Token.objects.create(user=poster).key
    url = f"{site.url}/api/v1/spaces/garden/posts/"
    titles = [f"Note {n} from level {trust_level}" for n in range(per_day + EXTRA)]

    answers = four_at_a_time(
        [
            lambda t=title: post_json(url, token=token, data={"title": t, "body": f"{t}: {uuid.uuid4()}"})
            for title in titles
        ]
    )

    statuses = [status for status, _body in answers]
    assert statuses.count(201) == per_day, answers
    refused = [body for status, body in answers if status == 429]
    assert len(refused) == EXTRA and {body["error"]["code"] for body in refused} == {"posting_limit"}
    assert Post.objects.filter(author=poster).count() == per_day
    assert_spread(site, method="POST", path="/api/v1/spaces/garden/posts/", count=len(titles))
