from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ModerationConfig(AppConfig):
    name = "moderation"
    verbose_name = _("Moderation")

    def ready(self) -> None:
        from members.trust import register_upheld_reports_counter
        from moderation.selectors import upheld_reports_counter

        # Members sits below moderation and cannot import it; trust levels ask through this.
        register_upheld_reports_counter(upheld_reports_counter)

        from moderation.privacy import register as register_privacy

        register_privacy()
