"""Reactions: one kind per member per post or comment; the same kind again takes it back."""

from django.db import IntegrityError, transaction
from django.db.models import F

from content.exceptions import ContentError, NotAllowed
from content.models import Comment, Post, Reaction, ReactionKind
from content.selectors.visibility import can_participate
from content.services.limits import check_required_consents, check_standing
from members.models import Member


def reaction_toggle(
    *, member: Member, kind: str, post: Post | None = None, comment: Comment | None = None
) -> str | None:
    """Returns the member's reaction after the toggle (None when taken back)."""
    if kind not in ReactionKind.values:
        raise ContentError()
    if (post is None) == (comment is None):
        raise ValueError("react to exactly one post or comment")
    target_model = Post if post is not None else Comment
    target = post if post is not None else comment
    space = post.space if post is not None else comment.post.space
    if target.is_deleted or not can_participate(member=member, space=space):
        raise NotAllowed()
    check_standing(member=member, publishing=False)
    check_required_consents(member=member)
    lookup = {"post": post} if post is not None else {"comment": comment}
    with transaction.atomic():
        existing = Reaction.objects.select_for_update().filter(member=member, **lookup).first()
        if existing is None:
            try:
                with transaction.atomic():
                    Reaction.objects.create(member=member, kind=kind, **lookup)
            except IntegrityError:  # a double click raced us: the reaction exists; leave it
                return kind
            target_model.objects.filter(pk=target.pk).update(reaction_count=F("reaction_count") + 1)
            return kind
        if existing.kind == kind:
            existing.delete()
            target_model.objects.filter(pk=target.pk, reaction_count__gt=0).update(
                reaction_count=F("reaction_count") - 1
            )
            return None
        existing.kind = kind
        existing.save(update_fields=["kind"])
        return kind
