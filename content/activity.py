"""What content tells members' trust levels: posts and comments written, answers accepted, reactions
received."""

from django.db.models import Expression, F, Q
from django.db.models.expressions import OuterRef

from content.models import Comment, ContentStatus, Post, PostKind, Reaction
from members.trust import count_subquery


def member_activity() -> dict[str, list[Expression]]:
    """Published, not deleted posts and comments count; so do reactions from someone else on them.
    An answer accepted on someone else's live question counts once more (the comment already counts
    as written): helping others is what the levels reward. Accepting your own comment earns nothing."""
    live = Q(status=ContentStatus.PUBLISHED, deleted_at__isnull=True)
    accepted = Post.objects.filter(
        live,
        kind=PostKind.QUESTION,
        accepted_comment__status=ContentStatus.PUBLISHED,
        accepted_comment__deleted_at__isnull=True,
    ).exclude(accepted_comment__author_id=F("author_id"))
    on_posts = Reaction.objects.filter(
        post__status=ContentStatus.PUBLISHED, post__deleted_at__isnull=True
    ).exclude(member_id=OuterRef("pk"))
    on_comments = Reaction.objects.filter(
        comment__status=ContentStatus.PUBLISHED, comment__deleted_at__isnull=True
    ).exclude(member_id=OuterRef("pk"))
    return {
        "contributions": [
            count_subquery(Post.objects.filter(live), "author_id"),
            count_subquery(Comment.objects.filter(live), "author_id"),
            count_subquery(accepted, "accepted_comment__author_id"),
        ],
        "reactions_received": [
            count_subquery(on_posts, "post__author_id"),
            count_subquery(on_comments, "comment__author_id"),
        ],
    }
