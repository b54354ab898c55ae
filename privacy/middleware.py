import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from privacy.access_log import access_log_record, client_ip

logger = logging.getLogger(__name__)


class AccessLogMiddleware:
    """LEGAL L11: one access-log row for every signed-in request, queued without touching the database
    (privacy/access_log.py). After the view, so the status is known and an API request authenticated by
    a token (DRF sets request.user on the way) counts too. Goes after AuthenticationMiddleware.

    Logging never breaks a request: if even the in-process fallback fails, the page is still served.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                access_log_record(
                    member_id=user.pk,
                    ip=client_ip(request),
                    method=request.method or "",
                    path=request.path,
                    status=response.status_code,
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
            except Exception:
                logger.exception("access log: could not queue a row")
        return response
