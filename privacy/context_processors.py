from functools import cache

from django.http import HttpRequest

from privacy.deletion import deletion_banner_due


def deletion_pending(request: HttpRequest) -> dict[str, object]:
    """LEGAL L9: `privacy_deletion_due` for the banner with "cancel deletion" on every page.

    Nothing for visitors. For a signed-in member a callable (the template calls it), so only a page
    that shows the banner asks, once: a cache read, and one query only when the cache has forgotten.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    member_id = user.pk
    return {"privacy_deletion_due": cache(lambda: deletion_banner_due(member_id=member_id))}
