from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import ActionKind, ReportReason, ReviewStatus
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


class DecideForm(forms.Form):
    action = forms.ChoiceField(label=_("Decision"), choices=ActionKind.choices, widget=forms.RadioSelect)
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
