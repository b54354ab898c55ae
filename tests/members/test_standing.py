"""Account standing (LEGAL L20): posting limits, suspensions, bans and the salted hashes that stop a banned
address from signing up again."""

from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from members.models import BannedEmail, Member
from members.standing import (
    email_ban_hash,
    email_is_banned,
    member_ban,
    member_can_participate,
    member_can_post,
    member_is_suspended,
    member_lift,
    member_limit_posting,
    member_standing,
    member_suspend,
)
from tests.factories import PASSWORD, MemberFactory
from tests.moderation.translations import pending_zh  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

SIGNUP = {
    "email": "member@example.org",
    "display_name": "Back Again",
    "password1": "a-long-enough-passphrase",
    "birth_date": "1990-05-01",
    "accept_terms": "on",
}


def _days(n: int):
    return timezone.now() + timedelta(days=n)


def test_a_suspension_allows_reading_only_until_it_ends(member, moderator):
    assert member_suspend(member=member, until=_days(3), by=moderator)

    member.refresh_from_db()
    assert member_is_suspended(member=member)
    assert not member_can_post(member=member) and not member_can_participate(member=member)
    with time_machine.travel(_days(4)):
        assert member_can_post(member=member) and member_can_participate(member=member)
        assert member_standing(member=member) is None


def test_a_posting_limit_still_allows_reactions_and_rsvps(member, moderator):
    member_limit_posting(member=member, until=_days(2), by=moderator)

    assert not member_can_post(member=member)
    assert member_can_participate(member=member)
    assert member_standing(member=member).kind == "limit"


def test_a_shorter_second_decision_never_shortens_a_longer_one(member, moderator):
    member_suspend(member=member, until=_days(10), by=moderator)
    assert not member_suspend(member=member, until=_days(2), by=moderator)
    member.refresh_from_db()
    assert member.suspended_until > _days(9)
    assert member_suspend(member=member, until=_days(20), by=moderator)


def test_times_must_be_aware_and_ahead(member, moderator):
    with pytest.raises(ValueError, match="future"):
        member_suspend(member=member, until=timezone.now() - timedelta(minutes=1), by=moderator)
    with pytest.raises(ValueError, match="aware"):
        member_limit_posting(member=member, until=_days(1).replace(tzinfo=None), by=moderator)


@pytest.mark.legal("L20")
def test_a_ban_closes_the_account_and_keeps_only_salted_hashes_of_its_addresses(member, moderator):
    EmailAddress.objects.create(user=member, email="Mia.Second@Example.NET", verified=True)
    Token.objects.create(user=member)

    assert member_ban(member=member, by=moderator)
    assert not member_ban(member=member, by=moderator)  # twice changes nothing

    member.refresh_from_db()
    assert member.banned_at is not None and not member.is_active
    assert not Token.objects.filter(user=member).exists()
    hashes = set(BannedEmail.objects.values_list("email_hash", flat=True))
    assert hashes == {email_ban_hash("member@example.org"), email_ban_hash("mia.second@example.net")}
    assert all(len(value) == 64 and "@" not in value for value in hashes)
    with connection.cursor() as cursor:  # nothing in the table can be read back as the address
        cursor.execute("SELECT * FROM members_bannedemail")
        dump = repr(cursor.fetchall()).lower()
    assert "member@example.org" not in dump and "example" not in dump
    assert email_is_banned("  MEMBER@example.org ")
    assert not email_is_banned("someone.else@example.org")


def test_the_hash_is_keyed_by_the_secret_and_survives_a_key_rotation(member, moderator, settings):
    member_ban(member=member, by=moderator)
    old_secret = settings.SECRET_KEY
    settings.SECRET_KEY = "a-completely-new-secret-key-for-this-test-only-0123456789"
    assert email_ban_hash("member@example.org") not in BannedEmail.objects.values_list(
        "email_hash", flat=True
    )
    assert not email_is_banned("member@example.org")
    settings.SECRET_KEY_FALLBACKS = [old_secret]
    assert email_is_banned("member@example.org")


def test_an_expired_ban_hash_no_longer_blocks(db):
    BannedEmail.objects.create(email_hash=email_ban_hash("gone@example.org"), until=_days(1))
    assert email_is_banned("gone@example.org")
    with time_machine.travel(_days(2)):
        assert not email_is_banned("gone@example.org")


def test_lifting_a_ban_opens_the_account_and_forgets_its_hashes(member, moderator):
    member_ban(member=member, by=moderator)
    assert member_lift(member=member, what="ban", by=moderator)

    member.refresh_from_db()
    assert member.is_active and member.banned_at is None
    assert not BannedEmail.objects.exists()
    assert not member_lift(member=member, what="ban", by=moderator)


def test_lifting_a_limit_or_suspension_ends_it_now(member, moderator):
    member_limit_posting(member=member, until=_days(5), by=moderator)
    member_suspend(member=member, until=_days(5), by=moderator)
    assert member_lift(member=member, what="suspend", by=moderator)
    assert member_lift(member=member, what="limit", by=moderator)
    member.refresh_from_db()
    assert member.suspended_until is None and member.posting_limited_until is None
    with pytest.raises(ValueError):
        member_lift(member=member, what="everything", by=moderator)


@pytest.mark.legal("L20")
def test_a_banned_member_cannot_sign_in_and_is_told_why(client, member, moderator):
    member_ban(member=member, by=moderator)

    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})

    assert response.status_code == 403
    page = response.content.decode()
    assert "This account is banned" in page
    assert "appeal" in page
    assert "_auth_user_id" not in client.session


def test_a_wrong_password_for_a_banned_account_reveals_nothing(client, member, moderator):
    member_ban(member=member, by=moderator)
    response = client.post(reverse("account_login"), {"login": member.email, "password": "not-the-password"})
    assert "banned" not in response.content.decode()


@pytest.mark.usefixtures("pending_zh")
def test_the_banned_page_is_in_chinese_for_a_chinese_browser(client, member, moderator):
    member_ban(member=member, by=moderator)
    response = client.post(
        reverse("account_login"), {"login": member.email, "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert "此账号已被封禁" in response.content.decode()


@pytest.mark.legal("L20")
def test_an_open_session_ends_with_the_ban(member_client, member, moderator):
    assert member_client.get(reverse("members:preferences")).status_code == 200

    member_ban(member=member, by=moderator)

    response = member_client.get(reverse("members:preferences"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]


def test_an_api_token_stops_working_with_the_ban(client, member, moderator):
    token = Token.objects.create(user=member)
    member_ban(member=member, by=moderator)
    response = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 401


@pytest.mark.legal("L20")
def test_signing_up_again_with_a_banned_address_is_refused_beside_the_field(client, member, moderator):
    member_ban(member=member, by=moderator)
    Member.objects.filter(pk=member.pk).delete()  # even once the account itself is gone

    response = client.post(reverse("account_signup"), {**SIGNUP, "email": " Member@Example.org"})

    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="id_email_error"' in page
    assert "belongs to an account that was banned" in page
    assert 'value="Back Again"' in page  # the rest of the form is kept
    assert not Member.objects.filter(email="member@example.org").exists()


@pytest.mark.legal("L20")
def test_adding_a_banned_address_to_another_account_is_refused(client, member, moderator, other_member):
    member_ban(member=member, by=moderator)
    client.force_login(other_member)

    response = client.post(reverse("account_email"), {"action_add": "", "email": "member@example.org"})

    assert response.status_code == 200
    assert "belongs to an account that was banned" in response.content.decode()
    assert not EmailAddress.objects.filter(user=other_member, email="member@example.org").exists()


def test_a_lifted_ban_lets_the_address_sign_up_again(client, member, moderator):
    member_ban(member=member, by=moderator)
    member_lift(member=member, what="ban", by=moderator)
    Member.objects.filter(pk=member.pk).delete()

    response = client.post(reverse("account_signup"), SIGNUP)

    assert response.status_code == 302
    assert Member.objects.filter(email="member@example.org").exists()


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("suspended_until", "Your account is suspended until"),
        ("posting_limited_until", "Your account may not post or comment until"),
    ],
)
def test_the_banner_tells_a_restricted_member_on_every_page(client, field, text):
    member = MemberFactory(**{field: _days(3)})
    client.force_login(member)
    for url in ("/", reverse("members:preferences")):
        assert text in client.get(url).content.decode()


@pytest.mark.usefixtures("pending_zh")
def test_the_banner_speaks_the_members_language(client):
    member = MemberFactory(language="zh-hans", suspended_until=_days(3))
    client.force_login(member)
    assert "你的账号已被暂停" in client.get("/").content.decode()


def test_no_banner_for_a_member_in_good_standing_or_after_the_end(client):
    member = MemberFactory(suspended_until=_days(1))
    client.force_login(member)
    with time_machine.travel(_days(2)):
        assert "standing-banner" not in client.get("/").content.decode()


def test_the_banner_costs_no_query(client):
    """The same page, once for a member in good standing and once for a suspended one: equal counts."""
    good, suspended = MemberFactory(), MemberFactory(suspended_until=_days(3))
    counts = []
    for who in (good, suspended):
        client.force_login(who)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("members:preferences")).content.decode()
        counts.append(len(queries))
    assert "standing-banner" in page
    assert counts[0] == counts[1]
