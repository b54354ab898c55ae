"""{% load member_tags %}: what templates/members/avatar.html needs to draw any member's picture."""

from django import template
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from members.avatars import avatar_default_svg
from members.models import Member

register = template.Library()


@register.filter
def avatar_url(member: Member | None) -> str:
    """The URL of the uploaded picture, or "" when there is none. Its file name is its version."""
    if member is None or not getattr(member, "avatar", None):
        return ""
    version = member.avatar.name.rsplit("/", 1)[-1].removesuffix(".webp")
    return reverse("members:avatar", args=[member.pk, version])


@register.simple_tag
def avatar_svg(member: Member | None, size: int | str = 40) -> SafeString:
    """The generated picture as an inline <svg>: no request, and no style attribute for the CSP."""
    try:
        pixels = max(16, min(int(size), 512))
    except (TypeError, ValueError):
        pixels = 40
    svg = avatar_default_svg(
        member_id=getattr(member, "pk", None), name=getattr(member, "display_name", ""), size=pixels
    )
    # avatar_default_svg escapes the name and the initial; the rest is our own markup.
    return mark_safe(svg.replace("<svg ", '<svg class="avatar" ', 1))  # noqa: S308
