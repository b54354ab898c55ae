"""LEGAL L11, L12, L6: the access log the Cybersecurity Law requires, written without a query on the
request's path, partitioned by month, purged by dropping partitions, shown to the member."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from privacy.access_log import (
    access_log_flush,
    access_log_partitions,
    access_log_partitions_ensure,
    access_log_pending,
    access_log_record,
    client_ip,
    device_label,
    ip_prefix,
)
from privacy.middleware import AccessLogMiddleware
from privacy.models import AccessLog, AccessLogKind, LegalHold, RetentionCategory, RetentionRun
from privacy.retention import retention_apply_category
from privacy.services import account_closure_record
from privacy.tasks import flush_access_log
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)


def days_ago(days: float) -> datetime:
    return timezone.now() - timedelta(days=days)


def month_of(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def plant(member_id: int, *, at: datetime, n: int = 1, kind: str = AccessLogKind.REQUEST) -> None:
    AccessLog.objects.bulk_create(
        AccessLog(
            member_ref=member_id,
            ip="203.0.113.9",
            method="GET",
            path="/",
            status=200,
            time=at,
            user_agent=FIREFOX,
            kind=kind,
        )
        for _ in range(n)
    )


def rows_in(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - a test's own table name
        return cursor.fetchone()[0]


# --- writing ----------------------------------------------------------------------------------------


@pytest.mark.legal("L11")
def test_a_signed_in_request_is_logged_with_member_ip_method_path_status_and_time(member_client, member):
    before = timezone.now()
    member_client.get("/privacy/", REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT=FIREFOX)
    member_client.post("/privacy/consents/marketing/", {"decision": "nonsense"}, REMOTE_ADDR="203.0.113.7")
    assert not AccessLog.objects.exists()  # queued, not yet written
    assert flush_access_log.run() == 3  # the fixture's sign-in and the two requests
    first, second = AccessLog.objects.filter(kind="request").order_by("time", "id")
    assert (first.member_ref, first.ip, first.method, first.path, first.status, first.kind) == (
        member.pk,
        "203.0.113.7",
        "GET",
        "/privacy/",
        200,
        "request",
    )
    assert first.user_agent == FIREFOX and before <= first.time <= timezone.now()
    assert (second.method, second.path, second.status) == ("POST", "/privacy/consents/marketing/", 400)
    assert access_log_pending() == 0


def test_visitors_requests_are_not_logged(client):
    client.get("/privacy/policies/")
    assert access_log_flush() == 0


@pytest.mark.legal("L11")
def test_every_sign_in_is_logged(client, member):
    response = client.post(
        "/accounts/login/",
        {"login": member.email, "password": PASSWORD},
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT=IPHONE,
    )
    assert response.status_code == 302
    access_log_flush()
    sign_in = AccessLog.objects.get(member_ref=member.pk, kind=AccessLogKind.SIGN_IN)
    assert (sign_in.ip, sign_in.path, sign_in.user_agent) == ("198.51.100.23", "/accounts/login/", IPHONE)


@pytest.mark.legal("L11")
def test_logging_costs_the_request_no_query(rf, member, django_assert_num_queries):
    request = rf.get("/s/", REMOTE_ADDR="203.0.113.1")
    request.user = member  # already loaded, as AuthenticationMiddleware leaves it
    middleware = AccessLogMiddleware(lambda r: HttpResponse("ok"))
    with django_assert_num_queries(0):
        for _ in range(20):
            middleware(request)
    assert access_log_pending() == 20
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        middleware(request)
    assert access_log_pending() == 20


@pytest.mark.legal("L11")
def test_a_signed_in_page_costs_the_same_queries_with_and_without_the_access_log(member):
    def count(middleware) -> int:
        with override_settings(MIDDLEWARE=middleware):
            client = Client()  # a client loads its middleware once
            client.force_login(member)
            client.get("/privacy/policies/")  # warm: the banners' cache
            with CaptureQueriesContext(connection) as queries:
                client.get("/privacy/policies/")
        return len(queries)

    without = [m for m in settings.MIDDLEWARE if m != "privacy.middleware.AccessLogMiddleware"]
    assert "privacy.middleware.AccessLogMiddleware" in settings.MIDDLEWARE
    assert count(settings.MIDDLEWARE) == count(without)


def test_the_flush_writes_a_batch_with_one_insert(member):
    for n in range(250):
        access_log_record(member_id=member.pk, ip="203.0.113.5", method="GET", path=f"/p/{n}", status=200)
    with CaptureQueriesContext(connection) as queries:
        assert access_log_flush() == 250
    inserts = [q for q in queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    assert AccessLog.objects.count() == 250


def test_a_flush_that_dies_before_commit_loses_nothing(member):
    access_log_record(member_id=member.pk, ip=None, method="GET", path="/", status=200)
    with (
        mock.patch("privacy.access_log.access_log_write", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        access_log_flush()
    assert access_log_pending() == 1
    assert access_log_flush() == 1
    assert AccessLog.objects.count() == 1


def test_without_redis_each_process_buffers_and_writes_every_hundred_rows(member, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    for n in range(99):
        access_log_record(member_id=member.pk, ip=None, method="GET", path=f"/{n}", status=200)
    assert AccessLog.objects.count() == 0
    access_log_record(member_id=member.pk, ip=None, method="GET", path="/last", status=200)
    assert AccessLog.objects.count() == 100


@pytest.mark.legal("L11")
def test_without_redis_a_failed_write_keeps_the_buffered_rows_for_the_next_flush(member, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    access_log_record(member_id=member.pk, ip=None, method="GET", path="/first", status=200)
    with (
        mock.patch("privacy.access_log.access_log_write", side_effect=RuntimeError("database gone")),
        pytest.raises(RuntimeError),
    ):
        access_log_flush()
    access_log_record(member_id=member.pk, ip=None, method="GET", path="/second", status=200)
    assert access_log_pending() == 2
    assert access_log_flush() == 2
    assert list(AccessLog.objects.order_by("time", "id").values_list("path", flat=True)) == [
        "/first",
        "/second",
    ]


# --- partitions -------------------------------------------------------------------------------------


@pytest.mark.legal("L11")
def test_the_table_is_partitioned_by_month_with_the_coming_months_ready():
    access_log_partitions_ensure()
    starts = [p.start for p in access_log_partitions()]
    this_month = month_of(timezone.now())
    assert this_month in starts
    assert max(starts) > this_month + timedelta(days=55)  # two months ahead
    assert access_log_partitions_ensure() == []  # idempotent


def test_a_row_of_a_month_without_partition_waits_in_the_default_one_and_moves_when_it_is_made(member):
    moment = days_ago(400)
    plant(member.pk, at=moment, n=3)
    assert rows_in("privacy_accesslog_default") == 3
    created = access_log_partitions_ensure(since=moment.date())
    assert f"privacy_accesslog_p{moment:%Y%m}" in created
    assert rows_in("privacy_accesslog_default") == 0
    assert rows_in(f"privacy_accesslog_p{moment:%Y%m}") == 3
    assert AccessLog.objects.count() == 3


# --- retention --------------------------------------------------------------------------------------


@pytest.mark.legal("L11")
@pytest.mark.legal("L12")
def test_retention_drops_old_months_whole_deletes_the_partial_month_and_leaves_proof(member):
    old, partial, young = days_ago(260), days_ago(191), days_ago(20)
    access_log_partitions_ensure(since=old.date())
    plant(member.pk, at=old, n=30)
    plant(member.pk, at=partial, n=5)
    plant(member.pk, at=young, n=2)
    month_of_old = f"privacy_accesslog_p{old:%Y%m}"
    category = RetentionCategory.objects.get(key="access_logs")
    assert (category.keep_days, category.floor_days) == (190, 183)

    run = retention_apply_category(category=category)

    names = {p.name for p in access_log_partitions()}
    assert month_of_old not in names  # dropped, not emptied row by row
    assert AccessLog.objects.count() == 2
    assert run.rows_affected == 35
    # L12: the proof holds counts and times, nothing about whom.
    proof = RetentionRun.objects.get(pk=run.pk)
    assert proof.category.key == "access_logs" and proof.finished_at >= proof.started_at
    assert abs((proof.cutoff - days_ago(190)).total_seconds()) < 60
    assert retention_apply_category(category=category).rows_affected == 0  # a second run: nothing


@pytest.mark.legal("L11")
def test_a_legal_hold_pauses_the_access_log_purge(member):
    access_log_partitions_ensure(since=days_ago(260).date())
    plant(member.pk, at=days_ago(260), n=3)
    category = RetentionCategory.objects.get(key="access_logs")
    LegalHold.objects.create(category=category, member_id_held=member.pk, reason="police request")
    assert retention_apply_category(category=category).rows_affected == 0
    assert AccessLog.objects.count() == 3


@pytest.mark.legal("L9")
@pytest.mark.legal("L11")
def test_a_closed_accounts_log_goes_at_the_six_month_floor_everyone_elses_at_190_days(member, other_member):
    account_closure_record(member_id=member.pk)
    plant(member.pk, at=days_ago(185))
    plant(other_member.pk, at=days_ago(185))
    retention_apply_category(category=RetentionCategory.objects.get(key="access_logs"))
    assert list(AccessLog.objects.values_list("member_ref", flat=True)) == [other_member.pk]


# --- what the member sees ---------------------------------------------------------------------------


@pytest.mark.legal("L6")
def test_the_privacy_centre_shows_recent_sign_ins_with_approximate_place_and_device(member_client, member):
    plant(member.pk, at=days_ago(1), kind=AccessLogKind.SIGN_IN)
    AccessLog.objects.create(
        member_ref=member.pk,
        ip="2001:db8:85a3::8a2e:370:7334",
        method="POST",
        path="/accounts/login/",
        status=200,
        time=days_ago(0.5),
        user_agent=IPHONE,
        kind=AccessLogKind.SIGN_IN,
    )
    plant(member.pk, at=days_ago(0.1))  # a page view is not a sign-in
    page = member_client.get("/privacy/").content.decode()
    assert "Your recent sign-ins" in page
    assert "203.0.113.x" in page and "203.0.113.9" not in page
    assert "2001:db8:85a3:…" in page
    assert "Firefox on Windows" in page and "Safari on iPhone" in page


@pytest.mark.legal("L6")
def test_another_members_sign_ins_are_not_shown(member_client, other_member):
    plant(other_member.pk, at=days_ago(1), kind=AccessLogKind.SIGN_IN)
    assert "203.0.113.x" not in member_client.get("/privacy/").content.decode()


def test_place_and_device_are_read_from_the_address_and_the_browser():
    assert ip_prefix("203.0.113.77") == "203.0.113.x"
    assert ip_prefix("2001:0db8:0000:0000::1") == "2001:db8:0:…"
    assert ip_prefix(None) == "—"
    assert device_label(FIREFOX) == "Firefox on Windows"
    assert device_label(IPHONE) == "Safari on iPhone"
    assert device_label("Mozilla/5.0 (Linux; Android 14) Chrome/126.0 Mobile Safari/537.36") == (
        "Chrome on Android"
    )
    assert device_label("") == "Unknown device"


def test_the_client_address_behind_a_proxy_is_the_one_the_proxy_saw(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.50")
    settings.TRUSTED_PROXY_HOPS = 0
    assert client_ip(request) == "10.0.0.2"
    settings.TRUSTED_PROXY_HOPS = 1
    assert client_ip(request) == "203.0.113.50"  # never the left, which the client can write
    assert client_ip(rf.get("/", REMOTE_ADDR="not an address")) is None


@pytest.mark.legal("L7")
def test_the_export_has_the_members_sign_ins_and_requests(member, other_member):
    from privacy.access_log import access_log_export

    plant(member.pk, at=days_ago(1), kind=AccessLogKind.SIGN_IN)
    plant(member.pk, at=days_ago(1), n=2)
    plant(other_member.pk, at=days_ago(1), n=5)
    sections = {s.name: list(s.rows()) for s in access_log_export(member_id=member.pk)}
    assert len(sections["sign_ins"]) == 1 and sections["sign_ins"][0]["device"] == "Firefox on Windows"
    assert len(sections["access_log"]) == 2
    assert sections["access_log"][0]["ip"] == "203.0.113.9"
