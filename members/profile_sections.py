"""Parts of a member's profile page that other apps contribute (content adds the recent posts).

members sits below content (DESIGN.md: privacy ← members ← content ← moderation), so it never imports
content; content registers a section in its AppConfig.ready() instead.
"""

from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AnonymousUser

from members.models import Member

# fn(*, viewer, member) -> {"template": "app/_section.html", ...context} or None to show nothing.
ProfileSection = Callable[..., dict[str, Any] | None]
_sections: list[ProfileSection] = []


def register_profile_section(section: ProfileSection) -> ProfileSection:
    if section not in _sections:
        _sections.append(section)
    return section


def profile_sections(*, viewer: Member | AnonymousUser, member: Member) -> list[dict[str, Any]]:
    return [part for section in _sections if (part := section(viewer=viewer, member=member)) is not None]
