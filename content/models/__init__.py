from content.delivery.models import Delivery, EmailOptOut, Outbox  # noqa: F401
from content.models.corrections import CorrectionNote, CorrectionReply
from content.models.events import RSVP, CalendarToken, Event, RSVPStatus
from content.models.inbox import InboxItem
from content.models.polls import Poll, PollChoice, PollOption, PollVote
from content.models.posts import (
    Comment,
    CommentRevision,
    ContentStatus,
    Mention,
    Post,
    PostKind,
    PostRevision,
    Reaction,
    ReactionKind,
)
from content.models.questions import QuestionReminder
from content.models.spaces import (
    MembershipRole,
    MembershipStatus,
    NotificationLevel,
    PostingPolicy,
    Space,
    SpaceMembership,
    SpaceVisibility,
)

__all__ = [
    "RSVP",
    "CalendarToken",
    "Comment",
    "CommentRevision",
    "ContentStatus",
    "CorrectionNote",
    "CorrectionReply",
    "Event",
    "InboxItem",
    "MembershipRole",
    "MembershipStatus",
    "Mention",
    "NotificationLevel",
    "Poll",
    "PollChoice",
    "PollOption",
    "PollVote",
    "Post",
    "PostKind",
    "PostRevision",
    "PostingPolicy",
    "QuestionReminder",
    "RSVPStatus",
    "Reaction",
    "ReactionKind",
    "Space",
    "SpaceMembership",
    "SpaceVisibility",
]
