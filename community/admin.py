"""The community's own models in the admin: the goals operators set for the health dashboard's figures
(issue 10), and the idempotency records (issue 9, R6), read-only. Operators only: the operator role
holds every permission (community/roles.py); moderators and privacy officers hold none of these."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from community.goals import METRICS, unit_words, value_format
from community.goals_progress import MET, NO_DATA, goals_changed, goals_progress
from community.models import Goal, IdempotencyRecord


class GoalForm(forms.ModelForm):
    class Meta:
        model = Goal
        fields = ["metric", "direction", "target", "period_days", "title", "published", "position", "active"]

    def clean(self):
        cleaned = super().clean()
        metric = METRICS.get(cleaned.get("metric") or "")
        if metric is not None and not cleaned.get("direction"):
            # the figure's usual way: more members, fewer overdue items
            cleaned["direction"] = metric.direction
            self.instance.direction = metric.direction
        return cleaned


def metrics_help() -> str:
    """Every figure a goal can aim at, what it means and how its target is written."""
    rows = format_html_join(
        "",
        "<dt>{}</dt><dd>{} <em>{}</em></dd>",
        (
            (
                metric.label,
                metric.explanation,
                gettext("Target: %(unit)s; usually %(direction)s.")
                % {"unit": unit_words(metric.unit), "direction": metric.direction.label},
            )
            for metric in METRICS.values()
        ),
    )
    return format_html('<dl class="goal-metrics-help">{}</dl>', rows)


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    form = GoalForm
    list_display = [
        "__str__",
        "metric",
        "target_shown",
        "period_days",
        "actual_shown",
        "state_shown",
        "published",
        "active",
        "position",
    ]
    list_display_links = ["__str__"]
    list_editable = ["published", "active", "position"]
    list_filter = ["active", "published", "period_days", "metric"]
    search_fields = ["title"]
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "updated_at"]
    show_full_result_count = False

    def get_fieldsets(self, request, obj=None):
        return [
            (
                None,
                {
                    "fields": ["metric", "direction", "target", "period_days", "title"],
                    "description": format_html(
                        "<p>{}</p>{}",
                        gettext(
                            "A goal is a target for one figure of the community health dashboard over "
                            "the last 7, 30 or 90 days. The figures, and how to write their targets:"
                        ),
                        metrics_help(),
                    ),
                },
            ),
            (_("Where it shows"), {"fields": ["published", "active", "position"]}),
            (_("History"), {"fields": ["created_at", "updated_at"]}),
        ]

    def get_changelist_instance(self, request):
        """The page's goals get their figures in one go (the dashboard's cached figures: the same
        queries for one goal or fifty), kept on each row for the columns below."""
        changelist = super().get_changelist_instance(request)
        goals = list(changelist.result_list)
        for goal, progress in zip(goals, goals_progress(goals=goals), strict=True):
            goal.progress = progress
        return changelist

    @admin.display(description=_("target"))
    def target_shown(self, goal: Goal) -> str:
        progress = getattr(goal, "progress", None)
        if progress is not None:
            return progress.target_text
        return value_format(goal.target, METRICS[goal.metric].unit)

    @admin.display(description=_("now"))
    def actual_shown(self, goal: Goal) -> str:
        progress = getattr(goal, "progress", None)
        return progress.actual_text if progress else "—"

    @admin.display(description=_("met?"))
    def state_shown(self, goal: Goal) -> str:
        progress = getattr(goal, "progress", None)
        if progress is None:
            return "—"
        icon = {MET: "✓", NO_DATA: "–"}.get(progress.state, "✗")
        return format_html(
            '<span class="goal-state {}"><span aria-hidden="true">{}</span> {}</span>',
            progress.state,
            icon,
            progress.state_text,
        )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        goals_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        goals_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        goals_changed()


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    """What a repeated create was answered with (community/idempotency.py): to see why a client's retry
    got an old answer. Written only by the request it records, deleted only by the hourly purge."""

    list_display = ["scope", "member", "created_at", "expires_at"]
    list_filter = ["scope"]
    list_select_related = ["member"]
    raw_id_fields = ["member"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    fields = ["member", "scope", "key_hash", "request_hash", "result", "created_at", "expires_at"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
