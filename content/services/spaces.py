"""Spaces and who belongs to them: join, leave, ask to join a private space, invitations, roles."""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from content.exceptions import ContentError, NotAllowed, NotFound
from content.models import (
    InboxItem,
    MembershipRole,
    MembershipStatus,
    NotificationLevel,
    Space,
    SpaceMembership,
    SpaceVisibility,
)
from content.selectors.visibility import is_space_moderator
from members.models import Member
from members.selectors import member_is_operator


def _count(space: Space, delta: int) -> None:
    Space.objects.filter(pk=space.pk).update(member_count=F("member_count") + delta)


def space_create(*, by: Member, slug: str, name: str, **fields: object) -> Space:
    if not member_is_operator(member=by):
        raise NotAllowed(_("Only operators can create spaces."))
    with transaction.atomic():
        space = Space.objects.create(slug=slug, name=name, created_by=by, **fields)
        SpaceMembership.objects.create(space=space, member=by, role=MembershipRole.MODERATOR)
        _count(space, 1)
    return space


def space_join(*, space: Space, member: Member) -> SpaceMembership:
    """Public and members-only spaces: join at once. Private: accept an invitation, or ask to join."""
    with transaction.atomic():
        membership = SpaceMembership.objects.select_for_update().filter(space=space, member=member).first()
        if membership and membership.status == MembershipStatus.ACTIVE:
            return membership
        if space.visibility != SpaceVisibility.PRIVATE or (
            membership and membership.status == MembershipStatus.INVITED
        ):
            if membership:
                membership.status = MembershipStatus.ACTIVE
                membership.save(update_fields=["status"])
            else:
                membership = SpaceMembership.objects.create(space=space, member=member)
            _count(space, 1)
            return membership
        if membership is None:
            membership = SpaceMembership.objects.create(
                space=space, member=member, status=MembershipStatus.REQUESTED
            )
        return membership


def space_leave(*, space: Space, member: Member) -> bool:
    with transaction.atomic():
        membership = SpaceMembership.objects.select_for_update().filter(space=space, member=member).first()
        if membership is None:
            return False
        was_active = membership.status == MembershipStatus.ACTIVE
        membership.delete()
        if was_active:
            _count(space, -1)
    return True


def space_request_decide(*, space: Space, member_id: int, by: Member, approve: bool) -> bool:
    if not is_space_moderator(member=by, space=space):
        raise NotAllowed()
    with transaction.atomic():
        membership = (
            SpaceMembership.objects.select_for_update()
            .filter(space=space, member_id=member_id, status=MembershipStatus.REQUESTED)
            .first()
        )
        if membership is None:
            return False
        if approve:
            membership.status = MembershipStatus.ACTIVE
            membership.save(update_fields=["status"])
            _count(space, 1)
        else:
            membership.delete()
        InboxItem.objects.create(
            recipient_id=member_id,
            kind="space.request_approved" if approve else "space.request_declined",
            actor=by,
            url=f"/s/{space.slug}/",
            data={"space": space.name},
        )
    return True


def space_invite(*, space: Space, email: str, by: Member) -> SpaceMembership:
    if not is_space_moderator(member=by, space=space):
        raise NotAllowed()
    invitee = Member.objects.filter(email__iexact=email.strip(), is_active=True).first()
    if invitee is None:
        raise NotFound(_("No member has that email address."))
    with transaction.atomic():
        membership, created = SpaceMembership.objects.get_or_create(
            space=space, member=invitee, defaults={"status": MembershipStatus.INVITED, "invited_by": by}
        )
        if not created and membership.status == MembershipStatus.REQUESTED:
            membership.status = MembershipStatus.ACTIVE
            membership.save(update_fields=["status"])
            _count(space, 1)
        if created:
            InboxItem.objects.create(
                recipient=invitee,
                kind="space.invited",
                actor=by,
                url=f"/s/{space.slug}/",
                data={"space": space.name},
            )
    return membership


def membership_set_notification_level(*, space: Space, member: Member, level: str) -> SpaceMembership:
    if level not in NotificationLevel.values:
        raise ContentError(_("Choose one of the notification levels."))
    membership = SpaceMembership.objects.filter(
        space=space, member=member, status=MembershipStatus.ACTIVE
    ).first()
    if membership is None:
        raise NotAllowed(_("Join this space first."))
    if membership.notification_level != level:
        membership.notification_level = level
        membership.save(update_fields=["notification_level"])
    return membership
