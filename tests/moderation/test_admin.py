import pytest

from moderation.models import ModerationAction, ReviewItem
from moderation.services import report_file, review_item_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def decided(member, post, moderator):
    report_file(reporter=member, kind="post", object_id=post.pk, reason="spam", details="")
    review_item_decide(item=ReviewItem.objects.get(), by=moderator, action="hide", reason="Ads.", rule="R4")
    return ReviewItem.objects.get()


def test_operators_browse_items_reports_and_the_audit_log_in_the_admin(client, operator, decided):
    client.force_login(operator)
    for url in (
        "/admin/moderation/reviewitem/",
        f"/admin/moderation/reviewitem/{decided.pk}/change/",
        "/admin/moderation/report/",
        "/admin/moderation/moderationaction/",
    ):
        assert client.get(url).status_code == 200, url


def test_the_audit_log_cannot_be_added_changed_or_deleted_in_the_admin(client, operator, decided):
    action = ModerationAction.objects.get()
    client.force_login(operator)
    assert client.get("/admin/moderation/moderationaction/add/").status_code == 403
    assert client.get(f"/admin/moderation/moderationaction/{action.pk}/delete/").status_code == 403
    client.post(f"/admin/moderation/moderationaction/{action.pk}/change/", {"reason": "rewritten"})
    assert ModerationAction.objects.get().reason == "Ads."
