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


# reason, details: what members of the demo community report, so /moderation/ shows a living queue
DEMO_REPORTS = [
    (ReportReason.SPAM, "Looks like an advert for a paid course, posted in several spaces."),
    (ReportReason.MISLEADING, "The date in this post is wrong: the meetup moved to Saturday."),
    (ReportReason.HARASSMENT, "This reply mocks a newcomer for asking a simple question."),
    (ReportReason.PRIVACY, "这条内容公开了另一位成员的手机号码。"),
]


def seed_demo_reports(*, members: list[Member]) -> int:
    """Open reports of several kinds on the demo community's posts and comments, each filed by two
    members (through report_file, so each reporter gets the receipt). Only when the community has no
    report at all, so a second run files nothing."""
    from content.models import Comment, ContentStatus, Post
    from moderation.models import Report
    from moderation.services import report_file

    if len(members) < 4 or Report.objects.exists():  # once: never reopen what moderators decided
        return 0
    posts = list(Post.objects.filter(status=ContentStatus.PUBLISHED).order_by("pk")[:3])
    comment = Comment.objects.filter(status=ContentStatus.PUBLISHED).order_by("pk").first()
    targets = [("post", post) for post in posts] + ([("comment", comment)] if comment else [])
    filed = 0
    for index, ((kind, target), (reason, details)) in enumerate(zip(targets, DEMO_REPORTS, strict=False)):
        reporters = [m for m in members if m.pk != target.author_id][index : index + 2]
        for reporter in reporters:
            report_file(reporter=reporter, kind=kind, object_id=target.pk, reason=reason, details=details)
            filed += 1
    return filed
