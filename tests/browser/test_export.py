"""LEGAL L7 in headless Chromium on a phone: a member asks for their data, the status page polls while
the archive is built and then offers the download."""

from unittest import mock

import pytest
from playwright.sync_api import expect

from privacy.export import export_build
from privacy.models import ExportArchive
from tests.browser.test_privacy import assert_fits, log_in
from tests.factories import MemberFactory
from tests.privacy.conftest import privacy_seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.legal("L7")]


@pytest.fixture(autouse=True)
def _ready(settings, tmp_path):
    from content.privacy import register as content_register
    from members.privacy import register as members_register
    from moderation.privacy import register as moderation_register

    privacy_seed()
    members_register()
    content_register()
    moderation_register()
    settings.EXPORT_ROOT = tmp_path / "exports"


def test_a_member_asks_for_their_data_and_the_page_offers_the_download_when_ready(live_server, page, shoot):
    member = MemberFactory(email="export@example.org")
    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/privacy/")
    with mock.patch("privacy.export.build_export.delay"):
        page.get_by_role("button", name="Prepare my data").click()
        expect(page.get_by_text("We are preparing your archive.")).to_be_visible()
    assert_fits(page)
    shoot("01-preparing")
    export_build(archive_id=ExportArchive.objects.get(member=member).pk)
    link = page.get_by_role("link", name="Download (ZIP)")
    expect(link).to_be_visible(timeout=8000)
    assert_fits(page)
    shoot("02-ready")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.startswith("my-data-")
    assert ExportArchive.objects.get(member=member).download_count == 1
