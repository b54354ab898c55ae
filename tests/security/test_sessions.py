"""S6: the session id changes at sign-in (allauth), dies at sign-out, and a password change signs out
every other session of the member while keeping the one that changed it."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, MemberFactory

NEW_PASSWORD = "a-new-and-long-passphrase-42"
MEMBERS_ONLY = "/members/preferences/"


@pytest.fixture
def account(db):
    return MemberFactory(email="sessions@example.org")


def sign_in(client: Client, email: str = "sessions@example.org", password: str = PASSWORD) -> str:
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def signed_in(client: Client) -> bool:
    response = client.get(MEMBERS_ONLY)
    assert response.status_code in (200, 302)
    return response.status_code == 200


def with_cookie(session_key: str) -> Client:
    """Another browser that somehow got hold of this session cookie."""
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def test_signing_in_gives_a_new_session_id_and_the_old_one_is_gone(account):
    client = Client()
    before = client.session  # an anonymous session, as a fixation attacker would plant it
    before["planted"] = True
    before.save()
    planted = before.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted
    after = sign_in(client)
    assert after != planted
    assert not Session.objects.filter(session_key=planted).exists()
    assert signed_in(client)
    assert not signed_in(with_cookie(planted))


def test_signing_in_rotates_the_csrf_token(account):
    client = Client()
    client.get(reverse("account_login"))
    token_before = client.cookies[settings.CSRF_COOKIE_NAME].value
    sign_in(client)
    assert client.cookies[settings.CSRF_COOKIE_NAME].value != token_before


def test_after_signing_out_the_old_session_cookie_is_worthless(account):
    client = Client()
    session_key = sign_in(client)
    assert signed_in(with_cookie(session_key))
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert not Session.objects.filter(session_key=session_key).exists()
    assert not signed_in(with_cookie(session_key))
    assert not signed_in(client)


def test_a_password_change_signs_out_the_members_other_sessions_but_keeps_this_one(account):
    laptop, phone = Client(), Client()
    laptop_key = sign_in(laptop)
    phone_key = sign_in(phone)
    assert laptop_key != phone_key
    assert signed_in(laptop) and signed_in(phone)
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert signed_in(laptop)
    # the session that changed the password got a new id too; the old cookie is worthless
    assert laptop.cookies[settings.SESSION_COOKIE_NAME].value != laptop_key
    assert not signed_in(with_cookie(laptop_key))
    assert not signed_in(phone)
    assert not signed_in(with_cookie(phone_key))


def test_a_password_set_by_staff_signs_out_every_session_of_the_member(account):
    client = Client()
    sign_in(client)
    account.set_password(NEW_PASSWORD)
    account.save(update_fields=["password"])
    assert not signed_in(client)


def test_the_old_password_no_longer_signs_in_after_a_change(account):
    client = Client()
    sign_in(client)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    fresh = Client()
    response = fresh.post(reverse("account_login"), {"login": account.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with an error
    assert not signed_in(fresh)
    sign_in(Client(), password=NEW_PASSWORD)
