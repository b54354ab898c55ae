import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import MemberFactory


@pytest.mark.django_db
def test_home_page_says_what_the_community_is_about(client, member):
    html = client.get("/").content.decode()
    assert "Welcome to" in html
    assert "Our promises to members" in html
    assert "1 member" in html


@pytest.mark.django_db
def test_home_page_queries_do_not_grow_with_the_number_of_members(client, django_assert_num_queries):
    MemberFactory()
    # The member counts in one aggregate, and the public spaces. (A visitor has no session to load.)
    with django_assert_num_queries(2):
        client.get("/")
    MemberFactory.create_batch(49)
    with django_assert_num_queries(2):
        assert "50 members" in client.get("/").content.decode()


@pytest.mark.django_db
def test_home_page_in_chinese(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'lang="zh-hans"' in html
    assert "我们对成员的承诺" in html


@pytest.mark.django_db
def test_an_unknown_address_gets_the_styled_404(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We couldn't find that page" in html
    assert 'class="site-header"' in html


@pytest.mark.django_db
def test_a_server_error_gets_the_styled_500(client, settings):
    settings.ROOT_URLCONF = "tests.community.urls_failing"
    failing = Client(raise_request_exception=False)
    response = failing.get("/fail/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "<script>" not in response.content.decode()  # no inline script at all


@pytest.mark.django_db
def test_pages_carry_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_health_endpoint_answers_when_the_database_does(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_htmx_is_served_from_our_static_files(client):
    html = client.get("/").content.decode()
    assert "/static/vendor/htmx-2.0.11.min" in html
    assert "unpkg" not in html and "cdn" not in html.lower()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "admin_status"),
    [("anonymous", 302), ("member", 302), ("other_member", 302), ("moderator", 302), ("operator", 200)],
)
def test_only_operators_enter_the_admin(client, request, who, admin_status):
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    response = client.get("/admin/")
    assert response.status_code == admin_status
    if admin_status == 302:
        assert response.url.startswith("/admin/login/")


@pytest.mark.django_db
def test_operator_sees_members_in_the_admin(client, operator, member, other_member):
    client.force_login(operator)
    html = client.get("/admin/members/member/").content.decode()
    assert member.email in html and other_member.email in html


@pytest.mark.django_db
def test_a_form_sent_without_its_csrf_token_gets_the_styled_403(member):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    response = strict.post(
        reverse("members:preferences"), {"display_name": "x", "language": "en", "timezone": "UTC"}
    )
    assert response.status_code == 403
    assert "Your form expired" in response.content.decode()
