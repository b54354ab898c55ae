from django.conf import settings
from django.http import HttpRequest

from content.selectors.inbox import inbox_unread_count


def site(request: HttpRequest) -> dict[str, object]:
    context: dict[str, object] = {"COMMUNITY_NAME": settings.COMMUNITY_NAME}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        context["inbox_unread"] = inbox_unread_count(member=user)
    return context
