import importlib

import pytest
from django.apps import apps


def privacy_seed() -> None:
    """The data migrations' rows (policies, the retention schedule). A transactional test elsewhere
    flushes the database and takes them with it; the seeds are idempotent, so run them again."""
    for name in ["0002_seed_policies", "0003_seed_retention_categories", "0004_retention_counted_from"]:
        module = importlib.import_module(f"privacy.migrations.{name}")
        (getattr(module, "seed", None) or module.set_starts)(apps, None)


@pytest.fixture(autouse=True)
def _apps_registered_with_privacy():
    """Until members' and content's AppConfig.ready() call these, register here (it is idempotent)."""
    from content.privacy import register as content_register
    from members.privacy import register as members_register

    members_register()
    content_register()


@pytest.fixture(autouse=True)
def _privacy_seeded(request):
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        privacy_seed()
