from django.conf import settings
from django.http import HttpRequest

from content.selectors.inbox import inbox_unread_count


def site(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {
        "COMMUNITY_NAME": settings.COMMUNITY_NAME,
        # how often live parts of a page (the bell, open poll results) refresh themselves
        "LIVE_REFRESH_SECONDS": getattr(settings, "LIVE_REFRESH_SECONDS", 30),
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["inbox_unread"] = inbox_unread_count(member=user)
    return context
