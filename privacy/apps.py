from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from privacy.personal_data import register
        from privacy.receivers import on_sign_in

        register()
        # Django's signal, not allauth's: it also fires for the admin's sign-in and the API's session.
        user_logged_in.connect(on_sign_in, dispatch_uid="privacy.on_sign_in")
