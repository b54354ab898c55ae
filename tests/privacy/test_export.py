"""LEGAL L7: the data export archive, its manifest, its limits and who may download it."""

import csv
import io
import json
import tracemalloc
import zipfile
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from content.models import Post
from members.models import Block
from privacy.consents import consent_grant
from privacy.export import export_build, export_request
from privacy.models import ConsentChannel, ConsentPurpose, ExportArchive, ExportStatus
from tests.factories import CommentFactory, MemberFactory, PostFactory

pytestmark = [pytest.mark.legal("L7"), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"


def built(member) -> ExportArchive:
    archive = export_request(member=member)
    return export_build(archive_id=archive.pk)


def archive_files(archive) -> dict[str, bytes]:
    with archive.file.open("rb") as handle, zipfile.ZipFile(handle) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


@pytest.fixture
def busy_member(member, other_member):
    post = PostFactory(author=member, title="My own post", body="Written by me")
    theirs = PostFactory(author=other_member, title="Their post", body="Written by them")
    CommentFactory(post=theirs, author=member, body="My reply to them")
    CommentFactory(post=post, author=other_member, body="Their reply to me")
    Block.objects.create(blocker=member, blocked=other_member)
    consent_grant(member=member, purpose=ConsentPurpose.MARKETING, channel=ConsentChannel.WEB, actor=member)
    return member


def test_the_archive_holds_a_manifest_and_the_members_posts_comments_and_consents(busy_member):
    archive = built(busy_member)
    assert archive.status == ExportStatus.READY
    assert archive.size > 0
    assert archive.expires_at == archive.ready_at + timedelta(days=7)
    files = archive_files(archive)

    manifest = json.loads(files["manifest.json"])
    listed = {entry["file"] for entry in manifest["files"]}
    assert set(files) - {"manifest.json"} == listed
    assert all(entry["contains"] and entry["purposes"] for entry in manifest["files"])

    posts = json.loads(files["posts.json"])
    assert [p["title"] for p in posts] == ["My own post"]
    comments = json.loads(files["comments.json"])
    assert [c["body"] for c in comments] == ["My reply to them"]
    consents = json.loads(files["consents.json"])
    assert [(c["purpose"], c["granted"]) for c in consents] == [("marketing", True)]
    for name, data in files.items():
        if name.endswith(".json"):
            json.loads(data)  # every JSON file parses
        if name.endswith(".csv"):
            header = next(csv.reader(io.StringIO(data.decode("utf-8"))))
            assert header, name


def test_no_other_members_email_or_name_is_anywhere_in_the_archive(busy_member, other_member):
    files = archive_files(built(busy_member))
    for name, data in files.items():
        assert other_member.email.encode() not in data, name
        assert other_member.display_name.encode() not in data, name
        assert b"Their reply to me" not in data, name
    blocks = json.loads(files["blocks.json"])
    assert blocks[0]["blocked"].startswith("member-")
    assert busy_member.email.encode() in files["profile.json"]


def test_a_second_request_while_one_is_open_returns_the_same_archive(member):
    first = export_request(member=member)
    assert export_request(member=member) == first
    assert ExportArchive.objects.filter(member=member).count() == 1


def test_building_twice_gives_one_archive(member):
    archive = export_request(member=member)
    once = export_build(archive_id=archive.pk)
    twice = export_build(archive_id=archive.pk)
    assert once.file.name == twice.file.name
    assert ExportArchive.objects.filter(member=member).count() == 1
    assert len(list(once.file.storage.listdir("")[1])) == 1


def test_the_request_is_sent_to_the_worker_after_commit(member, django_capture_on_commit_callbacks):
    with (
        mock.patch("privacy.export.build_export.delay") as delay,
        django_capture_on_commit_callbacks(execute=True),
    ):
        archive = export_request(member=member)
    delay.assert_called_once_with(archive.pk)


def test_a_broker_that_cannot_be_reached_is_logged_not_raised(
    member, django_capture_on_commit_callbacks, caplog
):
    failing = mock.patch("privacy.export.build_export.delay", side_effect=ConnectionError("no broker"))
    with failing, django_capture_on_commit_callbacks(execute=True):
        archive = export_request(member=member)
    assert archive.status == ExportStatus.REQUESTED
    assert "periodic retry" in caplog.text


def test_the_periodic_retry_builds_requests_left_behind(member):
    from privacy.export import retry_exports

    archive = export_request(member=member)
    with time_machine.travel(timezone.now() + timedelta(minutes=15)):
        assert retry_exports() == 1
    archive.refresh_from_db()
    assert archive.status == ExportStatus.READY


def test_the_owner_downloads_three_times_then_is_refused(member, member_client):
    archive = built(member)
    url = reverse("privacy:export_download", args=[archive.pk])
    for _ in range(3):
        response = member_client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"] == "application/zip"
        b"".join(response.streaming_content)
    response = member_client.get(url)
    assert response.status_code == 410
    assert b"no longer available" in response.content
    archive.refresh_from_db()
    assert archive.download_count == 3
    assert archive.status == ExportStatus.EXPIRED


def test_the_link_expires_after_seven_days(member, member_client):
    archive = built(member)
    url = reverse("privacy:export_download", args=[archive.pk])
    with time_machine.travel(archive.ready_at + timedelta(days=6, hours=23)):
        response = member_client.get(url)
        assert response.status_code == 200
        b"".join(response.streaming_content)
    with time_machine.travel(archive.ready_at + timedelta(days=7, minutes=1)):
        assert member_client.get(url).status_code == 410


@pytest.mark.parametrize("who", ["other_member", "moderator", "operator"])
def test_nobody_else_sees_or_downloads_the_archive(member, client, request, who):
    archive = built(member)
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("privacy:export_status", args=[archive.pk])).status_code == 404
    assert client.get(reverse("privacy:export_download", args=[archive.pk])).status_code == 404


def test_an_anonymous_visitor_is_sent_to_log_in(member, client):
    archive = built(member)
    response = client.get(reverse("privacy:export_download", args=[archive.pk]))
    assert response.status_code == 302
    assert "login" in response["Location"]


@mock.patch("privacy.export.build_export.delay")
def test_the_centre_button_requests_an_export_and_the_status_page_polls_until_ready(
    _delay, member, member_client
):
    assert "Download my data" in member_client.get(reverse("privacy:centre")).content.decode()
    response = member_client.post(reverse("privacy:export_request"))
    archive = ExportArchive.objects.get(member=member)
    assert response.status_code == 302
    assert response["Location"] == reverse("privacy:export_status", args=[archive.pk])
    page = member_client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 3s"' in page
    export_build(archive_id=archive.pk)
    page = member_client.get(response["Location"]).content.decode()
    assert "every 3s" not in page
    assert reverse("privacy:export_download", args=[archive.pk]) in page


def _peak_building(member) -> int:
    ExportArchive.objects.filter(member=member).delete()
    archive = export_request(member=member)
    tracemalloc.start()
    try:
        export_build(archive_id=archive.pk)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def _posts(member, space, count):
    now = timezone.now()
    Post.objects.bulk_create(
        [
            Post(
                space=space,
                author=member,
                title=f"Post number {n}",
                body="Some text that is long enough to matter. " * 10,
                body_html="<p>Some text</p>",
                body_fingerprint=f"{n:064d}",
                created_at=now,
                last_activity_at=now,
            )
            for n in range(count)
        ]
    )


def test_memory_stays_flat_for_a_member_with_ten_thousand_posts():
    member = MemberFactory()
    space = PostFactory(author=member).space
    Post.objects.filter(author=member).delete()
    _posts(member, space, 1000)
    small = _peak_building(member)
    _posts(member, space, 9000)
    large = _peak_building(member)
    assert large < 2 * small, (small, large)


def test_reports_filed_and_actions_against_the_member_come_with_reason_and_rule(
    member, other_member, moderator
):
    from moderation.models import ModerationAction
    from moderation.services import report_file

    theirs = PostFactory(author=other_member)
    report_file(reporter=member, kind="post", object_id=theirs.pk, reason="spam", details="Looks like spam")
    mine = PostFactory(author=member)
    ModerationAction.objects.create(
        moderator=moderator,
        action="hide",
        kind="post",
        object_id=mine.pk,
        target_author=member,
        reason="Selling things.",
        rule="Rule 3: no adverts",
    )
    files = archive_files(built(member))
    reports = json.loads(files["reports_filed.json"])
    assert [(r["reason"], r["details"]) for r in reports] == [("spam", "Looks like spam")]
    actions = json.loads(files["moderation_actions.json"])
    assert [(a["reason"], a["rule"]) for a in actions] == [("Selling things.", "Rule 3: no adverts")]
    for name, data in files.items():
        for person in (other_member, moderator):
            assert person.email.encode() not in data, name
            assert person.display_name.encode() not in data, name


def test_retention_deletes_spent_archives_and_their_files(member, django_capture_on_commit_callbacks):
    from privacy.export import exports_purge

    archive = built(member)
    storage, name = archive.file.storage, archive.file.name
    assert storage.exists(name)
    later = archive.ready_at + timedelta(days=8)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        assert exports_purge(later - timedelta(days=7)) == 0  # the file goes, the row stays 7 more days
    archive.refresh_from_db()
    assert archive.status == ExportStatus.EXPIRED
    assert not storage.exists(name)
    much_later = later + timedelta(days=8)
    with time_machine.travel(much_later):
        assert exports_purge(much_later - timedelta(days=7)) == 1
    assert not ExportArchive.objects.filter(pk=archive.pk).exists()


def test_a_build_in_progress_is_left_alone_until_its_worker_is_evidently_gone(member):
    from privacy.export import retry_exports

    archive = export_request(member=member)
    ExportArchive.objects.filter(pk=archive.pk).update(status=ExportStatus.BUILDING)
    assert export_build(archive_id=archive.pk).status == ExportStatus.BUILDING
    with time_machine.travel(timezone.now() + timedelta(hours=2)):
        assert retry_exports() == 1
    archive.refresh_from_db()
    assert archive.status == ExportStatus.READY
