"""Polls on pages: the new-post form with its optional poll section, voting (an htmx partial, or a
normal form post without JavaScript), the results' refresh, and the CSV of the results."""

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from content.exceptions import ContentError, NotAllowed
from content.forms.polls import PollForm
from content.forms.posts import PostForm
from content.models import ContentStatus
from content.selectors.polls import poll_export_allowed, poll_export_rows, poll_for_post, poll_state
from content.selectors.posts import post_get
from content.selectors.visibility import is_space_moderator
from content.services.polls import poll_vote, poll_vote_withdraw, post_publish_with_poll
from content.views.helpers import not_found_as_404, readable_space


@login_required
def post_new(request: HttpRequest, slug: str) -> HttpResponse:
    """The new-post page (content:post_create) with its optional poll section."""
    space = readable_space(request, slug)
    can_announce = is_space_moderator(member=request.user, space=space)
    form = PostForm(request.POST or None, can_announce=can_announce)
    poll_form = PollForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and poll_form.is_valid():
        try:
            post = post_publish_with_poll(
                author=request.user, space=space, poll=poll_form.spec, **form.cleaned_data
            )
        except ContentError as error:
            # The member's text stays in the form; the reason (and when to retry) shows above it.
            form.add_error(None, error.message)
        else:
            if post.status == ContentStatus.PENDING_REVIEW:
                messages.info(request, _("Thanks! A moderator will look at your post before it appears."))
            return redirect("content:post_detail", pk=post.pk)
    context = {"space": space, "form": form, "poll_form": poll_form}
    return render(request, "content/posts/form.html", context)


def _poll_partial(request: HttpRequest, post, *, error: str = "", status: int = 200) -> HttpResponse:
    state = poll_state(viewer=request.user, poll=poll_for_post(post=post))
    context = {"state": state, "post": post, "poll_error": error}
    return render(request, "content/polls/_poll.html", context, status=status)


@require_GET
@not_found_as_404
def poll_show(request: HttpRequest, pk: int) -> HttpResponse:
    """The poll alone (htmx refreshes the results in place); the post page otherwise."""
    post = post_get(viewer=request.user, pk=pk)
    if not request.htmx:
        return redirect(reverse("content:post_detail", args=[post.pk]) + "#poll")
    return _poll_partial(request, post)


@login_required
@require_POST
@not_found_as_404
def poll_vote_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Vote, change the vote (`option`, once or several times), or take it back (`withdraw`)."""
    post = post_get(viewer=request.user, pk=pk)
    poll = poll_for_post(post=post)
    error = ""
    try:
        if "withdraw" in request.POST:
            poll_vote_withdraw(poll=poll, member=request.user)
        else:
            poll_vote(poll=poll, member=request.user, option_ids=request.POST.getlist("option"))
    except ContentError as problem:
        error = problem.message
    if request.htmx:
        # a refusal is said inside the poll, beside the options, and the page stays as it was
        return _poll_partial(request, post, error=error)
    if error:
        messages.error(request, error)
    elif "withdraw" in request.POST:
        messages.success(request, _("Your vote is taken back."))
    else:
        messages.success(request, _("Your vote is counted."))
    return redirect(reverse("content:post_detail", args=[post.pk]) + "#poll")


@require_GET
@not_found_as_404
def poll_csv(request: HttpRequest, pk: int) -> HttpResponse:
    """The results for the post's author and operators; others who can read the post get a 403,
    everyone else a 404."""
    post = post_get(viewer=request.user, pk=pk)
    poll = poll_for_post(post=post)
    if not poll_export_allowed(viewer=request.user, poll=poll):
        return render(request, "403.html", status=403)
    try:
        header, rows = poll_export_rows(viewer=request.user, poll=poll)
    except NotAllowed:
        return render(request, "403.html", status=403)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="poll-{post.pk}.csv"'
    response["Cache-Control"] = "private, no-store"
    response.write("\ufeff")  # a BOM, so spreadsheet programs read Chinese as UTF-8
    writer = csv.writer(response)
    writer.writerow(header)
    writer.writerows([_spreadsheet_safe(cell) for cell in row] for row in rows)
    return response


def _spreadsheet_safe(value: str) -> str:
    """Option labels and names are member text: a leading = + - @ would run as a formula in a
    spreadsheet (CSV injection); a leading apostrophe makes it plain text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
