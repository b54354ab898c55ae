"""Decisions cite a numbered rule of the published community-rules version (LEGAL L18)."""

import pytest
from django.utils import timezone, translation

from content.models import InboxItem
from moderation.community_rules import RuleNotInDocument, rule_resolve, rulebook_current, rules_parse
from moderation.forms import DecideForm
from moderation.models import ModerationAction, ReviewItem
from moderation.services import report_file, review_item_decide
from privacy.models import PolicyDocument, PolicyVersion

pytestmark = pytest.mark.django_db

SEEDED = "2026-11"  # privacy/migrations/0002_seed_policies.py


@pytest.fixture
def item(member, post):
    report_file(reporter=member, kind="post", object_id=post.pk, reason="spam")
    return ReviewItem.objects.get()


def _publish(label: str, body_en: str, body_zh: str = "") -> PolicyVersion:
    document = PolicyDocument.objects.get(kind="community_rules")
    return PolicyVersion.objects.create(
        document=document, label=label, body_en=body_en, body_zh=body_zh, published_at=timezone.now()
    )


def test_the_seeded_rules_are_read_from_their_numbered_list_in_both_languages():
    english = rulebook_current(language="en")
    assert english.label == SEEDED
    assert [rule.number for rule in english.rules] == [1, 2, 3, 4, 5]
    assert english.rules[2].text == "No spam and no undisclosed advertising."
    chinese = rulebook_current(language="zh-hans")
    assert chinese.rules[2].text == "禁止垃圾信息和未标明的广告。"


def test_numbered_headings_win_over_lists_and_markdown_is_stripped():
    text = (
        "Intro\n\n## 1. Be **kind**\nDetails.\n1. not a rule\n\n"
        "## 2) No [spam](https://x.example)\n## 第3条 守法\n"
    )
    rules = rules_parse(text)
    assert [(rule.number, rule.text) for rule in rules] == [(1, "Be kind"), (2, "No spam"), (3, "守法")]


def test_a_wrapped_list_item_keeps_its_continuation_line():
    rules = rules_parse("1. Be kind to\n   everyone here.\n2. No spam.\n\nClosing words.")
    assert [rule.text for rule in rules] == ["Be kind to everyone here.", "No spam."]


@pytest.mark.legal("L18")
def test_the_decide_form_offers_the_current_rules_as_a_select_in_the_moderators_language(
    client, item, moderator
):
    client.force_login(moderator)
    page = client.get(f"/moderation/items/{item.pk}/").content.decode()
    assert '<select name="rule"' in page
    assert f'value="{SEEDED}#3"' in page and "3. No spam and no undisclosed advertising." in page
    assert f"version {SEEDED}" in page
    moderator.language = "zh-hans"
    moderator.save(update_fields=["language"])
    with translation.override("en"):  # the Chinese page must not leave Chinese active for later tests
        page = client.get(f"/moderation/items/{item.pk}/").content.decode()
    assert "3. 禁止垃圾信息和未标明的广告。" in page


@pytest.mark.legal("L18")
def test_the_action_stores_the_rule_text_with_the_version_and_the_author_reads_it(
    client, item, moderator, other_member
):
    client.force_login(moderator)
    response = client.post(
        f"/moderation/items/{item.pk}/decide/",
        {"action": "hide", "reason": "Advertising a shop.", "rule": f"{SEEDED}#3"},
    )
    assert response.status_code == 302
    action = ModerationAction.objects.get()
    assert action.rule == f"Community rules {SEEDED}, rule 3: No spam and no undisclosed advertising."
    assert (action.rule_version, action.rule_number) == (SEEDED, 3)
    assert action.code == "moderation.post.hidden"
    notice = InboxItem.objects.get(recipient=other_member, kind="moderation.notice")
    assert notice.data["rule"] == action.rule and notice.data["rule_version"] == SEEDED
    assert f"Community rules {SEEDED}, rule 3" in notice.data["text"]


@pytest.mark.legal("L18")
def test_a_chinese_author_reads_the_rule_in_chinese(item, moderator, other_member):
    other_member.language = "zh-hans"
    other_member.save(update_fields=["language"])
    review_item_decide(item=item, by=moderator, action="warn", reason="广告。", rule=f"{SEEDED}#3")
    notice = InboxItem.objects.get(recipient=other_member, kind="moderation.notice")
    assert "禁止垃圾信息和未标明的广告。" in notice.data["rule"]
    assert SEEDED in notice.data["rule"]


@pytest.mark.legal("L18")
def test_a_rule_of_a_version_no_longer_current_is_refused_beside_the_rule_field(client, item, moderator):
    _publish("2027-01", "1. Be kind.\n2. No spam.\n")
    client.force_login(moderator)
    response = client.post(
        f"/moderation/items/{item.pk}/decide/", {"action": "hide", "reason": "Ads.", "rule": f"{SEEDED}#3"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The community rules have changed since this page was opened" in page
    assert "Ads." in page  # the reason the moderator wrote is kept
    assert 'value="2027-01#2"' in page
    assert not ModerationAction.objects.exists()


def test_a_number_the_version_does_not_have_is_refused():
    with pytest.raises(RuleNotInDocument) as error:
        rule_resolve(f"{SEEDED}#9")
    assert error.value.field == "rule"


def test_free_text_rules_from_programs_and_older_decisions_still_work(item, moderator):
    assert review_item_decide(item=item, by=moderator, action="hide", reason="Ads.", rule="Rules v1, §4")
    action = ModerationAction.objects.get()
    assert (action.rule, action.rule_version, action.rule_number) == ("Rules v1, §4", "", None)


def test_without_numbered_rules_the_form_takes_free_text():
    _publish("2027-02", "Be nice. That is all.")
    form = DecideForm()
    assert form.rulebook is None
    assert form.fields["rule"].widget.input_type == "text"


@pytest.mark.legal("L18")
def test_the_decisions_page_shows_the_cited_rule_in_the_members_language(
    client, item, moderator, other_member
):
    review_item_decide(item=item, by=moderator, action="hide", reason="Ads.", rule=f"{SEEDED}#3")
    other_member.language = "zh-hans"
    other_member.save(update_fields=["language"])
    client.force_login(other_member)
    action = ModerationAction.objects.get()
    with translation.override("en"):  # the Chinese pages must not leave Chinese active for later tests
        decisions = client.get("/moderation/decisions/").content.decode()
        appeal = client.get(f"/moderation/decisions/{action.pk}/appeal/").content.decode()
    assert "禁止垃圾信息和未标明的广告。" in decisions and SEEDED in decisions
    assert "禁止垃圾信息和未标明的广告。" in appeal
