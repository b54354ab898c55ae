from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from members.avatars import avatar_default_svg
from members.exceptions import AvatarRejected, MemberError
from members.forms import PreferencesForm
from members.guardian import (
    GUARDIAN_LINK_MAX_AGE,
    GuardianLinkExpired,
    GuardianLinkInvalid,
    age_of_consent,
    guardian_consent_confirm,
    guardian_consent_from_token,
    guardian_consent_refuse,
)
from members.models import Member
from members.profile_sections import profile_sections
from members.selectors import (
    ProfileAccess,
    member_blocks_made,
    member_is_moderator,
    member_mutes_made,
    member_profile_access,
    member_relation,
)
from members.services import (
    member_block,
    member_mute,
    member_set_language,
    member_unblock,
    member_unmute,
    member_update_preferences,
)
from members.uploads import avatar_upload_limit, avatar_upload_too_large
from privacy.selectors import privacy_categories_held


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie and a safe redirect), and for a member, saved on the account."""
    if request.user.is_authenticated:
        member_set_language(member=request.user, language=request.POST.get("language", ""))
    return set_language(request)


@csrf_exempt  # only so the upload limit is in place before CSRF reads the body; checked just below
@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    avatar_upload_limit(request)
    return _preferences(request)


@csrf_protect
def _preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(
        request.POST or None,
        request.FILES or None,
        instance=request.user,
        avatar_too_large=avatar_upload_too_large(request),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member_update_preferences(
                member=request.user,
                display_name=data["display_name"],
                language=data["language"],
                timezone=data["timezone"],
                bio=data["bio"],
                profile_visibility=data["profile_visibility"] or None,
                avatar=data["avatar"],
                remove_avatar=data.get("remove_avatar", False),
                **form.email_preferences(),
            )
        except AvatarRejected as error:
            form.add_error("avatar", error.message)
        else:
            messages.success(request, _("Your preferences are saved."))
            return redirect("members:preferences")
    # The form wrote the typed values onto request.user; show the saved picture and name, not those.
    if form.is_bound:
        request.user.refresh_from_db()
    return render(request, "members/preferences.html", {"form": form, "member": request.user})


def profile(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_object_or_404(Member, pk=pk)
    access = member_profile_access(viewer=request.user, member=member)
    if access is ProfileAccess.NOT_FOUND:
        raise Http404
    if access is ProfileAccess.LOGIN_REQUIRED:
        return redirect_to_login(request.get_full_path())
    context = {
        "member": member,
        "is_self": request.user.pk == member.pk,
        "show_trust_level": member_is_moderator(member=request.user),
        "sections": profile_sections(viewer=request.user, member=member),
        "relation": member_relation(viewer=request.user, member=member),
    }
    return render(request, "members/profile.html", context)


@require_GET
@cache_control(public=True, max_age=86400)
def avatar_default(request: HttpRequest, pk: int) -> HttpResponse:
    """The generated picture: the initial on the member's colour. Shows no more than a post's byline."""
    member = get_object_or_404(Member.objects.only("pk", "display_name", "is_active"), pk=pk, is_active=True)
    svg = avatar_default_svg(member_id=member.pk, name=member.display_name, size=256)
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@require_GET
def avatar(request: HttpRequest, pk: int, version: str) -> HttpResponse:
    """The uploaded picture, streamed from the storage.

    Served by us rather than from MEDIA_URL so it works the same in development, tests and behind any
    storage. The file name is the version: a new picture gets a new URL, so the old one can be cached
    for a year, and an out-of-date URL is a 404."""
    member = get_object_or_404(Member.objects.only("pk", "avatar", "is_active"), pk=pk, is_active=True)
    if not member.avatar or member.avatar.name.rsplit("/", 1)[-1] != f"{version}.webp":
        raise Http404
    try:
        handle = member.avatar.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    response = FileResponse(handle, content_type="image/webp")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@login_required
def blocks(request: HttpRequest) -> HttpResponse:
    context = {
        "blocks": member_blocks_made(member=request.user),
        "mutes": member_mutes_made(member=request.user),
    }
    return render(request, "members/blocks.html", context)


RELATION_ACTIONS = {
    "block": (member_block, "blocker", "blocked"),
    "unblock": (member_unblock, "blocker", "blocked"),
    "mute": (member_mute, "muter", "muted"),
    "unmute": (member_unmute, "muter", "muted"),
}


def _relation_message(action: str, name: str) -> str:
    if action == "block":
        return _("%(name)s is blocked: they cannot see your profile, reply to you or mention you.") % {
            "name": name
        }
    if action == "unblock":
        return _("%(name)s is no longer blocked.") % {"name": name}
    if action == "mute":
        return _("%(name)s is muted: their posts and comments are collapsed for you.") % {"name": name}
    return _("%(name)s is no longer muted.") % {"name": name}


@login_required
@require_POST
def relation(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Block, unblock, mute or unmute the member `pk`. htmx swaps the buttons; without JavaScript the
    form posts and comes back to where it was sent from."""
    service, actor, target = RELATION_ACTIONS[action]
    other = get_object_or_404(Member, pk=pk)
    try:
        service(**{actor: request.user, target: other})
    except MemberError as error:
        notice, failed = error.message, True
    else:
        notice, failed = _relation_message(action, other.display_name), False
    if request.htmx:
        context = {
            "member": other,
            "relation": member_relation(viewer=request.user, member=other),
            "notice": notice,
            "failed": failed,
            "next": request.POST.get("next", ""),
        }
        return render(request, "members/_relation_buttons.html", context)
    (messages.error if failed else messages.success)(request, notice)
    next_url = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = reverse("members:profile", args=[other.pk])
    return redirect(next_url)


# --- LEGAL L5: the guardian's answer (members/guardian.py) ------------------------------------------


@require_http_methods(["GET", "POST"])
def guardian(request: HttpRequest, token: str) -> HttpResponse:
    """The page the guardian's emailed link opens: what the community is and keeps, and two buttons.

    No sign-in: the signed link is the guardian's key. Reading it changes nothing (mail scanners open
    links); only the buttons, which POST, decide."""
    try:
        consent = guardian_consent_from_token(token=token)
        member = consent.member
        if request.method == "POST":
            decision = request.POST.get("decision")
            if decision == "consent":
                guardian_consent_confirm(consent_id=consent.pk)
            elif decision == "refuse":
                if not guardian_consent_refuse(consent_id=consent.pk):
                    return redirect(request.path)  # already agreed: the page says so, and how to withdraw
            else:
                raise GuardianLinkInvalid
            context = {"agreed": decision == "consent", "member": member, "contact": settings.CONTACT_EMAIL}
            return render(request, "members/guardian_done.html", context)
    except GuardianLinkInvalid as error:
        expired = isinstance(error, GuardianLinkExpired)
        context = {"expired": expired, "days": GUARDIAN_LINK_MAX_AGE.days, "contact": settings.CONTACT_EMAIL}
        return render(request, "members/guardian_invalid.html", context, status=410 if expired else 400)
    context = {
        "consent": consent,
        "member": member,
        "age": age_of_consent(),
        "expires_at": consent.requested_at + GUARDIAN_LINK_MAX_AGE,
        "categories": privacy_categories_held(),
        "contact": settings.CONTACT_EMAIL,
    }
    return render(request, "members/guardian.html", context)
