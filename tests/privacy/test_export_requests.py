"""LEGAL L7, L8: the member's requests and account deletions are in their export; "your export is ready"
is a signal other apps connect to (privacy imports none of them)."""

import json
import zipfile

import pytest
from django.test import TestCase

from privacy.access_log import access_log_flush
from privacy.deletion import deletion_cancel, deletion_request
from privacy.export import export_build, export_request
from privacy.models import ExportArchive, ExportStatus
from privacy.requests import data_request_decide, data_request_file
from privacy.signals import export_ready
from tests.factories import PASSWORD

pytestmark = [pytest.mark.legal("L7"), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _exports_in_tmp(settings, tmp_path):
    settings.EXPORT_ROOT = tmp_path / "exports"


def files_of(archive: ExportArchive) -> dict[str, bytes]:
    with archive.file.open("rb") as handle, zipfile.ZipFile(handle) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def build(member) -> ExportArchive:
    with TestCase.captureOnCommitCallbacks(execute=True):
        return export_build(archive_id=export_request(member=member).pk)


@pytest.mark.legal("L8")
def test_the_export_has_the_members_requests_with_status_and_answer_and_their_deletion_requests(
    member, other_member, operator
):
    refused = data_request_file(member=member, kind="correction", details="My birthday is wrong")
    data_request_decide(request=refused, by=operator, status="refused", reason="We do not store birthdays.")
    data_request_file(member=other_member, kind="complaint", details="Someone else's complaint")
    deletion_request(member=member, password=PASSWORD)
    deletion_cancel(member=member)

    files = files_of(build(member))

    requests = json.loads(files["requests.json"])
    assert [(r["kind"], r["details"], r["status"], r["refusal_reason"]) for r in requests] == [
        ("correction", "My birthday is wrong", "refused", "We do not store birthdays.")
    ]
    assert "handled_by" not in requests[0] and operator.email.encode() not in files["requests.json"]
    assert b"Someone else" not in files["requests.json"]
    assert b"received,kind,details,status,due,decided,refusal_reason" in files["requests.csv"]
    deletions = json.loads(files["account_deletion_requests.json"])
    assert len(deletions) == 1 and deletions[0]["cancelled"] is not None
    manifest = json.loads(files["manifest.json"])
    described = {f["file"]: f for f in manifest["files"]}
    assert described["requests.json"]["categories"][0]["key"] == "request_cases"


@pytest.mark.legal("L11")
def test_the_export_has_the_members_sign_ins(client, member):
    client.force_login(member)
    client.get("/privacy/", REMOTE_ADDR="203.0.113.44")
    access_log_flush()
    files = files_of(build(member))
    assert len(json.loads(files["sign_ins.json"])) == 1
    requests = json.loads(files["access_log.json"])
    assert [(r["path"], r["ip"]) for r in requests] == [("/privacy/", "203.0.113.44")]


def test_a_ready_export_is_announced_after_commit_with_the_member_and_the_link(member):
    heard = []

    def receiver(sender, member_id, archive_id, url, **kwargs):
        heard.append((member_id, archive_id, url))

    export_ready.connect(receiver)
    try:
        archive = export_request(member=member)
        with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
            export_build(archive_id=archive.pk)
        assert heard == []  # not before the row is committed
        for callback in callbacks:
            callback()
    finally:
        export_ready.disconnect(receiver)
    assert heard == [(member.pk, archive.pk, f"/privacy/export/{archive.pk}/")]


def test_a_failing_receiver_does_not_fail_the_export(member):
    def broken(**kwargs):
        raise RuntimeError("the inbox is down")

    export_ready.connect(broken)
    try:
        archive = build(member)
    finally:
        export_ready.disconnect(broken)
    assert archive.status == ExportStatus.READY
