from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {"COMMUNITY_NAME": settings.COMMUNITY_NAME}
