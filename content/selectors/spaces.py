from django.db.models import Exists, OuterRef, QuerySet

from content.models import MembershipStatus, Space, SpaceMembership, SpaceVisibility
from content.selectors.visibility import Viewer, spaces_readable
from members.selectors import member_is_operator


def space_list_for(*, viewer: Viewer) -> QuerySet[Space]:
    """Readable spaces, each annotated with `is_member` for the viewer, in one query."""
    spaces = spaces_readable(viewer=viewer).order_by("name")
    if viewer.is_authenticated:
        spaces = spaces.annotate(
            is_member=Exists(
                SpaceMembership.objects.filter(
                    space_id=OuterRef("pk"), member_id=viewer.pk, status=MembershipStatus.ACTIVE
                )
            )
        )
    return spaces


def private_space_doors(*, viewer: Viewer) -> QuerySet[Space]:
    """Private spaces a signed-in member is not in yet: name and description only, to ask to join."""
    if not viewer.is_authenticated or member_is_operator(member=viewer):
        return Space.objects.none()
    return (
        Space.objects.filter(visibility=SpaceVisibility.PRIVATE)
        .exclude(pk__in=spaces_readable(viewer=viewer).values("pk"))
        .annotate(
            requested=Exists(
                SpaceMembership.objects.filter(
                    space_id=OuterRef("pk"), member_id=viewer.pk, status=MembershipStatus.REQUESTED
                )
            )
        )
        .order_by("name")
    )


def private_space_door(*, viewer: Viewer, slug: str) -> Space | None:
    return private_space_doors(viewer=viewer).filter(slug=slug).first()


def space_requests_pending(*, space: Space) -> QuerySet[SpaceMembership]:
    """Members who asked to join `space` and wait for a moderator, oldest first, member joined."""
    return (
        SpaceMembership.objects.filter(space=space, status=MembershipStatus.REQUESTED)
        .select_related("member")
        .order_by("created_at", "pk")
    )
