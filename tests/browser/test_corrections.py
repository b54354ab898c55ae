"""Correction notes on a phone (issue 10): a moderator adds a note from a misleading report's review
item; a reader sees it above the post body, in English and in Chinese; the author replies."""

import pytest
from playwright.sync_api import expect

from content.models import CorrectionNote, CorrectionReply
from members.models import Member
from moderation.models import ModerationAction
from moderation.services import report_file
from tests.browser.test_moderation import assert_fits, log_in
from tests.factories import MemberFactory, PostFactory, SpaceFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

SOURCE = "https://www.who.int/news-room/fact-sheets/detail/drinking-water"


@pytest.mark.usefixtures("pending_zh")
def test_a_moderator_corrects_a_misleading_post_and_readers_see_it_above_the_body(live_server, page, shoot):
    author = MemberFactory(email="author@example.org", display_name="Ann Author")
    reporter = MemberFactory(email="reporter@example.org", display_name="Rita Reporter")
    reader = MemberFactory(email="reader@example.org", display_name="Rob Reader")
    moderator = MemberFactory(email="mod@example.org", display_name="Mo Moderator", groups=["moderator"])
    post = PostFactory(
        space=SpaceFactory(post_count=1),
        author=author,
        title="Tap water in every city is unsafe to drink",
        body="I read that tap water is unsafe everywhere, so always boil it for ten minutes.",
        body_html="<p>I read that tap water is unsafe everywhere, so always boil it for ten minutes.</p>",
    )
    report_file(
        reporter=reporter, kind="post", object_id=post.pk, reason="misleading", details="Not true in general."
    )

    log_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}/moderation/")
    page.get_by_role("link", name=post.title).click()
    form = page.locator("form.correction-form")
    expect(form).to_be_visible()  # offered at once for a misleading report
    # bad input first: the address is refused beside the field and the text is kept
    form.get_by_label("Correction note").fill(
        "Safety depends on the local supply; most city water is tested."
    )
    form.get_by_label("Sources").fill("javascript:alert(1)")
    form.get_by_role("button", name="Add the correction note").click()
    expect(page.get_by_text("is not a web address starting with http:// or https://")).to_be_visible()
    expect(form.get_by_label("Correction note")).to_have_value(
        "Safety depends on the local supply; most city water is tested."
    )
    assert_fits(page)
    shoot("01-item-bad-source-en-375")
    form.get_by_label("Sources").fill(SOURCE)
    form.get_by_role("button", name="Add the correction note").click()
    expect(page.get_by_text("Correction note added. The author has been told.")).to_be_visible()
    expect(page.locator("#correction")).to_contain_text("Safety depends on the local supply")
    assert_fits(page)
    shoot("02-item-with-note-en-375")
    assert ModerationAction.objects.filter(code="moderation.post.correction_added").count() == 1
    # from the post page, the same note can be changed or withdrawn
    page.goto(f"{live_server.url}/p/{post.pk}/")
    page.get_by_role("link", name="Change the correction note").click()
    expect(page.get_by_role("heading", name="Change the correction note")).to_be_visible()
    expect(page.get_by_label("Sources")).to_have_value(SOURCE)
    assert_fits(page)
    shoot("02b-change-form-en-375")

    log_in(page, live_server.url, reader.email)
    page.goto(f"{live_server.url}/p/{post.pk}/")
    box = page.locator("aside.correction-note")
    expect(box).to_contain_text("Correction note from the moderation team")
    expect(box).not_to_contain_text("Mo Moderator")
    expect(box.get_by_role("link", name=SOURCE)).to_have_attribute("rel", "nofollow noopener ugc")
    # above the body
    box_top = box.bounding_box()["y"]
    body_top = page.locator(".prose").bounding_box()["y"]
    assert box_top < body_top
    assert_fits(page)
    shoot("03-post-with-note-en-375")

    Member.objects.filter(pk=reader.pk).update(language="zh-hans")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("aside.correction-note")).to_contain_text("管理团队的更正说明")
    assert_fits(page)
    shoot("04-post-with-note-zh-375")

    Member.objects.filter(pk=author.pk).update(language="zh-hans")
    log_in(page, live_server.url, author.email)
    note = CorrectionNote.objects.get()
    page.goto(f"{live_server.url}/moderation/corrections/{note.pk}/")
    page.get_by_label("你给管理团队的回复").fill("我查了本地水务公司的报告，你们说得对。")
    page.get_by_role("button", name="发送回复").click()
    expect(page.get_by_text("你的回复已发送给管理团队。")).to_be_visible()
    assert_fits(page)
    shoot("05-author-reply-zh-375")
    assert CorrectionReply.objects.filter(author=author).count() == 1
