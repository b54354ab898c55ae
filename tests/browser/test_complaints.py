"""Complaints on a phone (LEGAL L19): a member files a complaint from the footer and sees its reference,
a moderator answers from the desk, the member reads the answer — in English, then in Chinese. And a
rights holder's IP notice without evidence is refused beside the field (LEGAL L22)."""

import importlib

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from members.models import Member
from moderation.models import Complaint, IpNotice, ModerationAction, ReviewItem
from moderation.services import report_file
from privacy.models import PolicyDocument, PolicyVersion
from tests.browser.test_moderation import assert_fits, log_in
from tests.factories import MemberFactory, PostFactory, SpaceFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _file(page, *, topic: str, subject: str, body: str, send: str) -> None:
    page.get_by_label(topic).check()
    page.locator("[name=subject]").fill(subject)
    page.locator("[name=body]").fill(body)
    page.get_by_role("button", name=send, exact=True).click()


@pytest.mark.legal("L19")
@pytest.mark.usefixtures("pending_zh")
def test_a_complaint_is_filed_answered_and_read_on_a_phone(live_server, page, shoot):
    member = MemberFactory(email="mia@example.org", display_name="Mia Member")
    moderator = MemberFactory(email="mod@example.org", display_name="Mo Moderator", groups=["moderator"])

    log_in(page, live_server.url, member.email)
    page.get_by_role("link", name="Complaints and feedback").click()
    expect(page.locator("h1")).to_have_text("Complaints and feedback")
    page.get_by_label("The service").check()
    page.locator("[name=subject]").fill("The digest arrives at noon")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".field.has-error")).to_contain_text("This field is required.")
    expect(page.locator("[name=subject]")).to_have_value("The digest arrives at noon")
    assert_fits(page)
    shoot("01-form-error")
    page.locator("[name=body]").fill("I chose 8:00 in my settings, but the digest comes at noon every day.")
    page.get_by_role("button", name="Send", exact=True).click()
    complaint = Complaint.objects.get()
    expect(page.get_by_text(f"Your complaint has the reference {complaint.reference}")).to_be_visible()
    expect(page.locator("dd.reference")).to_have_text(complaint.reference)
    assert_fits(page)
    shoot("02-reference")

    log_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}/moderation/complaints/")
    expect(page.locator(".complaint-row")).to_contain_text(complaint.reference)
    assert_fits(page)
    shoot("03-desk")
    page.get_by_role("link", name="The digest arrives at noon").click()
    page.get_by_label("Reply").fill(
        "Thank you: the digest now follows your time zone. It was a bug on our side."
    )
    assert_fits(page)
    shoot("04-answer")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply sent. The member has been told.")).to_be_visible()

    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/moderation/complaints/mine/")
    expect(page.locator(".complaint-row")).to_contain_text("Answered")
    page.get_by_role("link", name="The digest arrives at noon").click()
    expect(page.locator(".message-item.from-staff")).to_contain_text("the digest now follows your time zone")
    expect(page.locator(".message-item.from-staff")).to_contain_text("Community team")
    expect(page.locator("main")).not_to_contain_text("Mo Moderator")
    assert_fits(page)
    shoot("05-member-reads-answer")

    # The same journey in Chinese.
    Member.objects.filter(pk__in=[member.pk, moderator.pk]).update(language="zh-hans")
    page.goto(f"{live_server.url}/moderation/complaints/new/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text("投诉与反馈")
    _file(page, topic="我的个人信息", subject="我的旧地址", body="请删除我资料里的旧地址。", send="发送")
    second = Complaint.objects.exclude(pk=complaint.pk).get()
    expect(page.get_by_text(f"你的投诉编号为 {second.reference}")).to_be_visible()
    assert_fits(page)
    shoot("06-reference-zh")

    log_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}/moderation/complaints/")
    expect(page.locator("h1")).to_have_text("投诉处理台")
    assert_fits(page)
    shoot("07-desk-zh")
    page.get_by_role("link", name="我的旧地址").click()
    page.get_by_label("回复").fill("已删除，谢谢你告诉我们。")
    page.get_by_role("button", name="发送回复").click()
    expect(page.get_by_text("答复已发送，已通知该成员。")).to_be_visible()

    log_in(page, live_server.url, member.email)
    page.goto(f"{live_server.url}/moderation/complaints/mine/{second.pk}/")
    expect(page.locator(".message-item.from-staff")).to_contain_text("已删除，谢谢你告诉我们。")
    expect(page.locator(".message-item.from-staff")).to_contain_text("社区团队")
    assert_fits(page)
    shoot("08-member-reads-answer-zh")


@pytest.mark.legal("L22")
def test_an_ip_notice_without_evidence_is_refused_beside_the_field_on_a_phone(live_server, page, shoot):
    post = PostFactory(space=SpaceFactory(post_count=1), title="Brand shoes, cheap")
    page.goto(f"{live_server.url}/moderation/ip-notice/")
    page.get_by_label("Your name").fill("Lin Wei")
    page.get_by_label("Organisation (if you act for one)").fill("Brand Co.")
    page.get_by_label("Your email address").fill("legal@brand.example")
    page.get_by_label("Trademark").check()
    page.get_by_label("Address of the content on this site").fill(f"{live_server.url}/p/{post.pk}/")
    page.get_by_label("I state in good faith").check()
    page.get_by_role("button", name="Send the notice").click()
    errors = page.locator(".field.has-error")
    expect(errors).to_have_count(2)  # the evidence and its link, each beside its field
    expect(errors.first).to_contain_text("A notice needs evidence of your right")
    expect(errors.last).to_contain_text("A notice needs a link to the evidence")
    expect(page.get_by_label("Your name")).to_have_value("Lin Wei")
    assert_fits(page)
    shoot("01-no-evidence")
    page.get_by_label("Registration or evidence").fill("Trademark registration No. 12345678, class 25.")
    page.get_by_label("Link to the evidence").fill("https://tmsearch.example/12345678")
    page.get_by_role("button", name="Send the notice").click()
    notice = IpNotice.objects.get()
    expect(page.get_by_text(f"Your notice number is {notice.pk}")).to_be_visible()
    assert_fits(page)
    shoot("02-received")


def ensure_community_rules() -> str:
    """The seeded community rules (a transactional test's flush may have removed them)."""
    seed = importlib.import_module("privacy.migrations.0002_seed_policies")
    document, _created = PolicyDocument.objects.get_or_create(kind="community_rules")
    PolicyVersion.objects.get_or_create(
        document=document,
        label=seed.LABEL,
        defaults={"body_en": seed.RULES_EN, "body_zh": seed.RULES_ZH, "published_at": timezone.now()},
    )
    return seed.LABEL


@pytest.mark.legal("L18")
@pytest.mark.usefixtures("pending_zh")
def test_a_moderator_cites_a_numbered_rule_of_the_current_version_on_a_phone(live_server, page, shoot):
    label = ensure_community_rules()
    author = MemberFactory(email="author@example.org", display_name="Ann Author", language="zh-hans")
    moderator = MemberFactory(email="mod@example.org", groups=["moderator"])
    post = PostFactory(space=SpaceFactory(post_count=1), author=author, title="Cheap watches")
    report_file(reporter=MemberFactory(), kind="post", object_id=post.pk, reason="spam")
    item = ReviewItem.objects.get()

    log_in(page, live_server.url, moderator.email)
    page.goto(f"{live_server.url}/moderation/items/{item.pk}/")
    page.get_by_label("Hide", exact=True).check()
    page.get_by_label("Reason (the author reads this)").fill("Advertising a shop.")
    page.get_by_label("Community rule").select_option(value=f"{label}#3")
    assert_fits(page)
    shoot("01-decide-with-rule")
    page.get_by_role("button", name="Decide").click()
    expect(page.get_by_text("Decided. The author and the reporters have been told.")).to_be_visible()
    assert ModerationAction.objects.get().rule_version == label

    log_in(page, live_server.url, author.email)
    page.goto(f"{live_server.url}/moderation/decisions/")
    # the rule in the author's language, with the version it comes from (L18)
    expect(page.locator(".decision")).to_contain_text(
        f"社区规则 {label} 版，第 3 条：禁止垃圾信息和未标明的广告。"
    )
    assert_fits(page)
    shoot("02-decision-zh")
