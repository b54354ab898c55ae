from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from members.forms import PreferencesForm
from members.services import member_set_language, member_update_preferences


@require_POST
def language_switch(request: HttpRequest) -> HttpResponse:
    """Django's set_language (cookie and a safe redirect), and for a member, saved on the account."""
    if request.user.is_authenticated:
        member_set_language(member=request.user, language=request.POST.get("language", ""))
    return set_language(request)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        member_update_preferences(member=request.user, **form.cleaned_data)
        messages.success(request, _("Your preferences are saved."))
        return redirect("members:preferences")
    return render(request, "members/preferences.html", {"form": form})
