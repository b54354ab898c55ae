"""Signed one-click unsubscribe links (L14): per member and category, valid for 90 days."""

from datetime import timedelta

from django.conf import settings
from django.core import signing

from content.delivery.models import Category, EmailOptOut

SALT = "content.delivery.unsubscribe"
# L14 asks for at least 60 days; links in older mail still lead to the preferences page.
MAX_AGE = timedelta(days=90)
STOPPABLE = {c.value for c in Category if c != Category.TRANSACTIONAL}


def unsubscribe_token(*, member_id: int, category: str) -> str:
    return signing.dumps({"m": member_id, "c": category}, salt=SALT)


def unsubscribe_url(*, member_id: int, category: str) -> str:
    # Built, not reversed: the link must not depend on where the page's URLconf is included.
    return f"{settings.SITE_URL}/unsubscribe/{unsubscribe_token(member_id=member_id, category=category)}/"


def unsubscribe_read(*, token: str) -> tuple[int, str] | None:
    """(member id, category) of a valid token; None when tampered with, expired or malformed."""
    try:
        data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature too
        return None
    if not isinstance(data, dict):
        return None
    member_id, category = data.get("m"), data.get("c")
    if not isinstance(member_id, int) or category not in STOPPABLE:
        return None
    return member_id, category


def email_opt_out(*, member_id: int, category: str) -> bool:
    """Stop one category of email for a member at once. Idempotent: False when already stopped."""
    _row, created = EmailOptOut.objects.get_or_create(member_id=member_id, category=category)
    return created


def email_opted_out(*, member_id: int, category: str) -> bool:
    return EmailOptOut.objects.filter(member_id=member_id, category=category).exists()
