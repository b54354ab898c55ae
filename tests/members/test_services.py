from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone

from members.models import Member
from members.services import language_supported, member_purge_unverified_signups
from tests.factories import MemberFactory


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        ("zh-hans", "zh-hans"),
        ("zh-cn", "zh-hans"),
        ("zh", "zh-hans"),
        ("en-gb", "en"),
        ("fr", "en"),
        ("", "en"),
    ],
)
def test_language_supported_picks_the_closest_of_our_languages(asked, expected):
    assert language_supported(asked) == expected


@pytest.mark.legal("L11")
@pytest.mark.django_db
def test_unverified_signups_older_than_the_cutoff_are_purged_in_batches():
    now = timezone.now()
    stale = [MemberFactory(verified=False, date_joined=now - timedelta(days=8)) for _ in range(5)]
    recent = MemberFactory(verified=False, date_joined=now - timedelta(days=2))
    verified_old = MemberFactory(date_joined=now - timedelta(days=30))
    staff_unverified = MemberFactory(verified=False, is_staff=True, date_joined=now - timedelta(days=30))

    deleted = member_purge_unverified_signups(joined_before=now - timedelta(days=7), batch_size=2)

    assert deleted == 5
    assert not Member.objects.filter(pk__in=[m.pk for m in stale]).exists()
    assert not EmailAddress.objects.filter(user_id__in=[m.pk for m in stale]).exists()
    assert set(Member.objects.values_list("pk", flat=True)) == {
        recent.pk,
        verified_old.pk,
        staff_unverified.pk,
    }
    assert member_purge_unverified_signups(joined_before=now - timedelta(days=7)) == 0
