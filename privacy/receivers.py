"""Privacy's answers to Django's own signals, connected in PrivacyConfig.ready()."""

import logging

from privacy.deletion import deletion_banner_refresh

logger = logging.getLogger(__name__)


def on_sign_in(sender, request, user, **kwargs) -> None:
    """Every sign-in: the deletion banner is current on the new device from its first page."""
    try:
        deletion_banner_refresh(member_id=user.pk)
    except Exception:
        # A sign-in never fails for this; the banner asks again on the first page.
        logger.warning("could not refresh the deletion banner at sign-in", exc_info=True)
