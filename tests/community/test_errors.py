"""Issue 9 R4, the page side: a database that does not answer gives a styled 503 with Retry-After
(JSON with the code "unavailable" under /api/); any other failure stays a 500, as JSON under /api/."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def failing(settings):
    settings.ROOT_URLCONF = "tests.community.urls_failing"
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("path", ["/database-gone/", "/connection-closed/"])
def test_a_page_whose_database_does_not_answer_gets_the_styled_503_with_retry_after(failing, path):
    response = failing.get(path)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    html = response.content.decode()
    assert "We will be back in a moment" in html
    assert "/static/css/site" in html  # styled like every page


def test_the_503_page_speaks_the_readers_language(failing):
    response = failing.get("/database-gone/", headers={"accept-language": "zh-hans"})
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "我们马上回来" in html


def test_the_api_answers_json_when_its_database_does_not_answer(failing):
    response = failing.get("/api/v1/database-gone/")
    assert response.status_code == 503
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Retry-After"] == "5"
    assert response.json()["error"]["code"] == "unavailable"


def test_any_other_failure_stays_a_500_and_the_api_says_so_in_json(failing):
    page = failing.get("/fail/")
    assert page.status_code == 500
    assert "Something went wrong on our side" in page.content.decode()
    assert "Retry-After" not in page.headers
    api = failing.get("/api/v1/fail/")
    assert api.status_code == 500
    assert api.json() == {"error": {"code": "server_error", "message": "Something went wrong on our side."}}
