from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContentConfig(AppConfig):
    name = "content"
    verbose_name = _("Content")

    def ready(self) -> None:
        from content.activity import member_activity
        from content.profile import recent_posts_section
        from members.profile_sections import register_profile_section
        from members.trust import register_activity_source

        register_profile_section(recent_posts_section)
        register_activity_source(member_activity)

        from content.privacy import register as register_privacy

        register_privacy()

        from content.delivery.receivers import export_ready_notice
        from privacy.signals import export_ready

        export_ready.connect(export_ready_notice, dispatch_uid="content.export_ready_notice")
