"""Correction notes' pages: the moderators' form (add, change, withdraw) reached from the post page or
the review item page, and the page where the post's author reads the note and replies."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from content.exceptions import ContentError, NotAllowed, NotFound
from content.selectors.corrections import correction_current
from moderation.correction_forms import CorrectionNoteForm, CorrectionReplyForm, CorrectionWithdrawForm
from moderation.corrections import (
    can_correct,
    correction_item_id,
    correction_note_add,
    correction_note_change,
    correction_note_get,
    correction_note_withdraw,
    correction_post_get,
    correction_reply_add,
    post_corrections,
)
from moderation.selectors import can_use_queue, review_item_get
from moderation.view_access import only_for
from moderation.views import _item_context

# Signed-out visitors go to the login page; members who moderate nothing get the 403 page; a post
# outside the spaces a moderator moderates is a 404 (NotFound from the selector).
moderators_only = only_for(lambda member: can_use_queue(viewer=member))


def _form_page(
    request: HttpRequest,
    post,
    *,
    form: CorrectionNoteForm | None = None,
    withdraw_form: CorrectionWithdrawForm | None = None,
    status: int = 200,
) -> HttpResponse:
    case = post_corrections(post_id=post.pk)
    note = case.current
    context = {
        "post": post,
        "note": note,
        "case": case,
        "form": form or CorrectionNoteForm(note=note),
        "withdraw_form": withdraw_form or CorrectionWithdrawForm(),
        "item_id": correction_item_id(note=note) if note is not None else None,
    }
    return render(request, "moderation/correction_form.html", context, status=status)


@moderators_only
def post_correction(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a note to the post, or change the current one (the same form, filled in)."""
    post = correction_post_get(viewer=request.user, pk=pk)
    if request.method != "POST":
        return _form_page(request, post)
    note = correction_current(post=post)
    form = CorrectionNoteForm(request.POST, note=note)
    if form.is_valid():
        try:
            if note is None:
                correction_note_add(post=post, by=request.user, **form.cleaned_data)
                done = _("Correction note added. The author has been told.")
            elif correction_note_change(note=note, by=request.user, **form.cleaned_data):
                done = _("Correction note changed. The author has been told.")
            else:
                done = _("Nothing changed.")
        except NotAllowed:
            return render(request, "403.html", status=403)
        except ContentError as error:
            form.add_error(getattr(error, "field", None), error.message)
        else:
            messages.success(request, done)
            return redirect("content:post_detail", pk=post.pk)
    return _form_page(request, post, form=form, status=400)


@require_POST
@moderators_only
def post_correction_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    post = correction_post_get(viewer=request.user, pk=pk)
    note = correction_current(post=post)
    if note is None:
        messages.info(request, _("This post has no correction note; nothing changed."))
        return redirect("moderation:post_correction", pk=post.pk)
    form = CorrectionWithdrawForm(request.POST)
    if form.is_valid():
        try:
            withdrawn = correction_note_withdraw(note=note, by=request.user, **form.cleaned_data)
        except NotAllowed:
            return render(request, "403.html", status=403)
        except ContentError as error:
            form.add_error(getattr(error, "field", None), error.message)
        else:
            if withdrawn:
                messages.success(request, _("Correction note withdrawn. The author has been told."))
            else:
                messages.info(request, _("This correction note had already been withdrawn; nothing changed."))
            return redirect("content:post_detail", pk=post.pk)
    return _form_page(request, post, withdraw_form=form, status=400)


@require_POST
@moderators_only
def item_correction(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a note from a review item's page: the note joins that item (see moderation/corrections.py)."""
    item = review_item_get(viewer=request.user, pk=pk)
    if item.kind != "post":
        raise NotFound()
    post = correction_post_get(viewer=request.user, pk=item.object_id)
    form = CorrectionNoteForm(request.POST)
    if form.is_valid():
        try:
            correction_note_add(post=post, by=request.user, review_item=item, **form.cleaned_data)
        except NotAllowed:
            return render(request, "403.html", status=403)
        except ContentError as error:
            form.add_error(getattr(error, "field", None), error.message)
        else:
            messages.success(request, _("Correction note added. The author has been told."))
            return redirect("moderation:item", pk=item.pk)
    context = _item_context(request, item, correction_form=form)
    return render(request, "moderation/item.html", context, status=400)


@login_required
def correction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The note for the post's author (who can reply) and the moderators of the post; 404 for others."""
    try:
        note = correction_note_get(viewer=request.user, pk=pk)
    except NotFound as error:
        raise Http404(error.message) from error
    is_author = note.post.author_id == request.user.pk
    form = CorrectionReplyForm(request.POST or None)
    if request.method == "POST":
        if not is_author:
            return render(request, "403.html", status=403)
        if form.is_valid():
            try:
                correction_reply_add(note=note, by=request.user, **form.cleaned_data)
            except ContentError as error:
                form.add_error(getattr(error, "field", None), error.message)
            else:
                messages.success(request, _("Your reply has been sent to the moderation team."))
                return redirect("moderation:correction", pk=note.pk)
    moderates = not is_author or can_correct(member=request.user, post=note.post)
    context = {
        "note": note,
        "post": note.post,
        "replies": list(note.replies.all()),
        "form": form,
        "is_author": is_author,
        "moderates": moderates,
        "item_id": correction_item_id(note=note) if moderates else None,
    }
    return render(request, "moderation/correction_detail.html", context, status=400 if form.errors else 200)
