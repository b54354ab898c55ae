from pathlib import Path

import pytest
from django.conf import settings

SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "screenshots"


@pytest.fixture
def browser_context_args(browser_context_args):
    # A phone first: 375 px wide is the narrowest screen we promise to work on.
    return {**browser_context_args, "viewport": {"width": 375, "height": 812}, "locale": "en-US"}


@pytest.fixture
def shoot(page, request):
    """Save a full-page screenshot as a test artifact: shoot("03-signed-up")."""
    folder = SCREENSHOTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture(autouse=True)
def _bell_does_not_poll_during_a_journey(settings):
    """The bell's every-30-seconds request could reach the live server while a test is being torn down
    (the database is no longer open to it); journeys refresh the bell by focusing the window instead."""
    settings.LIVE_REFRESH_SECONDS = 3600
