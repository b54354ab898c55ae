"""The rules a decision cites, read from the published community-rules document (LEGAL L18).

The document is privacy's versioned PolicyVersion of kind "community_rules", in Markdown, in English and
Chinese. Its numbered rules are either headings ("## 1. Be kind") or a numbered list ("1. Be kind.
..."); headings win when both are there. A moderator picks one (the choice's key names the version
and the number, "2026-11#3"), and the action stores the citation — "Community rules 2026-11, rule 3:
No spam ..." — with the version and the number, so the statement of reasons names the exact text the
member can look up, and can be written again in the member's own language.
"""

import re
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _

from content.exceptions import ContentError
from privacy.consents import policy_version_current
from privacy.models import PolicyKind, PolicyVersion

RULE_MAX = 200
KEY_RE = re.compile(r"^(?P<label>[-\w.]+)#(?P<number>\d{1,4})$")
HEADING_RE = re.compile(
    r"^#{1,6}\s*(?:rule\s*|第\s*)?(?P<number>\d{1,4})(?:\s*(?:[.)、．:：]|条)\s*|\s+)(?P<text>\S.*)$", re.I
)
ITEM_RE = re.compile(r"^\s{0,3}(?P<number>\d{1,4})[.)、．]\s*(?P<text>\S.*)$")
LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")


class RuleNotInDocument(ContentError):
    code = "rule_unknown"
    status = 400
    field = "rule"


@dataclass(frozen=True)
class CommunityRule:
    number: int
    text: str


@dataclass(frozen=True)
class RuleBook:
    """The numbered rules of one published version, in one language."""

    label: str
    language: str
    rules: tuple[CommunityRule, ...]

    def key(self, rule: CommunityRule) -> str:
        return f"{self.label}#{rule.number}"

    def choices(self) -> list[tuple[str, str]]:
        return [(self.key(rule), f"{rule.number}. {rule.text}") for rule in self.rules]

    def rule(self, number: int) -> CommunityRule | None:
        return next((rule for rule in self.rules if rule.number == number), None)


@dataclass(frozen=True)
class Citation:
    """What an action stores: the text (with the version, for the version-less reader), the version
    label and the rule's number; free text from before rules were chosen has no version or number."""

    text: str
    version: str = ""
    number: int | None = None


def _plain(text: str) -> str:
    text = LINK_RE.sub(r"\1", text)
    for mark in ("**", "__", "`"):
        text = text.replace(mark, "")
    return " ".join(text.split())


def rules_parse(markdown: str) -> tuple[CommunityRule, ...]:
    """The numbered rules of a Markdown text: headings "## 1. Title" if any, else a numbered list's
    items (with their wrapped continuation lines). The first occurrence of a number counts."""
    lines = (markdown or "").splitlines()
    headings = [HEADING_RE.match(line.strip()) for line in lines]
    found = [(int(m["number"]), _plain(m["text"])) for m in headings if m]
    if not found:
        current: list | None = None
        for line in lines:
            item = ITEM_RE.match(line)
            if item:
                current = [int(item["number"]), item["text"]]
                found.append(current)
            elif current is not None and line.strip() and line[:1].isspace():
                current[1] += " " + line.strip()  # a wrapped line of the same item
            else:
                current = None
        found = [(number, _plain(text)) for number, text in found]
    rules: dict[int, CommunityRule] = {}
    for number, text in found:
        if text and number not in rules:
            rules[number] = CommunityRule(number=number, text=text)
    return tuple(rules.values())


def _language_of(language: str | None) -> str:
    language = (language or translation.get_language() or "en").lower()
    return "zh" if language.startswith("zh") else "en"


def rulebook_of(version: PolicyVersion, *, language: str | None = None) -> RuleBook:
    lang = _language_of(language)
    body = version.body_zh if lang == "zh" else version.body_en
    rules = rules_parse(body)
    if not rules and lang == "zh":  # a version written in English only still offers its rules
        rules = rules_parse(version.body_en)
    return RuleBook(label=version.label, language=lang, rules=rules)


def rulebook_current(*, language: str | None = None) -> RuleBook | None:
    """The current published community rules in `language` (default: the active one); None when no
    version is published or it has no numbered rules (the decide form then takes free text). One
    query, on privacy's table."""
    version = policy_version_current(kind=PolicyKind.COMMUNITY_RULES)
    if version is None:
        return None
    book = rulebook_of(version, language=language)
    return book if book.rules else None


def citation_text(*, label: str, rule: CommunityRule) -> str:
    text = _("Community rules %(version)s, rule %(number)d: %(text)s") % {
        "version": label,
        "number": rule.number,
        "text": rule.text,
    }
    return text if len(text) <= RULE_MAX else text[: RULE_MAX - 1] + "…"


def _published(label: str) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(
        document__kind=PolicyKind.COMMUNITY_RULES, label=label, published_at__isnull=False
    ).first()


def rule_resolve(rule: str) -> Citation:
    """A decision's `rule`: a key of the current rules ("2026-11#3") becomes its citation in the
    active language; a key of another version, or a number the version does not have, is refused
    (the rules changed while the form was open); anything else is free text, kept as it was written
    (decisions from programs and data from before rules were chosen)."""
    rule = (rule or "").strip()
    key = KEY_RE.match(rule)
    if key is None:
        return Citation(text=rule)
    current = policy_version_current(kind=PolicyKind.COMMUNITY_RULES)
    if current is None or current.label != key["label"]:
        raise RuleNotInDocument(
            _("The community rules have changed since this page was opened; choose the rule again.")
        )
    found = rulebook_of(current).rule(int(key["number"]))
    if found is None:
        raise RuleNotInDocument(_("The current community rules have no rule with that number."))
    return Citation(
        text=citation_text(label=current.label, rule=found), version=current.label, number=found.number
    )


def rule_for_reader(*, rule: str, version: str, number: int | None, language: str) -> str:
    """The citation in the reader's language when the action cites a numbered rule of a version (one
    query); the stored text otherwise, or when that version is gone."""
    if not version or number is None:
        return rule
    stored = _published(version)
    if stored is None:
        return rule
    found = rulebook_of(stored, language=language).rule(number)
    if found is None:
        return rule
    with translation.override(language):
        return citation_text(label=version, rule=found)


def rules_for_reader(*, actions, language: str) -> dict[int, str]:
    """{action id: its rule in the reader's language} for the actions that cite a numbered rule of a
    version; one query whatever their number (none when no action cites a version)."""
    labels = {action.rule_version for action in actions if action.rule_version and action.rule_number}
    if not labels:
        return {}
    versions = PolicyVersion.objects.filter(
        document__kind=PolicyKind.COMMUNITY_RULES, label__in=labels, published_at__isnull=False
    )
    books = {version.label: rulebook_of(version, language=language) for version in versions}
    cited = {}
    with translation.override(language):
        for action in actions:
            book = books.get(action.rule_version)
            found = book.rule(action.rule_number) if book and action.rule_number else None
            if found is not None:
                cited[action.pk] = citation_text(label=book.label, rule=found)
    return cited
