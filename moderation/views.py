"""The review queue, an item with its reports and the author's case file, claiming and deciding; and the
report form members reach from every post, comment, event and profile."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from content.exceptions import ContentError, NotAllowed, NotFound
from moderation.community_rules import rules_for_reader
from moderation.complaints import can_handle_complaints
from moderation.correction_forms import CorrectionNoteForm
from moderation.corrections import post_corrections
from moderation.forms import (
    AppealDecideForm,
    AppealForm,
    DecideForm,
    QueueFilterForm,
    ReportForm,
    SweepDaysForm,
    SweepForm,
)
from moderation.models import ReportReason, ReviewItem, ReviewStatus, TargetKind
from moderation.rules import rule_hits_for
from moderation.sanctions import can_sanction
from moderation.selectors import (
    QueueFilters,
    appeal_get,
    appeals_queue,
    author_case_file,
    can_see_appeals,
    can_use_queue,
    decision_against_get,
    decisions_against,
    review_item_get,
    review_item_reports,
    review_queue,
    sweep_plan,
    target_get,
    target_load,
)
from moderation.services import (
    appeal_deadline,
    appeal_decide,
    appeal_file,
    appeal_link_action,
    can_decide_appeal,
    can_moderate_item,
    report_file,
    review_item_claim,
    review_item_decide,
    review_item_release,
    target_url,
)
from moderation.sweep import review_item_sweep, sweep_check
from moderation.view_access import only_for

QUEUE_SIZE = 100


# Signed-out visitors go to the login page; members who moderate nothing get the 403 page.
moderators_only = only_for(lambda member: can_use_queue(viewer=member))


@moderators_only
def queue(request: HttpRequest) -> HttpResponse:
    form = QueueFilterForm(request.GET or None)
    filters = QueueFilters(**form.cleaned_data) if form.is_valid() else QueueFilters()
    items = list(review_queue(viewer=request.user, filters=filters)[:QUEUE_SIZE])
    template = "moderation/_queue_items.html" if request.htmx else "moderation/queue.html"
    context = {
        "items": items,
        "form": form,
        "can_see_appeals": can_see_appeals(viewer=request.user),
        # L19: the complaints desk, for site moderators and operators (the answer is cached on the user)
        "can_handle_complaints": can_handle_complaints(member=request.user),
    }
    return render(request, template, context)


def _item_context(
    request: HttpRequest,
    item: ReviewItem,
    form: DecideForm | None = None,
    correction_form: CorrectionNoteForm | None = None,
) -> dict:
    target = target_load(kind=item.kind, object_id=item.object_id)
    site_wide = can_sanction(member=request.user)
    return {
        "item": item,
        "target": target,
        "target_url": target_url(kind=item.kind, target=target) if target is not None else "",
        "reports": review_item_reports(item=item),
        # why an automatic rule opened or joined this item (watched words, pre-moderation, waves)
        "rule_hits": rule_hits_for(item=item),
        "case": author_case_file(author=item.snapshot_author),
        "form": form or DecideForm(can_sanction=site_wide),
        "can_decide": can_moderate_item(member=request.user, item=item),
        # the sweep ("remove all recent content and ban") is for site moderators only
        "can_sweep": site_wide and item.snapshot_author_id is not None,
        "sweep_form": SweepDaysForm(),
        # L22: the notices behind an IP item; the rights holder's email for operators only (L24)
        "ip_notices": list(item.ip_notices.order_by("pk")) if item.reason == ReportReason.IP else [],
        "show_holder_email": item.reason == ReportReason.IP
        and request.user.has_perm("privacy.view_personal_data"),
        # issue 10: the post's correction notes, their history and the author's replies; the form to add
        # one (open at once when the item is about inaccurate or misleading content)
        "corrections": post_corrections(post_id=item.object_id) if item.kind == TargetKind.POST else None,
        "correction_form": correction_form or CorrectionNoteForm(),
    }


@moderators_only
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = review_item_get(viewer=request.user, pk=pk)
    return render(request, "moderation/item.html", _item_context(request, item))


@require_POST
@moderators_only
def item_claim(request: HttpRequest, pk: int) -> HttpResponse:
    item = review_item_get(viewer=request.user, pk=pk)
    error = None
    try:
        item = review_item_claim(item=item, by=request.user)
    except NotAllowed:
        return render(request, "403.html", status=403)
    except ContentError as problem:
        error = problem.message
    if request.htmx:
        return render(request, "moderation/_claim.html", {"item": item, "claim_error": error})
    if error:
        messages.error(request, error)
    return redirect("moderation:item", pk=item.pk)


@require_POST
@moderators_only
def item_release(request: HttpRequest, pk: int) -> HttpResponse:
    item = review_item_get(viewer=request.user, pk=pk)
    try:
        released = review_item_release(item=item, by=request.user)
    except NotAllowed:
        return render(request, "403.html", status=403)
    error = None if released else _("You no longer hold this item; nothing changed.")
    if request.htmx:
        return render(request, "moderation/_claim.html", {"item": item, "claim_error": error})
    if error:
        messages.info(request, error)
    else:
        messages.success(request, _("Released. The item is back in the queue for any moderator."))
    return redirect("moderation:item", pk=item.pk)


@require_POST
@moderators_only
def item_decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = review_item_get(viewer=request.user, pk=pk)
    form = DecideForm(request.POST, can_sanction=can_sanction(member=request.user))
    if form.is_valid():
        try:
            decided = review_item_decide(item=item, by=request.user, **form.cleaned_data)
        except NotAllowed:
            return render(request, "403.html", status=403)
        except ContentError as error:
            form.add_error(getattr(error, "field", None), error.message)
        else:
            if decided:
                messages.success(request, _("Decided. The author and the reporters have been told."))
            else:
                messages.info(request, _("This item had already been decided; nothing changed."))
            return redirect("moderation:queue")
    return render(request, "moderation/item.html", _item_context(request, item, form), status=400)


@moderators_only
def item_sweep(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove all recent content of the item's author and ban them: GET counts what would go (the
    confirm step), POST does it."""
    item = review_item_get(viewer=request.user, pk=pk)
    try:
        author = sweep_check(item=item, by=request.user)
    except NotAllowed:
        return render(request, "403.html", status=403)
    except ContentError as error:
        messages.error(request, error.message)
        return redirect("moderation:item", pk=item.pk)
    if item.status == ReviewStatus.DECIDED:
        messages.info(request, _("This item had already been decided; nothing changed."))
        return redirect("moderation:item", pk=item.pk)
    days_form = SweepDaysForm(request.GET or None)
    days = days_form.cleaned_data["days"] if days_form.is_valid() else days_form.fields["days"].initial
    form = SweepForm(initial={"days": days})
    if request.method == "POST":
        form = SweepForm(request.POST)
        days = request.POST.get("days")
        if form.is_valid():
            days = form.cleaned_data["days"]
            try:
                result = review_item_sweep(item=item, by=request.user, **form.cleaned_data)
            except NotAllowed:
                return render(request, "403.html", status=403)
            except ContentError as error:
                form.add_error(None, error.message)
            else:
                if result is None:
                    messages.info(request, _("This item had already been decided; nothing changed."))
                else:
                    messages.success(
                        request,
                        _("%(count)d items removed and %(name)s banned. They have been told why.")
                        % {"count": result.removed, "name": author.public_name},
                    )
                return redirect("moderation:queue")
        days_form = SweepDaysForm({"days": days})
        days = days_form.cleaned_data["days"] if days_form.is_valid() else days_form.fields["days"].initial
    context = {
        "item": item,
        "author": author,
        "plan": sweep_plan(item=item, days=days),
        "days_form": days_form,
        "form": form,
    }
    return render(request, "moderation/sweep.html", context, status=400 if form.errors else 200)


@login_required
def report(request: HttpRequest, kind: str, object_id: int) -> HttpResponse:
    if kind not in TargetKind.values:
        raise Http404()
    try:
        target = target_get(viewer=request.user, kind=kind, object_id=object_id)
    except NotFound as error:
        raise Http404(error.message) from error
    back = target_url(kind=kind, target=target)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_file(reporter=request.user, kind=kind, object_id=object_id, **form.cleaned_data)
        except NotFound as error:
            raise Http404(error.message) from error
        except ContentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Thank you. We received your report; your inbox will tell you what the moderators decide."),
            )
            return redirect(back)
    context = {"form": form, "kind": TargetKind(kind), "target": target, "back": back}
    return render(request, "moderation/report.html", context, status=400 if form.errors else 200)


APPEALS_PAGE_SIZE = 100


@login_required
def decisions(request: HttpRequest) -> HttpResponse:
    """L18: the member's own page of decisions taken against them, each with its appeal or a button."""
    now = timezone.now()
    actions = list(decisions_against(member=request.user)[:APPEALS_PAGE_SIZE])
    # L18: the rule in the member's language when the decision cites a numbered rule of a version
    cited = rules_for_reader(actions=actions, language=translation.get_language())
    rows = [
        {
            "action": action,
            "appeal": _appeal_of(action),
            "deadline": appeal_deadline(action=action),
            "rule": cited.get(action.pk, action.rule),
        }
        for action in actions
    ]
    for row in rows:
        row["can_appeal"] = row["appeal"] is None and now <= row["deadline"]
    return render(request, "moderation/decisions.html", {"rows": rows})


def _rule_for(action) -> str:
    return rules_for_reader(actions=[action], language=translation.get_language()).get(action.pk, action.rule)


def _appeal_of(action):
    try:
        return action.appeal
    except ObjectDoesNotExist:
        return None


@login_required
def appeal_new(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        action = decision_against_get(member=request.user, pk=pk)
    except NotFound as error:
        raise Http404(error.message) from error
    if _appeal_of(action) is not None:
        messages.info(request, _("You have already appealed this decision."))
        return redirect("moderation:decisions")
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal_file(action=action, appellant=request.user, **form.cleaned_data)
        except NotAllowed as error:
            raise Http404(error.message) from error
        except ContentError as error:
            form.add_error("statement", error.message)
        else:
            messages.success(request, _("Your appeal has been sent. Your inbox will tell you the outcome."))
            return redirect("moderation:decisions")
    context = {
        "form": form,
        "action": action,
        "deadline": appeal_deadline(action=action),
        "rule": _rule_for(action),
    }
    return render(request, "moderation/appeal_form.html", context, status=400 if form.errors else 200)


appeal_handlers_only = only_for(lambda member: can_see_appeals(viewer=member))


@appeal_handlers_only
def appeals(request: HttpRequest) -> HttpResponse:
    items = list(appeals_queue(viewer=request.user)[:APPEALS_PAGE_SIZE])
    return render(request, "moderation/appeals.html", {"appeals": items})


@appeal_handlers_only
def appeal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appeal = appeal_get(viewer=request.user, pk=pk)
    can_decide = can_decide_appeal(member=request.user, appeal=appeal)
    form = AppealDecideForm(request.POST or None)
    if request.method == "POST":
        if not can_decide:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                decided = appeal_decide(appeal=appeal, by=request.user, **form.cleaned_data)
            except ContentError as error:
                form.add_error("reason", error.message)
            else:
                if decided:
                    messages.success(request, _("Appeal decided. The member has been told."))
                else:
                    messages.info(request, _("This appeal had already been decided; nothing changed."))
                return redirect("moderation:appeals")
    context = {"appeal": appeal, "form": form, "can_decide": can_decide}
    return render(request, "moderation/appeal.html", context, status=400 if form.errors else 200)


def appeal_by_link(request: HttpRequest, token: str) -> HttpResponse:
    """L18 for a banned member, who cannot sign in: the signed link in their statement of reasons opens
    the appeal form for that one decision (and later shows its outcome)."""
    try:
        action = appeal_link_action(token=token)
    except NotFound as error:
        raise Http404(error.message) from error
    appeal = _appeal_of(action)
    form = AppealForm(request.POST or None)
    if appeal is None and request.method == "POST" and form.is_valid():
        try:
            appeal_file(action=action, appellant=action.target_author, **form.cleaned_data)
        except NotAllowed as error:
            raise Http404(error.message) from error
        except ContentError as error:
            form.add_error("statement", error.message)
        else:
            messages.success(request, _("Your appeal has been sent. We will tell you the outcome by email."))
            return redirect(request.path)
    context = {
        "form": form,
        "action": action,
        "appeal": appeal,
        "deadline": appeal_deadline(action=action),
        "rule": _rule_for(action),
        "by_link": True,
    }
    return render(request, "moderation/appeal_form.html", context, status=400 if form.errors else 200)
