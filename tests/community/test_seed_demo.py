import re

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from members.models import Member

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.django_db
def test_seed_demo_builds_a_bilingual_community_and_a_second_run_changes_nothing():
    call_command("seed_demo")
    snapshot = list(Member.objects.order_by("pk").values())

    call_command("seed_demo")

    assert list(Member.objects.order_by("pk").values()) == snapshot
    assert Member.objects.count() >= 30
    names = list(Member.objects.values_list("display_name", flat=True))
    assert sum(bool(HAN.search(name)) for name in names) >= 10
    assert sum(not HAN.search(name) for name in names) >= 10
    assert Member.objects.filter(email="operator@example.com", is_superuser=True).exists()
    assert Member.objects.filter(email="moderator@example.com", groups__name="moderator").exists()
    assert EmailAddress.objects.filter(verified=True).count() == Member.objects.count()


@pytest.mark.django_db
def test_the_demo_queue_has_open_reports_of_several_kinds_once():
    from moderation.models import Report, ReviewItem

    call_command("seed_demo")
    call_command("seed_demo")

    assert ReviewItem.objects.exclude(status="decided").count() >= 3
    assert Report.objects.values("reason").distinct().count() >= 3
    assert Report.objects.count() == 8  # two reporters on each of four targets, filed once
