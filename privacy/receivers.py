"""Privacy's answers to Django's own signals, connected in PrivacyConfig.ready()."""

import logging

from privacy.access_log import access_log_record, client_ip
from privacy.deletion import deletion_banner_refresh
from privacy.models import AccessLogKind
from privacy.selectors import required_consents_refresh

logger = logging.getLogger(__name__)


def on_sign_in(sender, request, user, **kwargs) -> None:
    """Every sign-in: a row in the access log (LEGAL L11, queued like every other row), and the deletion
    banner is current on the new device from its first page."""
    try:
        access_log_record(
            member_id=user.pk,
            ip=client_ip(request) if request is not None else None,
            method=getattr(request, "method", "") or "",
            path=getattr(request, "path", ""),
            status=200,
            user_agent=request.META.get("HTTP_USER_AGENT", "") if request is not None else "",
            kind=AccessLogKind.SIGN_IN,
        )
    except Exception:
        logger.exception("access log: could not queue a sign-in")
    try:
        deletion_banner_refresh(member_id=user.pk)
    except Exception:
        # A sign-in never fails for this; the banner asks again on the first page.
        logger.warning("could not refresh the deletion banner at sign-in", exc_info=True)
    try:
        required_consents_refresh(member=user)  # the re-consent banner's answer, so page one is free
    except Exception:
        logger.warning("could not refresh the re-consent banner at sign-in", exc_info=True)
