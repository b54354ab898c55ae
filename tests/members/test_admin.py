"""Operators see blocks, mutes, active days and trust levels in the admin, without N+1 queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from members.models import ActiveDay
from members.services import member_block, member_mute
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["block", "mute", "activeday", "member"])
def test_operators_see_the_members_admin_lists(client, operator, member, other_member, model):
    member_block(blocker=member, blocked=other_member)
    member_mute(muter=member, muted=other_member)
    ActiveDay.objects.create(member=member, day="2026-01-02")
    client.force_login(operator)

    response = client.get(reverse(f"admin:members_{model}_changelist"))

    assert response.status_code == 200
    assert "Mia Member" in response.content.decode()


def test_the_member_admin_edits_trust_level_lock_and_visibility(client, operator, member):
    client.force_login(operator)
    url = reverse("admin:members_member_change", args=[member.pk])
    # opening a member's personal data asks the reason first (LEGAL L23, the staff access log)
    html = client.get(url, {"reason": "Checking the admin form"}).content.decode()
    for field in ("trust_level", "trust_level_locked", "profile_visibility", "bio"):
        assert f'name="{field}"' in html


def block(first, other):
    member_block(blocker=first, blocked=other)


def mute(first, other):
    member_mute(muter=first, muted=other)


@pytest.mark.parametrize(("model", "make"), [("block", block), ("mute", mute)])
def test_the_block_and_mute_admin_lists_do_not_grow_in_queries(client, operator, model, make):
    """The operator, the two counts of the paginator, the rows with both members (list_select_related),
    the date hierarchy and the header's inbox count: the same number for 1 and 30 rows."""
    first = MemberFactory()
    client.force_login(operator)
    url = reverse(f"admin:members_{model}_changelist")
    counts = []
    for rows in (1, 29):
        for other in MemberFactory.create_batch(rows):
            make(first, other)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_active_day_admin_list_does_not_grow_in_queries(client, operator):
    client.force_login(operator)
    url = reverse("admin:members_activeday_changelist")
    counts = []
    for start in (0, 1):
        ActiveDay.objects.bulk_create(
            [
                ActiveDay(member=MemberFactory(), day=f"2026-01-{day:02d}")
                for day in range(1 + start, 2 + start * 29)
            ]
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_members_and_moderators_cannot_open_the_admin(client, member, moderator):
    for person in (member, moderator):
        client.force_login(person)
        response = client.get(reverse("admin:members_block_changelist"))
        assert response.status_code == 302
