"""Operators see what the delivery engine did, and why an email was not sent."""

import pytest
from django.urls import reverse

from content.delivery.models import Delivery
from tests.factories import MemberFactory


def _row(recipient, reason, source_id):
    return Delivery.objects.create(
        source_kind="post.published",
        source_id=source_id,
        recipient=recipient,
        channel="email",
        category="promotional",
        status="cancelled",
        reason=reason,
        due_at="2026-11-30T00:00:00Z",
    )


@pytest.mark.legal("L13")
def test_operators_count_the_promotions_held_back_by_the_weekly_rule(client, operator):
    for number in range(3):
        _row(MemberFactory(), "one promotional message a week", number)
    _row(MemberFactory(), "no marketing consent", 9)
    client.force_login(operator)

    url = reverse("admin:content_delivery_changelist")
    page = client.get(url, {"reason": "one promotional message a week"}).content.decode()

    assert "3 deliveries" in page
    assert "one promotional message a week" in page


def test_the_delivery_changelist_costs_the_same_queries_for_one_or_fifty_rows(
    client, operator, django_assert_num_queries
):
    client.force_login(operator)
    url = reverse("admin:content_delivery_changelist")
    _row(MemberFactory(), "daily cap", 1)
    client.get(url)  # warm the content types and permissions
    # session, member, permissions, counts (filtered and total), date bounds, the page with recipients
    with django_assert_num_queries(8):
        client.get(url)
    for number in range(49):
        _row(MemberFactory(), "daily cap", 100 + number)
    with django_assert_num_queries(8):
        client.get(url)
