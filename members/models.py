import zoneinfo
from datetime import time

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class MemberManager(BaseUserManager["Member"]):
    use_in_migrations = True

    def _create(self, email: str, password: str | None, **fields: object) -> "Member":
        if not email:
            raise ValueError("A member needs an email address.")
        member = self.model(email=self.normalize_email(email).lower(), **fields)
        member.set_password(password)
        member.save(using=self._db)
        return member

    def create_user(self, email: str, password: str | None = None, **fields: object) -> "Member":
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: object) -> "Member":
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class TrustLevel(models.IntegerChoices):
    NEW = 0, _("new")
    BASIC = 1, _("basic")
    MEMBER = 2, _("member")
    REGULAR = 3, _("regular")


class ProfileVisibility(models.TextChoices):
    MEMBERS = "members", _("Members only")
    PUBLIC = "public", _("Everyone, including visitors")


class EmailMode(models.TextChoices):
    INSTANT = "instant", _("Each email as it happens")
    DAILY = "daily", _("One daily digest")
    WEEKLY = "weekly", _("One weekly digest, on Monday")
    OFF = "off", _("No email (the inbox still shows everything)")


EMAIL_CAP_MIN, EMAIL_CAP_MAX = 1, 20
EMAIL_CAP_MESSAGE = _("Choose a number from 1 to 20.")


def default_email_daily_cap() -> int:
    """New members start from the site's cap (DELIVERY_DAILY_CAP), kept within the allowed range."""
    cap = getattr(settings, "DELIVERY_DAILY_CAP", 3)
    return min(max(int(cap), EMAIL_CAP_MIN), EMAIL_CAP_MAX)


def default_quiet_hours_start() -> time:
    return time(int(getattr(settings, "DELIVERY_QUIET_START", 22)) % 24)


def default_quiet_hours_end() -> time:
    return time(int(getattr(settings, "DELIVERY_QUIET_END", 8)) % 24)


def avatar_path(instance: "Member", filename: str) -> str:
    # Never the uploaded name: it may carry personal data, and a new file must not be served from cache.
    return f"avatars/{instance.pk}/{django_timezone.now():%Y%m%d%H%M%S}.webp"


class Member(AbstractBaseUser, PermissionsMixin):
    """A person with an account. Signs in with their email address; allauth keeps the verified
    addresses, this row keeps the primary one."""

    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=60)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    timezone = models.CharField(_("time zone"), max_length=64, choices=timezone_choices, default="UTC")
    bio = models.TextField(_("about you"), max_length=500, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to=avatar_path, blank=True)
    profile_visibility = models.CharField(
        _("who can see your profile"),
        max_length=10,
        choices=ProfileVisibility.choices,
        default=ProfileVisibility.MEMBERS,
    )
    trust_level = models.PositiveSmallIntegerField(
        _("trust level"), choices=TrustLevel.choices, default=TrustLevel.NEW
    )
    trust_level_locked = models.BooleanField(
        _("trust level set by staff"),
        default=False,
        help_text=_("The daily recompute leaves a locked trust level alone."),
    )
    # the member's attention budget: how, how often and when the community may email them
    email_mode = models.CharField(
        _("how to send emails"), max_length=10, choices=EmailMode.choices, default=EmailMode.INSTANT
    )
    email_daily_cap = models.PositiveSmallIntegerField(
        _("emails a day at most"),
        default=default_email_daily_cap,
        validators=[
            MinValueValidator(EMAIL_CAP_MIN, EMAIL_CAP_MESSAGE),
            MaxValueValidator(EMAIL_CAP_MAX, EMAIL_CAP_MESSAGE),
        ],
    )
    quiet_hours_start = models.TimeField(_("quiet hours start"), default=default_quiet_hours_start)
    quiet_hours_end = models.TimeField(_("quiet hours end"), default=default_quiet_hours_end)
    email_replies = models.BooleanField(_("replies to you"), default=True)
    email_mentions = models.BooleanField(_("mentions of you"), default=True)
    email_new_posts = models.BooleanField(_("new posts in your spaces"), default=True)
    email_event_reminders = models.BooleanField(_("event reminders"), default=True)
    email_announcements = models.BooleanField(_("announcements"), default=True)
    reminder_in_quiet_hours = models.BooleanField(
        _("the 1-hour event reminder may come during quiet hours"), default=False
    )
    # account standing, set by moderation through members' standing services (L20)
    posting_limited_until = models.DateTimeField(_("posting limited until"), null=True, blank=True)
    suspended_until = models.DateTimeField(_("suspended until"), null=True, blank=True)
    banned_at = models.DateTimeField(_("banned"), null=True, blank=True)
    # L5: a minor's account waits for a guardian's consent, and is never profiled
    is_minor = models.BooleanField(_("minor"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("staff status"), default=False, help_text=_("Can sign in to the admin site.")
    )
    date_joined = models.DateTimeField(_("date joined"), default=django_timezone.now)

    objects = MemberManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["display_name"]

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="member_email_ci_unique"),
        ]
        indexes = [models.Index(fields=["date_joined"])]

    def __str__(self) -> str:
        return self.display_name or self.email

    @property
    def public_name(self) -> str:
        """The name other people see: "Deleted member" (in the reader's language) once the account
        was deleted and its row emptied (LEGAL L9; privacy/deletion.py keeps the row as a tombstone)."""
        return self.display_name or gettext("Deleted member")

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.display_name


class Block(models.Model):
    """`blocker` blocked `blocked`: the blocked member cannot reply to, mention or see the profile of
    the blocker."""

    blocker = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="blocks_made", verbose_name=_("member who blocked")
    )
    blocked = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="blocks_received", verbose_name=_("blocked member")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"])]

    def __str__(self) -> str:
        return gettext("%(blocker)s blocks %(blocked)s") % {
            "blocker": self.blocker_id,
            "blocked": self.blocked_id,
        }


class Mute(models.Model):
    """`muter` muted `muted`: the muted member's posts and comments are collapsed for the muter."""

    muter = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="mutes_made", verbose_name=_("member who muted")
    )
    muted = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="mutes_received", verbose_name=_("muted member")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("mute")
        verbose_name_plural = _("mutes")
        constraints = [
            models.UniqueConstraint(fields=["muter", "muted"], name="mute_once"),
            models.CheckConstraint(condition=~models.Q(muter=models.F("muted")), name="mute_not_self"),
        ]

    def __str__(self) -> str:
        return gettext("%(muter)s mutes %(muted)s") % {"muter": self.muter_id, "muted": self.muted_id}


class ActiveDay(models.Model):
    """One row per member per day they used the site: the 'days active' of the trust level."""

    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="active_days", verbose_name=_("member")
    )
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("active day")
        verbose_name_plural = _("active days")
        constraints = [models.UniqueConstraint(fields=["member", "day"], name="active_day_once")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.day}"


class BannedEmail(models.Model):
    """A banned address, kept only as a salted hash (L11: never the email itself), so the same address
    cannot register again while the ban lasts."""

    email_hash = models.CharField(_("salted hash of the email"), max_length=64, unique=True)
    banned_at = models.DateTimeField(_("banned"), default=django_timezone.now)
    until = models.DateTimeField(_("until"), null=True, blank=True, help_text=_("Empty: for good."))

    class Meta:
        verbose_name = _("banned email")
        verbose_name_plural = _("banned emails")

    def __str__(self) -> str:
        return self.email_hash[:12]


class GuardianConsent(models.Model):
    """L5: the consent a guardian gives, through an emailed link, before a minor's account is active."""

    member = models.OneToOneField(
        Member, on_delete=models.CASCADE, related_name="guardian_consent", verbose_name=_("member")
    )
    guardian_email = models.EmailField(_("guardian's email address"))
    requested_at = models.DateTimeField(_("requested"), default=django_timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    refused_at = models.DateTimeField(_("refused"), null=True, blank=True)

    class Meta:
        verbose_name = _("guardian consent")
        verbose_name_plural = _("guardian consents")

    def __str__(self) -> str:
        return f"{self.member_id}"
