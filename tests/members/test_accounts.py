import re

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from members.models import Member
from tests.factories import PASSWORD

SIGNUP = {
    "email": "new.member@example.org",
    "display_name": "新成员 Newcomer",
    "password1": "a-long-enough-passphrase",
    "birth_date": "1990-05-17",
    "accept_terms": "on",
}


def verification_link(mail) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+", mail.body).group(0)


@pytest.mark.django_db
def test_signup_creates_an_unverified_member_and_mails_a_verification_link(client, mailoutbox):
    response = client.post(reverse("account_signup"), SIGNUP, HTTP_ACCEPT_LANGUAGE="zh-CN")

    assert response.status_code == 302
    member = Member.objects.get(email="new.member@example.org")
    assert member.display_name == "新成员 Newcomer"
    assert member.language == "zh-hans"  # the language they signed up in
    assert not EmailAddress.objects.get(user=member).verified
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["new.member@example.org"]
    assert verification_link(mailoutbox[0])


@pytest.mark.django_db
def test_short_password_is_refused_beside_the_field_and_the_rest_is_kept(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "password1": "short"})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="id_password1_error"' in html
    assert "at least 10 characters" in html
    assert 'value="new.member@example.org"' in html
    assert 'value="新成员 Newcomer"' in html
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_blank_display_name_is_refused_beside_the_field(client):
    response = client.post(reverse("account_signup"), {**SIGNUP, "display_name": "   "})

    assert response.status_code == 200
    assert 'id="id_display_name_error"' in response.content.decode()
    assert not Member.objects.exists()


@pytest.mark.django_db
def test_email_must_be_verified_before_logging_in(client, mailoutbox):
    client.post(reverse("account_signup"), SIGNUP)
    client.logout()

    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")

    client.get(verification_link(mailoutbox[0]))
    confirm = client.post(verification_link(mailoutbox[0]))
    assert confirm.status_code == 302
    assert EmailAddress.objects.get(email=SIGNUP["email"]).verified

    response = client.post(
        reverse("account_login"), {"login": SIGNUP["email"], "password": SIGNUP["password1"]}
    )
    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.django_db
def test_email_login_ignores_case(client, member):
    response = client.post(reverse("account_login"), {"login": "MEMBER@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")


@pytest.mark.django_db
def test_repeated_wrong_passwords_get_the_rate_limit_message_not_a_500(client, member):
    responses = [
        client.post(reverse("account_login"), {"login": member.email, "password": f"wrong-{attempt}"})
        for attempt in range(10)
    ]

    assert all(r.status_code in (200, 429) for r in responses)
    assert "Too many failed login attempts" in responses[-1].content.decode()
    # Even the right password waits until the window has passed.
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert "Too many failed login attempts" in response.content.decode()


@pytest.mark.django_db
def test_logout_needs_a_post_and_ends_the_session(member_client):
    assert member_client.get(reverse("account_logout")).status_code == 200  # a confirmation page
    member_client.post(reverse("account_logout"))
    assert member_client.get(reverse("members:preferences")).status_code == 302


@pytest.mark.django_db
def test_password_reset_mails_a_link_that_sets_a_new_password(client, member, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": member.email})
    link = re.search(r"https?://\S+/accounts/password/reset/key/\S+", mailoutbox[0].body).group(0)

    form_page = client.get(link, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"password1": "another-long-passphrase", "password2": "another-long-passphrase"},
    )

    member.refresh_from_db()
    assert member.check_password("another-long-passphrase")


@pytest.mark.django_db
def test_password_change_keeps_the_member_signed_in(member_client, member):
    response = member_client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "brand-new-passphrase", "password2": "brand-new-passphrase"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.check_password("brand-new-passphrase")
    assert member_client.get(reverse("members:preferences")).status_code == 200


@pytest.mark.django_db
def test_email_change_is_verified_before_it_becomes_the_login(member_client, member, mailoutbox):
    response = member_client.post(reverse("account_email"), {"action_add": "", "email": "mia@example.net"})
    assert response.status_code == 302
    assert mailoutbox[-1].to == ["mia@example.net"]
    member.refresh_from_db()
    assert member.email == "member@example.org"

    member_client.post(verification_link(mailoutbox[-1]))
    member.refresh_from_db()
    assert member.email == "mia@example.net"


@pytest.mark.legal("L3")
@pytest.mark.django_db
def test_signup_without_agreeing_to_the_terms_is_refused_beside_the_box_and_the_rest_is_kept(client):
    data = {key: value for key, value in SIGNUP.items() if key != "accept_terms"}
    response = client.post(reverse("account_signup"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_accept_terms_error"' in html
    assert 'value="新成员 Newcomer"' in html
    assert not Member.objects.exists()


@pytest.mark.legal("L2")
@pytest.mark.django_db
def test_signup_records_the_terms_consent_and_an_unticked_marketing_box_as_a_refusal(client):
    from privacy.consents import consent_is_granted
    from privacy.models import ConsentEntry

    client.post(reverse("account_signup"), SIGNUP)
    member = Member.objects.get()
    assert consent_is_granted(member, "terms")
    assert not consent_is_granted(member, "marketing")
    entries = ConsentEntry.objects.filter(member=member).order_by("purpose")
    assert [(e.purpose, e.granted, e.channel) for e in entries] == [
        ("marketing", False, "web"),
        ("terms", True, "web"),
    ]


@pytest.mark.legal("L3")
@pytest.mark.django_db
def test_a_member_may_opt_in_to_marketing_at_signup(client):
    from privacy.consents import consent_is_granted

    client.post(reverse("account_signup"), {**SIGNUP, "accept_marketing": "on"})
    assert consent_is_granted(Member.objects.get(), "marketing")
