"""LEGAL L5: the age gate at signup and the guardian's consent (PIPL 28, 31; GDPR 8).

A member under the age of consent (14 in the CN profile, EU_DIGITAL_CONSENT_AGE in the EU profile)
names a parent or guardian at signup. Their account is created inactive and the guardian gets an email,
in the member's language, with a signed link that works for 14 days. On that page the guardian agrees,
which activates the account and records the terms consent in privacy's ledger, or refuses, which deletes
the account. The birth date is only compared, never stored: Member.is_minor is all that is kept.
"""

import logging
from datetime import date

from django.conf import settings
from django.core import signing
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from members.models import GuardianConsent, Member
from members.services import GUARDIAN_WAIT
from privacy.consents import consent_grant
from privacy.models import ConsentChannel, ConsentPurpose

logger = logging.getLogger(__name__)

GUARDIAN_LINK_MAX_AGE = GUARDIAN_WAIT
CN_AGE_OF_CONSENT = 14  # PIPL 28, 31: personal information of a child under 14 is sensitive
EU_AGES = range(13, 17)  # GDPR 8(1): member states may set 13 to 16
_SALT = "members.guardian"


class GuardianLinkInvalid(Exception):
    """The link was altered, or its request no longer exists (refused, or the account is gone)."""


class GuardianLinkExpired(GuardianLinkInvalid):
    """The link is older than GUARDIAN_LINK_MAX_AGE."""


# --- The age gate ---------------------------------------------------------------------------------


def age_of_consent() -> int:
    """The age from which a member may consent alone, from AGE_PROFILE and EU_DIGITAL_CONSENT_AGE.

    A wrong value refuses to go on with a message that names the variable, as community/env.py does."""
    profile = str(getattr(settings, "AGE_PROFILE", "cn")).lower()
    if profile == "cn":
        return CN_AGE_OF_CONSENT
    if profile != "eu":
        raise ImproperlyConfigured(
            f"Environment variable AGE_PROFILE={profile!r} is invalid: expected cn or eu."
        )
    age = getattr(settings, "EU_DIGITAL_CONSENT_AGE", 16)
    if not isinstance(age, int) or age not in EU_AGES:
        raise ImproperlyConfigured(
            f"Environment variable EU_DIGITAL_CONSENT_AGE={age!r} is invalid: "
            "expected a whole number from 13 to 16."
        )
    return age


def age_on(*, birth_date: date, day: date) -> int:
    """Full years on `day` (someone born on 29 February is a year older on 1 March)."""
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def age_needs_guardian(*, birth_date: date, today: date | None = None) -> bool:
    return age_on(birth_date=birth_date, day=today or timezone.localdate()) < age_of_consent()


# --- The signed link ------------------------------------------------------------------------------


def guardian_token(*, consent: GuardianConsent) -> str:
    # The request time is signed too, so asking again (a new guardian address) retires older links.
    payload = {"c": consent.pk, "m": consent.member_id, "t": int(consent.requested_at.timestamp())}
    return signing.dumps(payload, salt=_SALT, compress=True)


def guardian_url(*, consent: GuardianConsent) -> str:
    return settings.SITE_URL + reverse("members:guardian", args=[guardian_token(consent=consent)])


def guardian_consent_from_token(*, token: str) -> GuardianConsent:
    """The request behind a link, with its member. Raises GuardianLinkExpired or GuardianLinkInvalid."""
    try:
        payload = signing.loads(token, salt=_SALT, max_age=GUARDIAN_LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise GuardianLinkExpired from error
    except signing.BadSignature as error:
        raise GuardianLinkInvalid from error
    if not isinstance(payload, dict):
        raise GuardianLinkInvalid
    consent = (
        GuardianConsent.objects.select_related("member")
        .filter(pk=payload.get("c"), member_id=payload.get("m"))
        .first()
    )
    if consent is None or int(consent.requested_at.timestamp()) != payload.get("t"):
        raise GuardianLinkInvalid
    return consent


# --- Services -------------------------------------------------------------------------------------


def guardian_consent_request(*, member: Member, guardian_email: str) -> GuardianConsent:
    """Mark a new account as a minor's: inactive until the guardian answers. The guardian is emailed
    after commit, in the member's language."""
    with transaction.atomic():
        member.is_minor = True
        member.is_active = False
        member.save(update_fields=["is_minor", "is_active"])
        consent, _created = GuardianConsent.objects.update_or_create(
            member=member,
            defaults={
                "guardian_email": guardian_email.strip().lower(),
                "requested_at": timezone.now(),
                "confirmed_at": None,
                "refused_at": None,
            },
        )
        transaction.on_commit(lambda: guardian_request_send(consent_id=consent.pk))
    return consent


def guardian_request_send(*, consent_id: int) -> bool:
    """Email the guardian their link. A mail server that refuses is logged, not raised: the account
    already exists, and the member's page tells them what to do if no email arrives."""
    consent = GuardianConsent.objects.select_related("member").filter(pk=consent_id).first()
    if consent is None or consent.confirmed_at is not None:
        return False
    member = consent.member
    with translation.override(member.language):
        context = {
            "member": member,
            "url": guardian_url(consent=consent),
            "days": GUARDIAN_LINK_MAX_AGE.days,
            "age": age_of_consent(),
            "community_name": settings.COMMUNITY_NAME,
            "site_url": settings.SITE_URL,
            "contact": settings.CONTACT_EMAIL,
        }
        subject = render_to_string("members/guardian_email_subject.txt", context)
        body = render_to_string("members/guardian_email.txt", context)
    try:
        send_mail(" ".join(subject.split()), body, None, [consent.guardian_email])
    except OSError:  # smtplib's errors are OSErrors
        logger.exception("guardian request %s: the email could not be sent", consent_id)
        return False
    return True


def guardian_consent_confirm(*, consent_id: int) -> bool:
    """The guardian agrees: the account becomes active and the ledger records the terms consent.

    The ledger has no field for "given by a guardian": the entry has no actor (the guardian is not a
    member), and this request's confirmed_at says who gave it. Returns False when already confirmed."""
    with transaction.atomic():
        consent = (
            GuardianConsent.objects.select_for_update().select_related("member").filter(pk=consent_id).first()
        )
        if consent is None:
            raise GuardianLinkInvalid
        if consent.confirmed_at is not None:
            return False
        consent.confirmed_at = timezone.now()
        consent.save(update_fields=["confirmed_at"])
        member = consent.member
        member.is_active = True
        member.save(update_fields=["is_active"])
        consent_grant(member=member, purpose=ConsentPurpose.TERMS, channel=ConsentChannel.WEB, actor=None)
    return True


def guardian_consent_refuse(*, consent_id: int) -> bool:
    """The guardian refuses: the account that was waiting is deleted with everything it had (an email
    address, this request). An account the guardian already let in stays: withdrawing then goes through
    the request desk, where a person checks who is asking. Returns False when nothing was deleted."""
    with transaction.atomic():
        consent = GuardianConsent.objects.select_for_update().filter(pk=consent_id).first()
        if consent is None or consent.confirmed_at is not None:
            return False
        deleted, _rows = Member.objects.filter(pk=consent.member_id, is_active=False).delete()
    return bool(deleted)
