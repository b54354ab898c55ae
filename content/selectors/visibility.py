"""What a viewer may read. Every selector that lists or fetches content starts from these, so a private
space's posts, comments and events never reach someone who is not in it (they get a 404, not a 403)."""

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from content.models import (
    Comment,
    ContentStatus,
    Event,
    MembershipRole,
    MembershipStatus,
    Post,
    Space,
    SpaceMembership,
    SpaceVisibility,
)
from members.models import Member
from members.selectors import member_is_moderator, member_is_operator

Viewer = Member | AnonymousUser


def spaces_readable(*, viewer: Viewer) -> QuerySet[Space]:
    if not viewer.is_authenticated:
        return Space.objects.filter(visibility=SpaceVisibility.PUBLIC)
    if member_is_operator(member=viewer):
        return Space.objects.all()  # operators see every space
    # The private branch joins memberships; filter through an id subquery so no space appears twice.
    private_ids = SpaceMembership.objects.filter(
        member_id=viewer.pk, status=MembershipStatus.ACTIVE, space__visibility=SpaceVisibility.PRIVATE
    ).values("space_id")
    return Space.objects.filter(
        Q(visibility__in=[SpaceVisibility.PUBLIC, SpaceVisibility.MEMBERS]) | Q(pk__in=private_ids)
    )


def readable_space_ids(*, viewer: Viewer) -> QuerySet:
    return spaces_readable(viewer=viewer).values("pk")


def posts_readable(*, viewer: Viewer) -> QuerySet[Post]:
    """Published, not deleted posts in spaces the viewer may read. Authors also see their own posts
    waiting for review."""
    visible = Q(status=ContentStatus.PUBLISHED)
    if viewer.is_authenticated:
        visible |= Q(status=ContentStatus.PENDING_REVIEW, author_id=viewer.pk)
    return Post.objects.filter(
        visible, deleted_at__isnull=True, space_id__in=readable_space_ids(viewer=viewer)
    )


def comments_readable(*, viewer: Viewer) -> QuerySet[Comment]:
    visible = Q(status=ContentStatus.PUBLISHED)
    if viewer.is_authenticated:
        visible |= Q(status=ContentStatus.PENDING_REVIEW, author_id=viewer.pk)
    return Comment.objects.filter(
        visible,
        deleted_at__isnull=True,
        post__in=posts_readable(viewer=viewer).values("pk"),
    )


def events_readable(*, viewer: Viewer) -> QuerySet[Event]:
    return Event.objects.filter(
        status=ContentStatus.PUBLISHED,
        deleted_at__isnull=True,
        space_id__in=readable_space_ids(viewer=viewer),
    )


def space_membership(*, viewer: Viewer, space: Space) -> SpaceMembership | None:
    if not viewer.is_authenticated:
        return None
    return SpaceMembership.objects.filter(space=space, member_id=viewer.pk).first()


def is_space_moderator(*, member: Viewer, space: Space) -> bool:
    """Operators, site moderators (the `moderator` group) and the space's own moderators."""
    if not member.is_authenticated:
        return False
    if member_is_moderator(member=member):  # operators and site moderators
        return True
    return SpaceMembership.objects.filter(
        space=space, member_id=member.pk, role=MembershipRole.MODERATOR, status=MembershipStatus.ACTIVE
    ).exists()


def can_change(*, member: Viewer, author_id: int | None, space: Space) -> bool:
    """Edit or delete a post or comment: its author and the space's moderators (the services' rule, and
    the edit forms', which open only for those whose save is taken)."""
    if not member.is_authenticated:
        return False
    return author_id == member.pk or is_space_moderator(member=member, space=space)


def can_participate(*, member: Viewer, space: Space) -> bool:
    """Post, comment, react and RSVP: signed in, and an active member of a private space. Public and
    members-only spaces let any signed-in member take part (they join on their first post)."""
    if not member.is_authenticated or not member.is_active:
        return False
    if space.visibility != SpaceVisibility.PRIVATE or member_is_operator(member=member):
        return True
    return SpaceMembership.objects.filter(
        space=space, member_id=member.pk, status=MembershipStatus.ACTIVE
    ).exists()


__all__ = [
    "can_participate",
    "comments_readable",
    "events_readable",
    "is_space_moderator",
    "posts_readable",
    "readable_space_ids",
    "space_membership",
    "spaces_readable",
]
