import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD


@pytest.mark.django_db
def test_a_visitor_switching_to_chinese_gets_a_cookie_and_chinese_pages(client):
    response = client.post(reverse("members:language"), {"language": "zh-hans", "next": "/"})

    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "zh-hans"
    assert "欢迎" in client.get("/").content.decode()


@pytest.mark.django_db
def test_a_members_language_choice_follows_them_to_a_new_device(member_client, member):
    member_client.post(reverse("members:language"), {"language": "zh-hans", "next": "/"})
    member.refresh_from_db()
    assert member.language == "zh-hans"

    new_device = Client()
    new_device.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    page = new_device.get("/").content.decode()
    assert 'lang="zh-hans"' in page
    # The signed-in home page is the feed now; the header is the same on every page.
    assert "退出登录" in page


@pytest.mark.django_db
def test_switching_to_an_unknown_language_changes_nothing(member_client, member):
    response = member_client.post(reverse("members:language"), {"language": "xx", "next": "/"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.language == "en"


@pytest.mark.django_db
def test_language_switch_never_redirects_off_site(client):
    response = client.post(reverse("members:language"), {"language": "en", "next": "https://evil.example/"})
    assert response.url == "/"


@pytest.mark.django_db
def test_language_switch_only_accepts_post(client):
    assert client.get(reverse("members:language")).status_code == 405


@pytest.mark.django_db
def test_a_visitor_is_sent_to_log_in_for_preferences(client):
    response = client.get(reverse("members:preferences"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.django_db
def test_a_member_saves_display_name_language_and_time_zone(member_client, member):
    response = member_client.post(
        reverse("members:preferences"),
        {"display_name": "Mia M.", "language": "zh-hans", "timezone": "Europe/Berlin"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.language, member.timezone) == ("Mia M.", "zh-hans", "Europe/Berlin")


@pytest.mark.django_db
def test_a_bad_time_zone_is_refused_beside_the_field_and_the_name_is_kept(member_client, member):
    response = member_client.post(
        reverse("members:preferences"),
        {"display_name": "Kept Name", "language": "en", "timezone": "Mars/Olympus"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_timezone_error"' in html
    assert 'value="Kept Name"' in html
    member.refresh_from_db()
    assert member.timezone == "Asia/Shanghai"


@pytest.mark.django_db
def test_each_member_edits_only_their_own_preferences(client, member, other_member):
    client.force_login(other_member)
    client.post(
        reverse("members:preferences"), {"display_name": "Changed", "language": "en", "timezone": "UTC"}
    )
    member.refresh_from_db()
    other_member.refresh_from_db()
    assert member.display_name == "Mia Member"
    assert other_member.display_name == "Changed"


@pytest.mark.django_db
def test_a_members_time_zone_is_active_for_their_requests(client, member):
    from content.models import Post
    from tests.factories import PostFactory

    post = PostFactory()
    Post.objects.filter(pk=post.pk).update(created_at="2026-03-01T01:30:00+00:00")
    member.timezone = "Asia/Shanghai"
    member.save(update_fields=["timezone"])
    client.force_login(member)
    assert 'datetime="2026-03-01T09:30:00+08:00"' in client.get(f"/p/{post.pk}/").content.decode()


@pytest.mark.django_db
def test_a_time_zone_the_system_no_longer_knows_falls_back_to_utc(client, member):
    from members.models import Member

    Member.objects.filter(pk=member.pk).update(timezone="Mars/Olympus")
    client.force_login(member)
    assert client.get("/").status_code == 200
