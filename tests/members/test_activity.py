"""MemberActivityMiddleware records one ActiveDay per member per day."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory

from members.middleware import MemberActivityMiddleware
from members.models import ActiveDay

pytestmark = [pytest.mark.django_db, pytest.mark.activity_tracking]

middleware = MemberActivityMiddleware(lambda request: HttpResponse("ok"))


def request_by(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_a_signed_in_member_gets_one_active_day_however_many_requests(member, django_assert_num_queries):
    with django_assert_num_queries(1):  # the INSERT … ON CONFLICT DO NOTHING of the first request
        middleware(request_by(member))
    with django_assert_num_queries(0):  # the cache knows today is recorded
        for _ in range(5):
            middleware(request_by(member))
    assert ActiveDay.objects.filter(member=member).count() == 1


def test_the_next_day_is_recorded_again(member):
    start = datetime(2026, 3, 1, 12, tzinfo=UTC)
    with time_machine.travel(start, tick=False):
        middleware(request_by(member))
    with time_machine.travel(start + timedelta(days=1), tick=False):
        middleware(request_by(member))
        middleware(request_by(member))
    assert sorted(ActiveDay.objects.filter(member=member).values_list("day", flat=True)) == [
        start.date(),
        start.date() + timedelta(days=1),
    ]


def test_an_empty_cache_does_not_duplicate_a_day(member):
    from django.core.cache import cache

    middleware(request_by(member))
    cache.clear()
    middleware(request_by(member))
    assert ActiveDay.objects.filter(member=member).count() == 1


def test_visitors_are_not_recorded(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = middleware(request_by(AnonymousUser()))
    assert response.status_code == 200
    assert not ActiveDay.objects.exists()


def test_two_members_each_get_their_day(member, other_member):
    middleware(request_by(member))
    middleware(request_by(other_member))
    assert ActiveDay.objects.count() == 2
