from datetime import timedelta

from allauth.account.admin import EmailAddressAdmin as AllauthEmailAddressAdmin
from allauth.account.models import EmailAddress
from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from members import standing
from members.models import ActiveDay, BannedEmail, Block, GuardianConsent, Member, Mute
from privacy.admin import ReadOnlyAdmin
from privacy.holds import LegalHoldInvalid, legal_hold_place
from privacy.masking import EMAIL, MaskedAdminMixin
from privacy.models import RetentionCategory
from privacy.staff_access import StaffAccessLoggedAdmin

# The staff roles are groups kept in code by community/roles.py; their names in the admin's language.
ROLE_NAMES = {
    "operator": _("operator"),
    "moderator": _("moderator"),
    "privacy officer": _("privacy officer"),
}
SUSPEND_DAYS_MAX = 365


class MemberCreationForm(AdminUserCreationForm):
    class Meta:
        model = Member
        fields = ("email", "display_name")


class MemberChangeForm(UserChangeForm):
    class Meta:
        model = Member
        fields = "__all__"


class SuspendForm(forms.Form):
    days = forms.IntegerField(
        label=_("For how many days"),
        min_value=1,
        max_value=SUSPEND_DAYS_MAX,
        error_messages={
            "min_value": _("Choose a number of days from 1 to 365."),
            "max_value": _("Choose a number of days from 1 to 365."),
        },
    )
    reason = forms.CharField(
        label=_("Reason (the member reads this)"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    rule = forms.CharField(
        label=_("Community rule"), max_length=200, help_text=_("For example: Rules 2026-11, §2 Respect")
    )


class LegalHoldForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Retention category"), queryset=RetentionCategory.objects.order_by("label")
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=200, help_text=_("For example a court order number.")
    )
    until = forms.DateTimeField(
        label=_("Until"),
        required=False,
        help_text=_("Empty: until lifted. Format: 2027-01-31 18:00"),
    )

    def clean_until(self):
        until = self.cleaned_data.get("until")
        if until is not None and until <= timezone.now():
            raise forms.ValidationError(_("A legal hold ends in the future."))
        return until


def action_form_response(modeladmin, request, queryset, *, form, action: str, title, intro, button):
    """The intermediate page of an admin action that needs a few answers first (Django's own "delete
    selected" confirmation works the same way)."""
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "intro": intro,
        "button": button,
        "form": form,
        "action": action,
        "queryset": queryset,
        "opts": modeladmin.model._meta,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        "select_across": request.POST.get("select_across", "0"),
    }
    return TemplateResponse(request, "admin/action_form.html", context)


class StandingFilter(admin.SimpleListFilter):
    title = _("standing")
    parameter_name = "standing"

    def lookups(self, request, model_admin):
        return [
            ("limited", _("Posting limited")),
            ("suspended", _("Suspended")),
            ("banned", _("Banned")),
        ]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "limited":
            return queryset.filter(posting_limited_until__gt=now)
        if self.value() == "suspended":
            return queryset.filter(suspended_until__gt=now)
        if self.value() == "banned":
            return queryset.filter(banned_at__isnull=False)
        return queryset


class RoleFilter(admin.SimpleListFilter):
    """Django's own filter of the groups lists their names as stored (in English); these are the staff
    roles of community/roles.py, named in the admin's language. One query, like the filter it replaces."""

    title = _("roles")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        groups = Group.objects.order_by("name").values_list("pk", "name")
        return [(str(pk), ROLE_NAMES.get(name, name)) for pk, name in groups]

    def queryset(self, request, queryset):
        return queryset.filter(groups__id=self.value()) if self.value() else queryset


@admin.register(Member)
class MemberAdmin(MaskedAdminMixin, StaffAccessLoggedAdmin, UserAdmin):
    """LEGAL L23: opening a member's page records who, whose, when and why; the reason is asked once
    per session for each member (or comes with the link from a case: ?reason=...). L24: staff whose
    role does not include personal data see w***@example.com in the list and cannot search by address.
    """

    staff_access_ask_reason = True
    form = MemberChangeForm
    add_form = MemberCreationForm
    ordering = ("-date_joined",)
    list_display = (
        "email",
        "display_name",
        "standing",
        "trust_level",
        "language",
        "roles",
        "is_active",
        "date_joined",
        "last_login",
    )
    list_filter = (
        StandingFilter,
        "is_active",
        "is_staff",
        "is_superuser",
        RoleFilter,
        "trust_level",
        "trust_level_locked",
        "is_minor",
        "profile_visibility",
        "language",
    )
    search_fields = ("email", "display_name", "=id")
    masked_fields = {"email": EMAIL}
    personal_search_fields = ("email",)
    date_hierarchy = "date_joined"
    show_full_result_count = False
    # L20: standing changes only through members/standing.py (the suspend action, moderation's decisions)
    readonly_fields = ("last_login", "date_joined", "posting_limited_until", "suspended_until", "banned_at")
    actions = ["suspend", "resend_verification", "place_legal_hold"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Profile"),
            {"fields": ("display_name", "language", "timezone", "bio", "avatar", "profile_visibility")},
        ),
        (_("Trust"), {"fields": ("trust_level", "trust_level_locked")}),
        (
            _("Standing"),
            {"fields": ("posting_limited_until", "suspended_until", "banned_at", "is_minor")},
        ),
        (
            _("Email"),
            {
                "fields": (
                    "email_mode",
                    "email_daily_cap",
                    ("quiet_hours_start", "quiet_hours_end"),
                    "email_replies",
                    "email_mentions",
                    "email_new_posts",
                    "email_event_reminders",
                    "reminder_in_quiet_hours",
                    "email_announcements",
                )
            },
        ),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "usable_password", "password1", "password2"),
            },
        ),
    )

    def get_queryset(self, request):
        # The roles column: one query for the page's groups, whatever the page size.
        return super().get_queryset(request).prefetch_related("groups")

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name == "groups" and field is not None:
            field.label_from_instance = lambda group: str(ROLE_NAMES.get(group.name, group.name))
        return field

    @admin.display(description=_("standing"))
    def standing(self, obj: Member) -> str:
        if standing.member_is_banned(member=obj):
            return gettext("Banned")
        if standing.member_is_suspended(member=obj):
            return gettext("Suspended")
        if standing.member_is_posting_limited(member=obj):
            return gettext("Posting limited")
        return ""

    @admin.display(description=_("roles"))
    def roles(self, obj: Member) -> str:
        names = [str(ROLE_NAMES.get(group.name, group.name)) for group in obj.groups.all()]
        if obj.is_superuser:
            names.insert(0, gettext("superuser"))
        return ", ".join(names)

    # --- actions ---------------------------------------------------------------------------------

    @admin.action(description=_("Suspend the selected members…"), permissions=["change"])
    def suspend(self, request, queryset):
        """LEGAL L20 through members/standing.py. The admin's history of each member keeps who, why,
        which rule and for how long."""
        form = SuspendForm(request.POST if "apply" in request.POST else None)
        if not form.is_bound or not form.is_valid():
            return action_form_response(
                self,
                request,
                queryset,
                form=form,
                action="suspend",
                title=_("Suspend members"),
                intro=_(
                    "They can still sign in and read, but not post, comment, react or RSVP until the "
                    "suspension ends. Staff accounts and banned accounts are left alone."
                ),
                button=_("Suspend"),
            )
        days, reason, rule = form.cleaned_data["days"], form.cleaned_data["reason"], form.cleaned_data["rule"]
        until = timezone.now() + timedelta(days=days)
        done = skipped = 0
        for member in queryset:
            if member.is_staff or member.pk == request.user.pk or standing.member_is_banned(member=member):
                skipped += 1
                continue
            if self.suspend_service(member=member, until=until, by=request.user, reason=reason, rule=rule):
                self.log_change(
                    request,
                    member,
                    gettext("Suspended for %(days)d days. Reason: %(reason)s Rule: %(rule)s")
                    % {"days": days, "reason": reason, "rule": rule},
                )
                done += 1
        self.message_user(
            request,
            ngettext("%(count)d member suspended.", "%(count)d members suspended.", done) % {"count": done},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d staff or banned account was left alone.",
                    "%(count)d staff or banned accounts were left alone.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return None

    @staticmethod
    def suspend_service(*, member: Member, until, by: Member, reason: str, rule: str) -> bool:
        """Members alone can only change the account. Moderation, which owns the audit log and the
        statement of reasons (LEGAL L18), may put its own service here from its admin module."""
        return standing.member_suspend(member=member, until=until, by=by)

    @admin.action(description=_("Resend the verification email"), permissions=["change"])
    def resend_verification(self, request, queryset):
        """allauth's own confirmation email, to each selected member's primary address if unverified."""
        addresses = EmailAddress.objects.filter(
            user__in=queryset, primary=True, verified=False
        ).select_related("user")
        sent = 0
        for address in addresses:
            address.send_confirmation(request)
            sent += 1
        self.message_user(
            request,
            ngettext(
                "A verification email was sent to %(count)d member.",
                "A verification email was sent to %(count)d members.",
                sent,
            )
            % {"count": sent},
            messages.SUCCESS,
        )

    def has_legal_hold_permission(self, request) -> bool:
        return request.user.has_perm("privacy.add_legalhold")

    @admin.action(description=_("Place a legal hold on the selected members…"), permissions=["legal_hold"])
    def place_legal_hold(self, request, queryset):
        """Retention leaves the held members' rows of the chosen category alone until the hold ends."""
        form = LegalHoldForm(request.POST if "apply" in request.POST else None)
        if not form.is_bound or not form.is_valid():
            return action_form_response(
                self,
                request,
                queryset,
                form=form,
                action="place_legal_hold",
                title=_("Place a legal hold"),
                intro=_(
                    "Retention will not delete or anonymise these members' data of the chosen category "
                    "until the hold ends or is lifted."
                ),
                button=_("Place the hold"),
            )
        placed = 0
        for member_id in queryset.values_list("pk", flat=True):
            try:
                legal_hold_place(
                    category=form.cleaned_data["category"],
                    member_id=member_id,
                    reason=form.cleaned_data["reason"],
                    until=form.cleaned_data["until"],
                    by=request.user,
                )
            except LegalHoldInvalid as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            placed += 1
        self.message_user(
            request,
            ngettext("%(count)d legal hold placed.", "%(count)d legal holds placed.", placed)
            % {"count": placed},
            messages.SUCCESS,
        )
        return None


# allauth registers its own EmailAddress admin; ours masks the addresses (L24) and resends confirmations.
admin.site.unregister(EmailAddress)


@admin.register(EmailAddress)
class EmailAddressAdmin(MaskedAdminMixin, AllauthEmailAddressAdmin):
    list_display = ("email", "user", "primary", "verified")
    list_filter = ("primary", "verified")
    list_select_related = ("user",)
    masked_fields = {"email": EMAIL}
    personal_search_fields = ("email", "user__email")
    show_full_result_count = False
    actions = ["make_verified", "resend_verification"]

    @admin.action(description=_("Resend the verification email"), permissions=["change"])
    def resend_verification(self, request, queryset):
        sent = 0
        for address in queryset.filter(verified=False).select_related("user"):
            address.send_confirmation(request)
            sent += 1
        self.message_user(
            request,
            ngettext(
                "A verification email was sent to %(count)d address.",
                "A verification email was sent to %(count)d addresses.",
                sent,
            )
            % {"count": sent},
            messages.SUCCESS,
        )


@admin.register(Block)
class BlockAdmin(MaskedAdminMixin, admin.ModelAdmin):
    list_display = ("blocker", "blocked", "created_at")
    list_select_related = ("blocker", "blocked")
    raw_id_fields = ("blocker", "blocked")
    search_fields = ("blocker__email", "blocker__display_name", "blocked__email", "blocked__display_name")
    personal_search_fields = ("blocker__email", "blocked__email")
    date_hierarchy = "created_at"


@admin.register(Mute)
class MuteAdmin(MaskedAdminMixin, admin.ModelAdmin):
    list_display = ("muter", "muted", "created_at")
    list_select_related = ("muter", "muted")
    raw_id_fields = ("muter", "muted")
    search_fields = ("muter__email", "muter__display_name", "muted__email", "muted__display_name")
    personal_search_fields = ("muter__email", "muted__email")
    date_hierarchy = "created_at"


@admin.register(ActiveDay)
class ActiveDayAdmin(MaskedAdminMixin, admin.ModelAdmin):
    list_display = ("member", "day")
    list_select_related = ("member",)
    raw_id_fields = ("member",)
    search_fields = ("member__email", "member__display_name")
    personal_search_fields = ("member__email",)
    date_hierarchy = "day"
    ordering = ("-day", "-id")


@admin.register(BannedEmail)
class BannedEmailAdmin(ReadOnlyAdmin):
    """LEGAL L11, L20: a ban keeps only salted hashes of the addresses; lifting the ban (members'
    member_lift, moderation's appeals) forgets them. Searching for an address finds its hash."""

    list_display = ("short_hash", "banned_at", "until", "in_force")
    list_filter = (("until", admin.EmptyFieldListFilter),)
    search_fields = ("email_hash",)
    date_hierarchy = "banned_at"
    ordering = ("-banned_at",)

    @admin.display(description=_("salted hash of the email"))
    def short_hash(self, obj: BannedEmail) -> str:
        return obj.email_hash[:12]

    @admin.display(description=_("in force"), boolean=True)
    def in_force(self, obj: BannedEmail) -> bool:
        return obj.until is None or obj.until > timezone.now()

    def get_search_results(self, request, queryset, search_term):
        term = search_term.strip()
        if "@" in term:
            return queryset.filter(email_hash__in=standing._hashes_of(term)), False
        return queryset.filter(Q(email_hash__startswith=term.lower())) if term else queryset, False


@admin.register(GuardianConsent)
class GuardianConsentAdmin(MaskedAdminMixin, ReadOnlyAdmin):
    """LEGAL L5: given by the guardian through the emailed link, never typed in here."""

    list_display = ("member", "guardian_email", "requested_at", "confirmed_at", "refused_at")
    list_filter = (("confirmed_at", admin.EmptyFieldListFilter), ("refused_at", admin.EmptyFieldListFilter))
    list_select_related = ("member",)
    search_fields = ("=member__id", "guardian_email")
    masked_fields = {"guardian_email": EMAIL}
    personal_search_fields = ("guardian_email",)
    date_hierarchy = "requested_at"
