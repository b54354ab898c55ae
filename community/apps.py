from django.apps import AppConfig, apps
from django.conf import settings
from django.db.models.signals import post_migrate
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = _("Community")

    def ready(self) -> None:
        from django.contrib import admin

        from community.roles import roles_sync_after_migrate

        # The admin says whose community it runs, in the reader's language, not "Django administration".
        admin.site.site_header = format_lazy(_("{name} administration"), name=settings.COMMUNITY_NAME)
        admin.site.site_title = format_lazy(_("{name} admin"), name=settings.COMMUNITY_NAME)
        admin.site.index_title = _("Run the community")

        # Staff roles are kept in code (community/roles.py); permissions exist only after migrate.
        # post_migrate reaches only apps with models, one by one: the roles are synced once, with the
        # last of them, when every other app's permissions are there.
        last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
        post_migrate.connect(roles_sync_after_migrate, sender=last, dispatch_uid="community.roles_sync")
        self._register_personal_data()

    @staticmethod
    def _register_personal_data() -> None:
        from community.models import IdempotencyRecord
        from privacy.registry import register_personal_data

        # The first answer to a repeated request (it can quote what the member wrote), kept 24 hours by
        # the hourly purge; erased with the account, not exported (a technical echo of the member's own
        # posts, which the export has).
        register_personal_data(
            app_label="community",
            model="IdempotencyRecord",
            fields=["member", "result"],
            category="delivery_records",
            purpose=_(
                "The first answer to a repeated request, kept for at most 24 hours so a retry creates "
                "nothing twice"
            ),
            erase=lambda *, member_id: IdempotencyRecord.objects.filter(member_id=member_id).delete()[0],
        )
