"""{% load standing_tags %}: what templates/members/standing_banner.html needs. Reads the fields on the
member row (request.user), so the banner costs no query."""

from django import template

from members.models import Member
from members.standing import Standing, member_standing

register = template.Library()


@register.simple_tag
def account_standing(member: Member) -> Standing | None:
    """{% account_standing user as standing %}: a suspension or posting limit in force, or None."""
    if not getattr(member, "is_authenticated", False):
        return None
    return member_standing(member=member)
