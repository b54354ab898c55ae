"""Questions on pages: accept or withdraw an answer (htmx swaps the answers in place; without JavaScript
the form posts and the page reloads), and the unanswered lists, per space and site-wide."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from content.exceptions import ContentError, NotAllowed
from content.models import Comment
from content.selectors.questions import question_get, questions_unanswered
from content.selectors.visibility import comments_readable
from content.services.questions import (
    AnswerNotOnQuestion,
    question_answer_accept,
    question_answer_withdraw,
)
from content.views.helpers import not_found_as_404, readable_space


@login_required
@require_POST
@not_found_as_404
def question_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """POST `comment` to accept it, or `withdraw` to open the question again. Answers with the post
    page (a redirect), from which htmx takes the answers and the question's status."""
    post = question_get(viewer=request.user, pk=pk)
    try:
        if "withdraw" in request.POST:
            if question_answer_withdraw(post=post, by=request.user) and not request.htmx:
                messages.success(request, _("The question is open again."))
        else:
            comment = _readable_comment(request, request.POST.get("comment"))
            if comment is None:
                raise AnswerNotOnQuestion()
            if question_answer_accept(post=post, comment=comment, by=request.user) and not request.htmx:
                messages.success(request, _("The answer is accepted: the question shows as solved."))
    except NotAllowed as error:
        return render(request, "403.html", {"reason": error.message}, status=403)
    except ContentError as error:
        messages.error(request, error.message)
        if request.htmx:  # the message needs the whole page: reload it
            response = HttpResponse(status=204)
            response["HX-Refresh"] = "true"
            return response
    return redirect(reverse("content:post_detail", args=[post.pk]) + "#answers")


def _readable_comment(request: HttpRequest, value: str | None) -> Comment | None:
    try:
        comment_id = int(value or "")
    except ValueError:
        return None
    return comments_readable(viewer=request.user).filter(pk=comment_id).first()


def _unanswered_page(request: HttpRequest, *, space=None) -> HttpResponse:
    page = questions_unanswered(viewer=request.user, space=space, cursor=request.GET.get("after"))
    if request.htmx and request.GET.get("after"):
        return render(request, "content/questions/_unanswered_page.html", {"page": page, "space": space})
    return render(request, "content/questions/unanswered.html", {"page": page, "space": space})


@require_GET
def unanswered(request: HttpRequest) -> HttpResponse:
    """Every space the viewer may read."""
    return _unanswered_page(request)


@require_GET
def space_unanswered(request: HttpRequest, slug: str) -> HttpResponse:
    return _unanswered_page(request, space=readable_space(request, slug))
