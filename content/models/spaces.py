from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class SpaceVisibility(models.TextChoices):
    PUBLIC = "public", _("Public: anyone can read")
    MEMBERS = "members", _("Members only: any signed-in member can read")
    PRIVATE = "private", _("Private: by invitation or approved request")


class PostingPolicy(models.TextChoices):
    EVERYONE = "everyone", _("Every member of the space")
    MODERATORS = "moderators", _("Space moderators only (announcements)")


class Space(models.Model):
    slug = models.SlugField(_("address"), max_length=60, unique=True, allow_unicode=False)
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    rules = models.TextField(_("rules"), max_length=5000, blank=True)
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=SpaceVisibility.choices, default=SpaceVisibility.PUBLIC
    )
    posting_policy = models.CharField(
        _("who can post"), max_length=12, choices=PostingPolicy.choices, default=PostingPolicy.EVERYONE
    )
    slow_mode_seconds = models.PositiveIntegerField(
        _("slow mode (seconds)"),
        default=0,
        help_text=_("Minimum time between two posts of one member in this space; 0 turns it off."),
    )
    requires_approval = models.BooleanField(
        _("posts need a moderator's approval"),
        default=False,
        help_text=_("Every new post waits in the review queue until a moderator approves it (LEGAL L21)."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    member_count = models.PositiveIntegerField(_("member count"), default=0, editable=False)
    post_count = models.PositiveIntegerField(_("post count"), default=0, editable=False)

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipRole(models.TextChoices):
    MEMBER = "member", _("member")
    MODERATOR = "moderator", _("space moderator")


class MembershipStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    REQUESTED = "requested", _("asked to join")
    INVITED = "invited", _("invited")


class NotificationLevel(models.TextChoices):
    ALL = "all", _("Every post")
    DIGEST = "digest", _("A digest")
    MUTE = "mute", _("Nothing (muted)")


class SpaceMembership(models.Model):
    space = models.ForeignKey(
        Space, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("space")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("member"),
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.MEMBER
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MembershipStatus.choices, default=MembershipStatus.ACTIVE
    )
    notification_level = models.CharField(
        _("notifications"), max_length=10, choices=NotificationLevel.choices, default=NotificationLevel.DIGEST
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("space membership")
        verbose_name_plural = _("space memberships")
        constraints = [models.UniqueConstraint(fields=["space", "member"], name="membership_once")]
        indexes = [
            models.Index(fields=["member", "status"]),
            models.Index(fields=["space", "status", "id"]),
        ]

    def __str__(self) -> str:
        return gettext("member %(member)s in space %(space)s (%(role)s, %(status)s)") % {
            "member": self.member_id,
            "space": self.space_id,
            "role": self.get_role_display(),
            "status": self.get_status_display(),
        }
