"""LEGAL L5: the age gate at signup, the guardian's consent through a signed link, and no profiling of
minors (members/guardian.py, privacy/consents.py)."""

import json
import re
from datetime import date, timedelta
from pathlib import Path

import polib
import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse
from django.utils import timezone

from members.guardian import age_needs_guardian, age_of_consent, age_on
from members.models import GuardianConsent, Member
from privacy.consents import consent_grant, consent_granted_member_ids, consent_is_granted
from privacy.models import ConsentEntry, PolicyVersion

pytestmark = [pytest.mark.django_db, pytest.mark.legal("L5")]

PASSPHRASE = "a-long-enough-passphrase"


def born(years: int, *, days: int = 0) -> date:
    """The birth date of someone who is `years` old today (their birthday is today), moved `days`
    later: born(14, days=1) turns 14 tomorrow, so is 13."""
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return birthday + timedelta(days=days)


def signup_data(*, birth: date, guardian: str = "parent@example.net", email: str = "kid@example.org"):
    return {
        "email": email,
        "display_name": "小明 Kid",
        "password1": PASSPHRASE,
        "accept_terms": "on",
        "birth_date": birth.isoformat(),
        "guardian_email": guardian,
    }


@pytest.fixture
def sign_up(client, django_capture_on_commit_callbacks):
    """Post the signup form; the guardian's email goes out after commit, as in production."""

    def post(data, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(reverse("account_signup"), data, **extra)

    return post


def guardian_path(mail) -> str:
    return re.search(r"https?://[^/\s]+(/members/guardian/\S+/)", mail.body).group(1)


def pending_catalog(folder: Path) -> Path:
    """locale/zh_Hans/pending/guardian.json compiled into a catalog of its own, to put first in
    LOCALE_PATHS until the lead merges it into django.po: pages and emails then show our Chinese."""
    entries = json.loads(
        (Path(django_settings.BASE_DIR) / "locale" / "zh_Hans" / "pending" / "guardian.json").read_text(
            "utf-8"
        )
    )
    catalog = polib.POFile()
    catalog.metadata = {
        "Content-Type": "text/plain; charset=UTF-8",
        "Language": "zh_Hans",
        "Plural-Forms": "nplurals=1; plural=0;",
    }
    for msgid, value in entries.items():
        catalog.append(polib.POEntry(msgid=msgid, msgstr=value[0] if isinstance(value, list) else value))
    target = folder / "zh_Hans" / "LC_MESSAGES"
    target.mkdir(parents=True)
    catalog.save_as_mofile(str(target / "django.mo"))
    return folder


# --- The age gate ---------------------------------------------------------------------------------


def test_age_counts_full_years_and_a_birthday_tomorrow_is_not_yet_reached():
    today = date(2026, 3, 10)
    assert age_on(birth_date=date(2012, 3, 10), day=today) == 14
    assert age_on(birth_date=date(2012, 3, 11), day=today) == 13
    assert age_on(birth_date=date(2008, 2, 29), day=date(2026, 2, 28)) == 17
    assert age_on(birth_date=date(2008, 2, 29), day=date(2026, 3, 1)) == 18


def test_the_cn_profile_needs_a_guardian_under_14(settings):
    settings.AGE_PROFILE = "cn"
    assert age_of_consent() == 14
    assert age_needs_guardian(birth_date=born(14, days=1))
    assert not age_needs_guardian(birth_date=born(14))


@pytest.mark.parametrize("age", [13, 14, 15, 16])
def test_the_eu_profile_uses_the_configured_age(settings, age):
    settings.AGE_PROFILE = "eu"
    settings.EU_DIGITAL_CONSENT_AGE = age
    assert age_of_consent() == age
    assert age_needs_guardian(birth_date=born(age, days=1))
    assert not age_needs_guardian(birth_date=born(age))


@pytest.mark.parametrize(
    ("profile", "age", "named"),
    [("us", 16, "AGE_PROFILE"), ("eu", 12, "EU_DIGITAL_CONSENT_AGE"), ("eu", 17, "EU_DIGITAL_CONSENT_AGE")],
)
def test_a_wrong_age_setting_stops_with_the_variable_named(settings, profile, age, named):
    settings.AGE_PROFILE = profile
    settings.EU_DIGITAL_CONSENT_AGE = age
    with pytest.raises(ImproperlyConfigured, match=named):
        age_of_consent()


def test_a_13_year_old_in_the_cn_profile_waits_for_the_guardian_we_emailed(
    sign_up, client, mailoutbox, settings
):
    settings.AGE_PROFILE = "cn"
    response = sign_up(signup_data(birth=born(14, days=1)))

    assert response.status_code == 302
    assert response.url == reverse("account_inactive")
    member = Member.objects.get(email="kid@example.org")
    assert (member.is_active, member.is_minor) == (False, True)
    request = GuardianConsent.objects.get(member=member)
    assert (request.guardian_email, request.confirmed_at) == ("parent@example.net", None)
    # The guardian's consent is the one that counts: nothing goes to the ledger until they give it.
    assert not ConsentEntry.objects.filter(member=member).exists()

    assert [mail.to for mail in mailoutbox] == [["parent@example.net"]]
    mail = mailoutbox[0]
    assert "小明 Kid asks for your consent to join" in mail.subject
    assert "14 days" in mail.body and "under 14" in mail.body
    assert guardian_path(mail)

    page = client.get(response.url).content.decode()
    assert "We emailed your parent or guardian" in page


def test_the_birth_date_is_not_kept_only_whether_the_member_is_a_minor(sign_up, client, settings):
    sign_up(signup_data(birth=born(12)))
    member = Member.objects.get(email="kid@example.org")
    assert not [f.name for f in Member._meta.get_fields() if "birth" in f.name]
    stored = json.dumps(list(Member.objects.filter(pk=member.pk).values()), default=str)
    assert born(12).isoformat() not in stored
    assert born(12).isoformat() not in json.dumps(dict(client.session.items()), default=str)
    help_text = client.get(reverse("account_signup")).content.decode()
    assert "We do not keep it: we store only whether you are under 14." in help_text


def test_a_minor_without_a_guardian_address_is_told_beside_the_field_and_keeps_their_text(sign_up, client):
    response = sign_up(signup_data(birth=born(10), guardian=""))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="id_guardian_email_error"' in html
    assert "You are under 14: please give the email address of a parent or guardian." in html
    assert 'value="小明 Kid"' in html
    assert f'value="{born(10).isoformat()}"' in html
    assert not Member.objects.exists()


def test_a_minor_cannot_name_themselves_as_guardian(sign_up, client):
    response = sign_up(signup_data(birth=born(10), guardian="KID@example.org"))
    assert "not your own" in response.content.decode()
    assert not Member.objects.exists()


@pytest.mark.parametrize(
    ("birth_date", "message"),
    [("", "Please enter your date of birth."), ("2199-01-01", "This date is in the future.")],
)
def test_a_missing_or_impossible_birth_date_is_refused_beside_the_field(sign_up, client, birth_date, message):
    response = sign_up({**signup_data(birth=born(30)), "birth_date": birth_date})
    html = response.content.decode()
    assert 'id="id_birth_date_error"' in html and message in html
    assert not Member.objects.exists()


def test_a_15_year_old_in_the_eu_profile_with_age_16_needs_a_guardian(sign_up, client, settings, mailoutbox):
    settings.AGE_PROFILE = "eu"
    settings.EU_DIGITAL_CONSENT_AGE = 16
    sign_up(signup_data(birth=born(15)))
    member = Member.objects.get(email="kid@example.org")
    assert (member.is_active, member.is_minor) == (False, True)
    assert "under 16" in mailoutbox[0].body


def test_a_16_year_old_in_the_eu_profile_with_age_16_joins_alone(sign_up, client, settings, mailoutbox):
    settings.AGE_PROFILE = "eu"
    settings.EU_DIGITAL_CONSENT_AGE = 16
    response = sign_up(signup_data(birth=born(16)))
    assert response.url == reverse("account_email_verification_sent")
    member = Member.objects.get(email="kid@example.org")
    assert (member.is_active, member.is_minor) == (True, False)
    assert not GuardianConsent.objects.exists()
    assert consent_is_granted(member, "terms")
    # Only the member's own verification email: an adult's guardian address is not used (or kept).
    assert [mail.to for mail in mailoutbox] == [["kid@example.org"]]


def test_the_guardian_email_is_written_in_the_members_language(
    sign_up, client, mailoutbox, settings, tmp_path
):
    settings.LOCALE_PATHS = [pending_catalog(tmp_path), *settings.LOCALE_PATHS]
    sign_up(signup_data(birth=born(12)), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert Member.objects.get().language == "zh-hans"
    assert "请求你同意其加入" in mailoutbox[0].subject
    assert "14 天" in mailoutbox[0].body


def test_signing_in_before_the_guardian_agrees_shows_a_clear_message(sign_up, client, settings):
    sign_up(signup_data(birth=born(12)))
    fresh = client.__class__()
    response = fresh.post(reverse("account_login"), {"login": "kid@example.org", "password": PASSPHRASE})
    assert response.status_code == 302 and response.url == reverse("account_inactive")
    page = fresh.get(response.url).content.decode()
    assert "Your account is not active yet" in page
    assert "once a parent or guardian agrees" in page
    assert "_auth_user_id" not in fresh.session


# --- The guardian's page ----------------------------------------------------------------------------


@pytest.fixture
def pending_minor(sign_up, client, mailoutbox):
    sign_up(signup_data(birth=born(12)))
    client.logout()
    return Member.objects.get(email="kid@example.org"), guardian_path(mailoutbox[0])


def test_the_guardian_page_explains_the_community_and_its_data_and_changes_nothing(client, pending_minor):
    member, path = pending_minor
    response = client.get(path)
    html = response.content.decode()
    assert response.status_code == 200
    assert "A young person wants to join" in html
    assert "小明 Kid" in html and "kid@example.org" in html
    assert 'href="/privacy/policies/privacy_policy/"' in html
    assert "What we keep about members" in html
    assert 'name="decision" value="consent"' in html and 'name="decision" value="refuse"' in html
    member.refresh_from_db()
    assert member.is_active is False
    assert GuardianConsent.objects.get(member=member).confirmed_at is None


def test_the_guardians_consent_activates_the_account_and_is_recorded_in_the_ledger(client, pending_minor):
    member, path = pending_minor
    response = client.post(path, {"decision": "consent"})
    assert response.status_code == 200
    assert "is now active" in response.content.decode()

    member.refresh_from_db()
    assert member.is_active is True and member.is_minor is True
    assert GuardianConsent.objects.get(member=member).confirmed_at is not None
    entry = ConsentEntry.objects.get(member=member)
    terms = PolicyVersion.objects.filter(document__kind="terms").latest("published_at")
    # No actor: the guardian is not a member; the confirmed request says who gave it.
    assert (entry.purpose, entry.granted, entry.channel, entry.actor_id, entry.version_id) == (
        "terms",
        True,
        "web",
        None,
        terms.pk,
    )

    # A second click, or the link opened again, changes nothing.
    client.post(path, {"decision": "consent"})
    response = client.post(path, {"decision": "refuse"}, follow=True)
    assert "You have already agreed" in response.content.decode()
    assert ConsentEntry.objects.filter(member=member).count() == 1
    assert Member.objects.filter(pk=member.pk, is_active=True).exists()
    assert "You have already agreed" in client.get(path).content.decode()

    # The minor can now sign in: allauth asks them to verify their own address first, as anyone.
    response = client.post(reverse("account_login"), {"login": "kid@example.org", "password": PASSPHRASE})
    assert response.url == reverse("account_email_verification_sent")


def test_the_guardians_refusal_deletes_the_pending_account(client, pending_minor):
    member, path = pending_minor
    response = client.post(path, {"decision": "refuse"})
    assert response.status_code == 200
    assert "The account was deleted" in response.content.decode()
    assert not Member.objects.filter(pk=member.pk).exists()
    assert not GuardianConsent.objects.exists()
    assert not EmailAddress.objects.filter(email="kid@example.org").exists()
    # The link has nothing left to act on.
    assert client.get(path).status_code == 400


def test_an_expired_link_gives_a_friendly_page_and_changes_nothing(client, pending_minor):
    member, path = pending_minor
    with time_machine.travel(timezone.now() + timedelta(days=14, minutes=1), tick=False):
        page = client.get(path)
        refused = client.post(path, {"decision": "refuse"})
        agreed = client.post(path, {"decision": "consent"})
    assert page.status_code == refused.status_code == agreed.status_code == 410
    assert "This link has expired" in page.content.decode()
    member.refresh_from_db()
    assert member.is_active is False
    assert GuardianConsent.objects.get(member=member).confirmed_at is None
    assert not ConsentEntry.objects.exists()


def test_a_link_still_works_on_its_last_day(client, pending_minor):
    member, path = pending_minor
    with time_machine.travel(timezone.now() + timedelta(days=13, hours=23), tick=False):
        assert client.post(path, {"decision": "consent"}).status_code == 200
    member.refresh_from_db()
    assert member.is_active is True


@pytest.mark.parametrize("change", ["last", "member", "garbage"])
def test_a_tampered_link_gives_a_friendly_page_and_changes_nothing(client, pending_minor, change):
    from django.core import signing

    member, path = pending_minor
    token = path.rstrip("/").rsplit("/", 1)[1]
    if change == "last":
        token = token[:-1] + ("A" if token[-1] != "A" else "B")
    elif change == "member":  # a well-signed token for another request would need our key
        token = signing.dumps({"c": 1, "m": member.pk + 1, "t": 0}, salt="not-ours")
    else:
        token = "hello"
    bad = reverse("members:guardian", args=[token])
    page = client.get(bad)
    assert page.status_code == 400
    assert "This link does not work" in page.content.decode()
    assert client.post(bad, {"decision": "consent"}).status_code == 400
    assert client.post(bad, {"decision": "refuse"}).status_code == 400
    member.refresh_from_db()
    assert member.is_active is False
    assert GuardianConsent.objects.get(member=member).confirmed_at is None


def test_an_unknown_decision_changes_nothing(client, pending_minor):
    member, path = pending_minor
    assert client.post(path, {"decision": "maybe"}).status_code == 400
    member.refresh_from_db()
    assert member.is_active is False


# --- No profiling of minors ---------------------------------------------------------------------------


@pytest.fixture
def minor(db):
    from tests.factories import MemberFactory

    return MemberFactory(email="young@example.org", display_name="Young", is_minor=True)


def test_recommendations_are_never_granted_to_a_minor_whatever_they_click(minor, member, client):
    assert consent_grant(member=minor, purpose="recommendations", channel="web", actor=minor) is None
    assert consent_is_granted(minor, "recommendations") is False

    client.force_login(minor)
    client.post("/privacy/consents/recommendations/", {"decision": "grant"})
    minor.refresh_from_db()
    assert consent_is_granted(minor, "recommendations") is False
    assert not ConsentEntry.objects.filter(member=minor, purpose="recommendations").exists()

    # A grant recorded before the member was known to be a minor does not count either.
    ConsentEntry.objects.create(
        member=minor, member_ref=minor.pk, purpose="recommendations", granted=True, channel="web"
    )
    assert consent_is_granted(minor, "recommendations") is False
    consent_grant(member=member, purpose="recommendations", channel="web")
    ids = consent_granted_member_ids(member_ids=[minor.pk, member.pk], purpose="recommendations")
    assert ids == {member.pk}


def test_other_purposes_work_for_a_minor_as_for_anyone(minor):
    consent_grant(member=minor, purpose="public_profile", channel="web", actor=minor)
    assert consent_is_granted(minor, "public_profile") is True


def test_the_privacy_centre_does_not_offer_recommendations_to_a_minor(minor, member, client):
    client.force_login(minor)
    page = client.get("/privacy/").content.decode()
    assert "Marketing messages" in page
    assert 'id="consent-recommendations"' not in page
    client.force_login(member)
    assert 'id="consent-recommendations"' in client.get("/privacy/").content.decode()
