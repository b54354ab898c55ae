import pytest
from django.utils import timezone

from privacy.consents import consent_grant, consent_is_granted
from privacy.models import AccessLog, ConsentEntry
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/privacy/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    response = client.post("/privacy/consents/marketing/", {"decision": "grant"})
    assert response.status_code == 302
    assert not ConsentEntry.objects.exists()


@pytest.mark.legal("L6")
@pytest.mark.parametrize("who", ["member", "other_member", "moderator", "operator"])
def test_every_signed_in_member_sees_their_own_privacy_centre(client, request, who):
    person = request.getfixturevalue(who)
    client.force_login(person)
    page = client.get("/privacy/").content.decode()
    assert "Your consents" in page
    assert "Marketing messages" in page
    assert 'href="/privacy/policies/privacy_policy/"' in page


@pytest.mark.legal("L4")
def test_granting_and_withdrawing_is_one_click_each_and_immediate(member_client, member):
    response = member_client.post("/privacy/consents/marketing/", {"decision": "grant"})
    assert response.status_code == 302
    assert consent_is_granted(member, "marketing")
    entry = ConsentEntry.objects.get(member=member)
    assert (entry.channel, entry.actor_id, entry.version.document.kind) == (
        "web",
        member.pk,
        "marketing_terms",
    )
    response = member_client.post("/privacy/consents/marketing/", {"decision": "withdraw"}, follow=True)
    assert not consent_is_granted(member, "marketing")
    assert "Withdrawn at once" in response.content.decode()


@pytest.mark.legal("L4")
def test_htmx_switch_returns_the_updated_item(member_client, member):
    response = member_client.post(
        "/privacy/consents/public_profile/", {"decision": "grant"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="consent-public_profile"' in html
    assert 'value="withdraw"' in html
    assert "<html" not in html


def test_a_decision_changes_only_the_signed_in_members_consents(member_client, member, other_member):
    member_client.post("/privacy/consents/marketing/", {"decision": "grant"})
    assert consent_is_granted(member, "marketing")
    assert not consent_is_granted(other_member, "marketing")


def test_terms_and_unknown_purposes_cannot_be_switched_here(member_client):
    assert member_client.post("/privacy/consents/terms/", {"decision": "withdraw"}).status_code == 404
    assert member_client.post("/privacy/consents/selling/", {"decision": "grant"}).status_code == 404
    assert member_client.post("/privacy/consents/marketing/", {"decision": "maybe"}).status_code == 400
    assert member_client.get("/privacy/consents/marketing/").status_code == 405
    assert not ConsentEntry.objects.exists()


@pytest.mark.legal("L2")
def test_history_shows_each_decision_with_the_version_agreed_to(member_client, member, other_member):
    consent_grant(member=member, purpose="terms", channel="web")
    consent_grant(member=other_member, purpose="recommendations", channel="web")
    page = member_client.get("/privacy/").content.decode()
    assert "Terms of service (required)" in page
    assert 'href="/privacy/policies/terms/2026-11/"' in page
    assert "Personalised recommendations</td>" not in page


@pytest.mark.legal("L6")
def test_the_page_lists_the_categories_of_data_from_the_registry(member_client):
    page = member_client.get("/privacy/").content.decode()
    assert "Delivery records" in page
    assert "Delivering notifications and emails" in page
    assert "90 days" in page


@pytest.mark.parametrize("decisions", [1, 50])
def test_privacy_centre_query_count_does_not_grow_with_history(client, decisions, django_assert_num_queries):
    person = MemberFactory()
    for n in range(decisions):
        consent_grant(member=person, purpose="marketing", channel="web")
        ConsentEntry.objects.create(
            member=person, member_ref=person.pk, purpose="marketing", granted=False, channel="web"
        )
        assert n >= 0
    for _ in range(decisions):
        AccessLog.objects.create(
            member_ref=person.pk, method="POST", path="/", status=200, time=timezone.now(), kind="sign_in"
        )
    client.force_login(person)
    # (the session lives in Redis) 1. member  2. latest decision per purpose  3. retention categories
    # 4. inbox unread count (base layout)  5. the last 50 decisions with versions and documents
    # 6. the last 10 sign-ins. The deletion and re-consent banners and the centre's deletion section
    # read what the sign-in put in the cache: no query.
    with django_assert_num_queries(6):
        assert client.get("/privacy/").status_code == 200


@pytest.mark.legal("L6")
def test_the_centre_shows_the_members_message_settings_and_links_to_change_them(member_client, member):
    member.email_mode = "daily"
    member.email_daily_cap = 2
    member.save(update_fields=["email_mode", "email_daily_cap"])

    page = member_client.get("/privacy/").content.decode()

    assert "Your message settings" in page
    assert "One daily digest" in page
    assert 'href="/members/preferences/#email"' in page
