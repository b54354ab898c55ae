from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.community_rules import RuleBook, rulebook_current
from moderation.models import ActionKind, ReportReason, ReviewStatus
from moderation.sanctions import DAYS_MAX, DAYS_MIN, SANCTIONS, TIMED
from moderation.selectors import SWEEP_DAYS_DEFAULT, SWEEP_DAYS_MAX
from moderation.services import DETAILS_MAX, REASON_MAX, RULE_MAX, STATEMENT_MAX


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong with it?"), choices=ReportReason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label=_("Details (optional)"),
        required=False,
        max_length=DETAILS_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the moderators read this. Your name is not shown to the author."),
    )


def days_field(*, maximum: int, required: bool, **kwargs) -> forms.IntegerField:
    message = _("Choose a number of days from 1 to %(max)d.") % {"max": maximum}
    return forms.IntegerField(
        min_value=DAYS_MIN,
        max_value=maximum,
        required=required,
        error_messages={"min_value": message, "max_value": message, "invalid": message, "required": message},
        widget=forms.NumberInput(attrs={"min": DAYS_MIN, "max": maximum, "inputmode": "numeric"}),
        **kwargs,
    )


class DecideForm(forms.Form):
    action = forms.ChoiceField(label=_("Decision"), choices=ActionKind.choices, widget=forms.RadioSelect)
    days = days_field(
        maximum=DAYS_MAX,
        required=False,
        label=_("For how many days"),
        help_text=_("For “Limit posting” and “Suspend”: 1 to 365 days."),
    )
    reason = forms.CharField(
        label=_("Reason (the author reads this)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rule = forms.CharField(
        label=_("Community rule"),
        max_length=RULE_MAX,
        help_text=_("The rule and its version, for example “Rules v3, §2 Respect”."),
    )

    def __init__(self, *args, can_sanction: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.rulebook = rule_select(self)
        if not can_sanction:
            # account sanctions reach the whole site: a space moderator acts on content only
            self.fields["action"].choices = [
                (value, label) for value, label in ActionKind.choices if value not in SANCTIONS
            ]
            del self.fields["days"]

    def clean(self) -> dict:
        cleaned = super().clean()
        if "days" not in self.fields:
            return cleaned
        if cleaned.get("action") not in TIMED:
            # the days only matter for a limit or a suspension: a stray value elsewhere is ignored
            self.errors.pop("days", None)
            cleaned["days"] = None
        elif cleaned.get("days") is None and "days" not in self.errors:
            self.add_error(
                "days", _("Say for how many days: a number from 1 to %(max)d.") % {"max": DAYS_MAX}
            )
        return cleaned


class SweepDaysForm(forms.Form):
    """How far back "remove all recent content of this account and ban" reaches (GET: it only counts)."""

    days = days_field(
        maximum=SWEEP_DAYS_MAX,
        required=True,
        initial=SWEEP_DAYS_DEFAULT,
        label=_("Content from the last how many days"),
        help_text=_("1 to 90 days."),
    )


def rule_select(form: forms.Form) -> RuleBook | None:
    """L18: the rule is chosen from the current published community rules, in the moderator's
    language; the value names the version and the number ("2026-11#3"), and the service stores the
    citation. Without a published version with numbered rules the field stays free text. The field
    keeps accepting text (programs and decisions written before rules were numbered), so only the
    widget changes."""
    book = rulebook_current()
    if book is not None:
        field = form.fields["rule"]
        field.widget = forms.Select(choices=[("", _("Choose a rule…")), *book.choices()])
        field.help_text = _(
            "From the community rules, version %(version)s. The author is told which rule."
        ) % {"version": book.label}
    return book


class SweepForm(forms.Form):
    """The confirm step: the days counted on the page (kept), the reason and the rule."""

    days = days_field(maximum=SWEEP_DAYS_MAX, required=True)
    reason = forms.CharField(
        label=_("Reason (the author reads this)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    rule = forms.CharField(
        label=_("Community rule"),
        max_length=RULE_MAX,
        help_text=_("The rule and its version, for example “Rules v3, §2 Respect”."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].widget = forms.HiddenInput()
        self.rulebook = rule_select(self)

    def clean(self) -> dict:
        cleaned = super().clean()
        if "days" in self.errors:  # a hidden field: its error goes above the form
            self.add_error(None, self.errors.pop("days"))
        return cleaned


class QueueFilterForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), required=False, choices=[("", _("Any reason")), *ReportReason.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", _("Waiting (open or claimed)")),
            (ReviewStatus.OPEN, _("Open")),
            (ReviewStatus.CLAIMED, _("Claimed")),
            (ReviewStatus.DECIDED, _("Decided")),
        ],
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)


class AppealForm(forms.Form):
    statement = forms.CharField(
        label=_("Why should the decision be changed?"),
        max_length=STATEMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("A moderator who did not take the decision will read this and decide."),
    )


class AppealDecideForm(forms.Form):
    uphold = forms.TypedChoiceField(
        label=_("Outcome"),
        choices=[("yes", _("Uphold the appeal (reverse the decision)")), ("no", _("Reject the appeal"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason (the member reads this)"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
