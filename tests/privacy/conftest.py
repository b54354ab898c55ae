import pytest


@pytest.fixture(autouse=True)
def _apps_registered_with_privacy():
    """Until members' and content's AppConfig.ready() call these, register here (it is idempotent)."""
    from content.privacy import register as content_register
    from members.privacy import register as members_register

    members_register()
    content_register()
