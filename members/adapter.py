from allauth.account.adapter import DefaultAccountAdapter
from django import forms
from django.conf import settings
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from members.models import Member
from members.selectors import member_is_operator
from members.services import language_supported
from members.standing import email_is_banned


class MemberAccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Member, form: Form, commit: bool = True) -> Member:
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data["display_name"]
        # A new member keeps the language they signed up in; they can change it any time.
        user.language = language_supported(getattr(request, "LANGUAGE_CODE", ""))
        if commit:
            user.save()
        return user

    def get_login_redirect_url(self, request: HttpRequest) -> str:
        """Operators run the site from the admin: signing in without a `next` address lands them on
        its index (the health dashboard is one click away); everyone else on the home feed."""
        if member_is_operator(member=request.user):
            return reverse("admin:index")
        return super().get_login_redirect_url(request)

    def respond_user_inactive(self, request: HttpRequest, user: Member) -> HttpResponse:
        """A banned member who signs in with the right password learns that the account is banned, and
        where the reasons and the way to appeal are (L18); allauth's inactive page speaks of accounts
        waiting for a guardian (L5)."""
        if getattr(user, "banned_at", None) is not None:
            return render(
                request, "members/account_banned.html", {"contact": settings.CONTACT_EMAIL}, status=403
            )
        return super().respond_user_inactive(request, user)

    def clean_email(self, email: str) -> str:
        """Every address form (signup, adding or changing an address) asks here: an address of a banned
        account cannot come back while the ban lasts (L20; only its salted hash is kept)."""
        email = super().clean_email(email)
        if email_is_banned(email):
            raise forms.ValidationError(
                _(
                    "This email address belongs to an account that was banned, so it cannot be used "
                    "here. If you think this is a mistake, please write to %(contact)s."
                )
                % {"contact": settings.CONTACT_EMAIL},
                code="email_banned",
            )
        return email
