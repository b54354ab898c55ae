import contextlib
import logging
import zoneinfo
from collections.abc import Callable

from django.core.cache import cache
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from members.models import ActiveDay

logger = logging.getLogger(__name__)

# A little over a day, so the key of today never expires before today does.
ACTIVE_DAY_CACHE_SECONDS = 26 * 3600


class MemberLanguageMiddleware:
    """A signed-in member sees the site in the language and the time zone saved on their account, on
    every device. Visitors get their browser's language and UTC.

    Runs after LocaleMiddleware (which reads the cookie and Accept-Language for visitors) and after
    AuthenticationMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return self.get_response(request)
        if user.language and user.language != request.LANGUAGE_CODE:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        try:
            timezone.activate(zoneinfo.ZoneInfo(user.timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            timezone.deactivate()  # an unknown zone (a removed tz name) falls back to UTC, never a 500
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class MemberActivityMiddleware:
    """Records one ActiveDay per signed-in member per day (the 'days active' of trust levels).

    The cache remembers who was already recorded today, so a busy member costs one cache round trip
    per request and one INSERT per day. Goes after AuthenticationMiddleware. Recording never breaks a
    request: if the cache or the database fails, the page is served and the next request tries again.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # After the view, so a member who just logged in counts for today too.
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            member_record_active_day(member_id=user.pk)
        return response


def member_record_active_day(*, member_id: int) -> None:
    day = timezone.localdate()
    key = f"members:active-day:{member_id}:{day.isoformat()}"
    try:
        first_today = cache.add(key, 1, timeout=ACTIVE_DAY_CACHE_SECONDS)
    except Exception:  # the cache is an optimisation; the unique constraint keeps the data right
        logger.warning("cache unavailable; recording the active day directly", exc_info=True)
        first_today = True
    if not first_today:
        return
    try:
        ActiveDay.objects.bulk_create([ActiveDay(member_id=member_id, day=day)], ignore_conflicts=True)
    except DatabaseError:
        logger.warning("could not record the active day of member %s", member_id, exc_info=True)
        with contextlib.suppress(Exception):
            cache.delete(key)
