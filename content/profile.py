"""What content adds to a member's profile page (members.profile_sections)."""

from typing import Any

from content.selectors.visibility import Viewer, posts_readable
from members.models import Member

RECENT = 10


def recent_posts_section(*, viewer: Viewer, member: Member) -> dict[str, Any]:
    """The member's newest posts that the viewer may read; private spaces never leak. One query."""
    posts = list(
        posts_readable(viewer=viewer)
        .filter(author_id=member.pk)
        .select_related("space")
        .order_by("-created_at", "-pk")[: RECENT + 1]
    )
    return {
        "template": "content/posts/_profile_posts.html",
        "posts": posts[:RECENT],
        "more": len(posts) > RECENT,
        "author": member,
    }
