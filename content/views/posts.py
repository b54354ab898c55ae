from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from content.exceptions import AccountRestricted, ContentError, NotAllowed
from content.forms.posts import CommentForm, PostEditForm
from content.models import Comment, ContentStatus
from content.selectors.corrections import correction_current
from content.selectors.posts import (
    REACTION_CHOICES,
    comment_get,
    decorate_comments,
    decorate_posts,
    feed_member,
    post_get,
    post_thread,
)
from content.selectors.visibility import can_participate, is_space_moderator
from content.services.comments import comment_create, comment_delete, comment_edit
from content.services.posts import post_delete, post_edit, post_pin, post_set_promotional
from content.services.reactions import reaction_toggle
from content.views.helpers import edit_form_refusal, not_found_as_404
from members.models import Member
from members.selectors import ProfileAccess, member_profile_access


@not_found_as_404
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_get(viewer=request.user, pk=pk)
    context = {
        "post": post,
        "comments": post_thread(viewer=request.user, post=post),
        "comment_form": CommentForm(),
        "can_comment": can_participate(member=request.user, space=post.space),
        "moderates": is_space_moderator(member=request.user, space=post.space),
        "reaction_kinds": REACTION_CHOICES,
        # the moderation team's correction note, shown above the body (one query)
        "correction": correction_current(post=post),
    }
    return render(request, "content/posts/detail.html", context)


@login_required
@not_found_as_404
def post_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_get(viewer=request.user, pk=pk)
    refusal = edit_form_refusal(request, author_id=post.author_id, space=post.space)
    if refusal is not None:
        return refusal
    form = PostEditForm(request.POST or None, initial={"title": post.title, "body": post.body})
    if request.method == "POST" and form.is_valid():
        try:
            post_edit(post=post, by=request.user, **form.cleaned_data)
        except AccountRestricted as error:  # suspended or limited: say so beside the form, text kept
            form.add_error(None, error.message)
        except NotAllowed as error:
            return render(request, "403.html", {"reason": error.message}, status=403)
        except ContentError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Your changes are saved."))
            return redirect("content:post_detail", pk=post.pk)
    return render(request, "content/posts/edit.html", {"post": post, "form": form})


@login_required
@not_found_as_404
def post_revisions(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_get(viewer=request.user, pk=pk)
    if not is_space_moderator(member=request.user, space=post.space):
        raise Http404
    revisions = post.revisions.select_related("edited_by")
    return render(request, "content/posts/revisions.html", {"post": post, "revisions": revisions})


@login_required
@require_POST
@not_found_as_404
def post_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_get(viewer=request.user, pk=pk)
    try:
        post_delete(post=post, by=request.user)
    except NotAllowed as error:
        return render(request, "403.html", {"reason": error.message}, status=403)
    messages.success(request, _("The post is deleted."))
    return redirect("content:space_detail", slug=post.space.slug)


@login_required
@require_POST
@not_found_as_404
def post_moderate(request: HttpRequest, pk: int) -> HttpResponse:
    """Pin / unpin and mark promotional, for the space's moderators."""
    post = post_get(viewer=request.user, pk=pk)
    action = request.POST.get("action")
    try:
        if action in ("pin", "unpin"):
            post_pin(post=post, by=request.user, pinned=action == "pin")
        elif action in ("promotional", "not_promotional"):
            post_set_promotional(post=post, by=request.user, promotional=action == "promotional")
    except NotAllowed as error:
        return render(request, "403.html", {"reason": error.message}, status=403)
    except ContentError as error:
        messages.error(request, error.message)
    return redirect("content:post_detail", pk=post.pk)


def _reactions_partial(request: HttpRequest, target: object, error: str = "") -> HttpResponse:
    """The reaction bar alone, for htmx to swap in place; `target` is already decorated afresh (the
    counts come from decorate_*, not from the row, so the row need not be read again). A refusal
    (suspended, new terms to accept) is shown inside the bar."""
    context = {
        "target": target,
        "react_url": request.path,
        "reaction_kinds": REACTION_CHOICES,
        "reaction_error": error,
    }
    return render(request, "content/posts/_reactions.html", context)


@login_required
@require_POST
@not_found_as_404
def post_react(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_get(viewer=request.user, pk=pk)
    error = ""
    try:
        reaction_toggle(member=request.user, post=post, kind=request.POST.get("kind", ""))
    except ContentError as problem:
        error = problem.message
        if not request.htmx:
            messages.error(request, error)
    if request.htmx:
        decorate_posts([post], viewer=request.user)
        return _reactions_partial(request, post, error)
    return redirect("content:post_detail", pk=post.pk)


@login_required
@require_POST
@not_found_as_404
def comment_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    post = post_get(viewer=request.user, pk=pk)
    form = CommentForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = Comment.objects.filter(pk=form.cleaned_data["parent"], post=post).first()
        try:
            comment = comment_create(
                author=request.user,
                post=post,
                body=form.cleaned_data["body"],
                parent=parent,
                submission_token=form.cleaned_data.get("submission_token", ""),
            )
        except ContentError as error:
            form.add_error("body", error.message)
        else:
            if comment.status == ContentStatus.PENDING_REVIEW:
                messages.info(request, _("Thanks! A moderator will look at your comment before it appears."))
            return redirect(f"{reverse('content:post_detail', args=[post.pk])}#comment-{comment.pk}")
    context = {
        "post": post,
        "comments": post_thread(viewer=request.user, post=post),
        "comment_form": form,
        "can_comment": True,
        "moderates": is_space_moderator(member=request.user, space=post.space),
        "reaction_kinds": REACTION_CHOICES,
    }
    return render(request, "content/posts/detail.html", context, status=400)


@login_required
@not_found_as_404
def comment_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = comment_get(viewer=request.user, pk=pk)
    refusal = edit_form_refusal(request, author_id=comment.author_id, space=comment.post.space)
    if refusal is not None:
        return refusal
    form = CommentForm(request.POST or None, initial={"body": comment.body})
    if request.method == "POST" and form.is_valid():
        try:
            comment_edit(comment=comment, by=request.user, body=form.cleaned_data["body"])
        except AccountRestricted as error:
            form.add_error("body", error.message)
        except NotAllowed as error:
            return render(request, "403.html", {"reason": error.message}, status=403)
        except ContentError as error:
            form.add_error("body", error.message)
        else:
            return redirect(f"{reverse('content:post_detail', args=[comment.post_id])}#comment-{comment.pk}")
    return render(request, "content/posts/comment_edit.html", {"comment": comment, "form": form})


@login_required
@require_POST
@not_found_as_404
def comment_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    comment = comment_get(viewer=request.user, pk=pk)
    try:
        comment_delete(comment=comment, by=request.user)
    except NotAllowed as error:
        return render(request, "403.html", {"reason": error.message}, status=403)
    messages.success(request, _("The comment is deleted."))
    return redirect("content:post_detail", pk=comment.post_id)


@login_required
@require_POST
@not_found_as_404
def comment_react(request: HttpRequest, pk: int) -> HttpResponse:
    comment = comment_get(viewer=request.user, pk=pk)
    error = ""
    try:
        reaction_toggle(member=request.user, comment=comment, kind=request.POST.get("kind", ""))
    except ContentError as problem:
        error = problem.message
        if not request.htmx:
            messages.error(request, error)
    if request.htmx:
        decorate_comments([comment], viewer=request.user)
        return _reactions_partial(request, comment, error)
    return redirect(f"{reverse('content:post_detail', args=[comment.post_id])}#comment-{comment.pk}")


def member_posts(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything a member wrote that the viewer may read, newest activity first, with load more."""
    author = get_object_or_404(Member, pk=pk)
    access = member_profile_access(viewer=request.user, member=author)
    if access is ProfileAccess.NOT_FOUND:
        raise Http404
    if access is ProfileAccess.LOGIN_REQUIRED:
        return redirect_to_login(request.get_full_path())
    page = feed_member(viewer=request.user, author_id=author.pk, cursor=request.GET.get("after"), cards=True)
    if request.htmx and request.GET.get("after"):
        return render(request, "content/posts/_feed_page.html", {"page": page})
    return render(request, "content/posts/member_feed.html", {"author": author, "page": page})
