from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from content.exceptions import ContentError
from content.forms.posts import InviteForm
from content.models import MembershipStatus, NotificationLevel
from content.selectors.posts import feed_space, space_pinned_posts
from content.selectors.spaces import (
    private_space_door,
    private_space_doors,
    space_list_for,
    space_requests_pending,
)
from content.selectors.visibility import is_space_moderator, space_membership
from content.services.spaces import (
    membership_set_notification_level,
    space_invite,
    space_join,
    space_leave,
    space_request_decide,
)
from content.views.helpers import readable_space


def space_list(request: HttpRequest) -> HttpResponse:
    context = {
        "spaces": space_list_for(viewer=request.user),
        "doors": private_space_doors(viewer=request.user),
    }
    return render(request, "content/spaces/list.html", context)


def space_detail(request: HttpRequest, slug: str) -> HttpResponse:
    door = private_space_door(viewer=request.user, slug=slug)
    if door is not None:
        # A signed-in member outside a private space sees its name and can ask to join; never its content.
        context = {"space": door, "membership": space_membership(viewer=request.user, space=door)}
        return render(request, "content/spaces/door.html", context)
    space = readable_space(request, slug)
    page = feed_space(viewer=request.user, space=space, cursor=request.GET.get("after"), cards=True)
    context = {"space": space, "page": page}
    if request.htmx and request.GET.get("after"):
        return render(request, "content/posts/_feed_page.html", context)
    context |= {
        "pinned": space_pinned_posts(viewer=request.user, space=space, cards=True),
        "membership": space_membership(viewer=request.user, space=space),
        "moderates": is_space_moderator(member=request.user, space=space),
        "notification_levels": NotificationLevel.choices,
    }
    return render(request, "content/spaces/detail.html", context)


@login_required
@require_POST
def space_join_view(request: HttpRequest, slug: str) -> HttpResponse:
    space = private_space_door(viewer=request.user, slug=slug) or readable_space(request, slug)
    membership = space_join(space=space, member=request.user)
    if membership.status == MembershipStatus.REQUESTED:
        messages.success(request, _("You asked to join. A moderator of the space will answer soon."))
    else:
        messages.success(request, _("Welcome to %(space)s.") % {"space": space.name})
    return redirect("content:space_detail", slug=space.slug)


@login_required
@require_POST
def space_leave_view(request: HttpRequest, slug: str) -> HttpResponse:
    space = readable_space(request, slug)
    space_leave(space=space, member=request.user)
    messages.success(request, _("You left %(space)s.") % {"space": space.name})
    return redirect("content:space_list")


@login_required
@require_POST
def space_notifications(request: HttpRequest, slug: str) -> HttpResponse:
    space = readable_space(request, slug)
    try:
        membership_set_notification_level(
            space=space, member=request.user, level=request.POST.get("level", "")
        )
        messages.success(request, _("Your notification level for this space is saved."))
    except ContentError as error:
        messages.error(request, error.message)
    return redirect("content:space_detail", slug=space.slug)


@login_required
def space_members_manage(request: HttpRequest, slug: str) -> HttpResponse:
    """For the space's moderators: join requests to decide and invitations to send."""
    space = readable_space(request, slug)
    if not is_space_moderator(member=request.user, space=space):
        return render(request, "403.html", status=403)
    form = InviteForm(request.POST or None) if request.POST.get("action") == "invite" else InviteForm()
    if request.method == "POST":
        try:
            if request.POST.get("action") == "invite":
                if form.is_valid():
                    space_invite(space=space, email=form.cleaned_data["email"], by=request.user)
                    messages.success(request, _("Invitation sent."))
                    return redirect("content:space_members_manage", slug=space.slug)
            else:
                space_request_decide(
                    space=space,
                    member_id=int(request.POST.get("member", 0)),
                    by=request.user,
                    approve=request.POST.get("action") == "approve",
                )
                return redirect("content:space_members_manage", slug=space.slug)
        except (ContentError, ValueError) as error:
            form.add_error("email", getattr(error, "message", str(error)))
    requests = space_requests_pending(space=space)
    return render(request, "content/spaces/manage.html", {"space": space, "requests": requests, "form": form})
