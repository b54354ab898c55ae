import enum
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Count, Exists, Q, QuerySet
from django.utils import timezone

from members.models import Block, Member, Mute, ProfileVisibility


def member_directory_stats() -> dict[str, int]:
    """Active members and those who joined in the last 30 days, in one query."""
    since = timezone.now() - timedelta(days=30)
    return Member.objects.filter(is_active=True).aggregate(
        members=Count("pk"), joined_recently=Count("pk", filter=Q(date_joined__gte=since))
    )


def member_blocked_ids(*, member: Member) -> set[int]:
    """Ids of members `member` has blocked."""
    if not member.is_authenticated:
        return set()
    return set(Block.objects.filter(blocker_id=member.pk).values_list("blocked_id", flat=True))


def member_blocked_by_ids(*, member: Member) -> set[int]:
    """Ids of members who blocked `member` (they may not be replied to or mentioned by `member`)."""
    if not member.is_authenticated:
        return set()
    return set(Block.objects.filter(blocked_id=member.pk).values_list("blocker_id", flat=True))


def member_muted_ids(*, member: Member) -> set[int]:
    """Ids of members whose posts and comments are collapsed for `member`."""
    if not member.is_authenticated:
        return set()
    return set(Mute.objects.filter(muter_id=member.pk).values_list("muted_id", flat=True))


def member_has_blocked(*, blocker_id: int, blocked_id: int) -> bool:
    return Block.objects.filter(blocker_id=blocker_id, blocked_id=blocked_id).exists()


MODERATOR_GROUP = "moderator"
# community/roles.py keeps the staff roles (operator, moderator, privacy officer) as groups; these two
# names are what members, content and moderation ask about.
OPERATOR_GROUP = "operator"


class ProfileAccess(enum.Enum):
    ALLOWED = "allowed"
    LOGIN_REQUIRED = "login_required"
    NOT_FOUND = "not_found"


def _role_groups(member: Member) -> set[str]:
    # Cached on the instance: a page asks more than once and the groups do not change mid-request.
    cached = getattr(member, "_role_groups", None)
    if cached is None:
        names = member.groups.filter(name__in=[MODERATOR_GROUP, OPERATOR_GROUP])
        cached = set(names.values_list("name", flat=True))
        member._role_groups = cached
    return cached


def member_is_operator(*, member: Member | AnonymousUser) -> bool:
    """Superusers and staff with the `operator` role: the people who run the site. Other staff (a
    privacy officer, a moderator who edits watched words in the admin) are not operators."""
    if not member.is_authenticated or not member.is_active or not member.is_staff:
        return False
    return member.is_superuser or OPERATOR_GROUP in _role_groups(member)


def member_is_moderator(*, member: Member | AnonymousUser) -> bool:
    """Operators and members of the site-wide `moderator` group."""
    if not member.is_authenticated:
        return False
    if member.is_superuser:
        return True
    return MODERATOR_GROUP in _role_groups(member) or member_is_operator(member=member)


def member_profile_access(*, viewer: Member | AnonymousUser, member: Member) -> ProfileAccess:
    """Who may see `member`'s profile page.

    Moderators and staff always may (they need it to handle reports). Otherwise an inactive account or
    a viewer the member blocked gets a 404 (a block must not be announced), and a members-only profile
    sends visitors to log in."""
    if member_is_moderator(member=viewer):
        return ProfileAccess.ALLOWED
    if not member.is_active:
        return ProfileAccess.NOT_FOUND
    if viewer.is_authenticated:
        if viewer.pk != member.pk and member_has_blocked(blocker_id=member.pk, blocked_id=viewer.pk):
            return ProfileAccess.NOT_FOUND
        return ProfileAccess.ALLOWED
    if member.profile_visibility == ProfileVisibility.PUBLIC:
        return ProfileAccess.ALLOWED
    return ProfileAccess.LOGIN_REQUIRED


def member_relation(*, viewer: Member | AnonymousUser, member: Member) -> dict[str, bool]:
    """Whether `viewer` blocked and muted `member`, in one query."""
    if not viewer.is_authenticated or viewer.pk == member.pk:
        return {"blocked": False, "muted": False}
    row = (
        Member.objects.filter(pk=viewer.pk)
        .values(
            blocked=Exists(Block.objects.filter(blocker_id=viewer.pk, blocked_id=member.pk)),
            muted=Exists(Mute.objects.filter(muter_id=viewer.pk, muted_id=member.pk)),
        )
        .first()
    )
    return row or {"blocked": False, "muted": False}


def member_blocks_made(*, member: Member) -> QuerySet[Block]:
    return Block.objects.filter(blocker_id=member.pk).select_related("blocked").order_by("-created_at", "-id")


def member_mutes_made(*, member: Member) -> QuerySet[Mute]:
    return Mute.objects.filter(muter_id=member.pk).select_related("muted").order_by("-created_at", "-id")
