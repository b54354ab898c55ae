"""Demo data for moderation's automatic rules: a few watched words operators can see and change in the
admin (/admin/moderation/watchedword/). Idempotent: a second run finds the words and changes nothing."""

from members.models import Member
from moderation.models import ReportReason, WatchedWord, WatchedWordAction

DEMO_WATCHED_WORDS = [
    # pattern, is_regex, action, reason, note
    (
        "加微信",
        False,
        WatchedWordAction.HOLD,
        ReportReason.SPAM,
        "“Add me on WeChat”: moves members to private chats, where scams start. Found inside sentences.",
    ),
    (
        "buy followers",
        False,
        WatchedWordAction.BLOCK,
        ReportReason.SPAM,
        "Selling fake followers. A whole phrase: any case, width and spacing.",
    ),
    (
        r"(?:bit\.ly|tinyurl\.com|t\.cn)/\w+",
        True,
        WatchedWordAction.FLAG,
        ReportReason.SPAM,
        "Shortened links hide where they lead: published, but a moderator takes a look.",
    ),
]


def seed_demo_watched_words(*, operator: Member | None = None) -> int:
    """Create the demo watched words that do not exist yet; returns how many were created."""
    created = 0
    for pattern, is_regex, action, reason, note in DEMO_WATCHED_WORDS:
        _word, was_created = WatchedWord.objects.get_or_create(
            pattern=pattern,
            is_regex=is_regex,
            defaults={"action": action, "reason": reason, "note": note, "created_by": operator},
        )
        created += was_created
    return created
