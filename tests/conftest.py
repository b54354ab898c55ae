import os
import shutil
import sys

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import override_settings

from community.redis_outage import redis_recovered
from tests.factories import MemberFactory

# Playwright's sync API runs an event loop in the test thread; the ORM would refuse to run beside it.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Debian's Chromium, not a downloaded build (none can be downloaded here).
    return {
        **browser_type_launch_args,
        "executable_path": os.environ.get("CHROMIUM_PATH") or shutil.which("chromium"),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _redis_database_per_xdist_worker():
    """Each xdist worker gets its own Redis database, so clearing the cache (rate limits, sessions)
    between tests never touches another worker's keys."""
    from django.conf import settings

    location = settings.CACHES["default"].get("LOCATION")
    if not location:
        yield
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")  # unset when xdist is off
    number = int(worker.removeprefix("gw"))
    base, _, first = location.rpartition("/")
    # REDIS_URL's database number is the run's base: a second run beside this one uses another.
    caches = {"default": {**settings.CACHES["default"], "LOCATION": f"{base}/{int(first or 0) + 1 + number}"}}
    with override_settings(CACHES=caches):
        yield


@pytest.fixture(scope="session", autouse=True)
def _nothing_left_connected_to_the_test_database(django_db_setup, django_db_blocker):
    """The test database is dropped at the end of the run, which PostgreSQL refuses while anything is
    still connected (a run on a clean clone once failed so after 2,260 passing tests). Fault tests start
    real workers and web servers against it; whatever is still connected at the end is named here, so
    the test that left it can be found, and ended, so the drop succeeds."""
    yield
    if connection.vendor != "postgresql":
        return
    others = "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f"SELECT pid, application_name, backend_start, state, left(query, 120) {others}")
        for row in cursor.fetchall():
            sys.stderr.write(f"\nstill connected to the test database at the end of the run: {row}\n")
        cursor.execute(f"SELECT pg_terminate_backend(pid) {others}")


@pytest.fixture(scope="session", autouse=True)
def _no_access_log_rows_left_for_the_exit_flush():
    """Tests without Redis leave access-log rows in the process's buffer. They belong to the test
    database, which is dropped at the end of the run: the flush at interpreter exit could only fail,
    and log about it to a stream pytest has closed by then (a "Logging error" after every run)."""
    yield
    from privacy.access_log import _process_buffer

    _process_buffer.rows.clear()


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """PBKDF2's deliberate slowness costs about a second per member created; tests need none of it."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _activity_days_only_where_tested(request, monkeypatch):
    """The first request of each day of a member records an ActiveDay (one INSERT). Pinned query
    counts describe every other request, so that write is off except in tests marked
    `activity_tracking` (tests/members/test_activity.py)."""
    if request.node.get_closest_marker("activity_tracking") is None:
        monkeypatch.setattr("members.middleware.member_record_active_day", lambda *, member_id: None)


@pytest.fixture(autouse=True)
def _premoderation_only_where_tested(settings):
    """LEGAL L21 holds a trust-level-0 member's first posts; most tests publish as such a member and
    expect the post live. Tests of pre-moderation set it back."""
    settings.MODERATION_PREMODERATE_FIRST_POSTS = 0


@pytest.fixture(autouse=True)
def _fresh_cache():
    # a test that stopped Redis must not leave this process believing it is still down
    redis_recovered()
    cache.clear()
    yield


# The standard cast: a member, a second member, a moderator, an operator. The outsider is the
# anonymous `client`.
@pytest.fixture
def member(db):
    return MemberFactory(email="member@example.org", display_name="Mia Member")


@pytest.fixture
def other_member(db):
    return MemberFactory(email="other@example.org", display_name="王小明")


@pytest.fixture
def moderator(db):
    return MemberFactory(email="moderator@example.org", display_name="Mo Moderator", groups=["moderator"])


@pytest.fixture
def operator(db):
    return MemberFactory(
        email="operator@example.org", display_name="Opal Operator", is_staff=True, is_superuser=True
    )


@pytest.fixture
def member_client(client, member):
    client.force_login(member)
    return client
