from allauth.account.adapter import DefaultAccountAdapter
from django.forms import Form
from django.http import HttpRequest

from members.models import Member
from members.services import language_supported


class MemberAccountAdapter(DefaultAccountAdapter):
    def save_user(self, request: HttpRequest, user: Member, form: Form, commit: bool = True) -> Member:
        user = super().save_user(request, user, form, commit=False)
        user.display_name = form.cleaned_data["display_name"]
        # A new member keeps the language they signed up in; they can change it any time.
        user.language = language_supported(getattr(request, "LANGUAGE_CODE", ""))
        if commit:
            user.save()
        return user
