from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        from community.roles import roles_sync_after_migrate

        # Staff roles are kept in code (community/roles.py); permissions exist only after migrate.
        # post_migrate reaches only apps with models, one by one: the roles are synced once, with the
        # last of them, when every other app's permissions are there.
        last = [config for config in apps.get_app_configs() if config.models_module is not None][-1]
        post_migrate.connect(roles_sync_after_migrate, sender=last, dispatch_uid="community.roles_sync")
