"""The consent API (privacy/api.py): the member's own consents only, grant and withdraw by channel "api"
(LEGAL L2–L5)."""

import pytest
from rest_framework.authtoken.models import Token

from privacy.consents import consent_grant, consent_is_granted, consent_withdraw
from privacy.models import ConsentEntry
from tests.api.helpers import JsonClient, error_of
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

PURPOSES = ["terms", "marketing", "public_profile", "recommendations", "share_attendees"]


def states(body) -> dict[str, dict]:
    return {item["purpose"]: item for item in body["consents"]}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/consents/"),
        ("post", "/api/v1/consents/marketing/grant/"),
        ("post", "/api/v1/consents/marketing/withdraw/"),
    ],
)
def test_a_visitor_gets_a_json_401_and_changes_nothing(api, method, path):
    response = getattr(api, method)(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert error_of(response)["code"] == "not_authenticated"
    assert not ConsentEntry.objects.exists()


@pytest.mark.legal("L6")
@pytest.mark.parametrize("who", ["member", "other_member", "space_moderator", "moderator", "operator"])
def test_everyone_signed_in_sees_only_their_own_consents(as_member, cast, who):
    person = cast[who]
    for name, someone in cast.items():
        if someone is not None and name != who:
            consent_grant(member=someone, purpose="marketing", channel="web", actor=someone)
    consent_grant(member=person, purpose="public_profile", channel="web", actor=person)

    body = as_member(person).get("/api/v1/consents/", {"member": cast["member"].pk}).json()
    assert list(states(body)) == PURPOSES
    assert states(body)["public_profile"]["granted"] is True
    assert states(body)["marketing"]["granted"] is False  # others' grants are not theirs
    assert [(h["purpose"], h["granted"], h["channel"]) for h in body["history"]] == [
        ("public_profile", True, "web")
    ]


@pytest.mark.legal("L2")
def test_the_state_names_the_text_version_and_how_it_was_decided(as_member, member):
    consent_grant(member=member, purpose="terms", channel="web", actor=member)
    consent_withdraw(member=member, purpose="marketing", channel="web", actor=member)
    body = as_member(member).get("/api/v1/consents/").json()
    terms = states(body)["terms"]
    assert (terms["required"], terms["granted"], terms["version"], terms["channel"]) == (
        True,
        True,
        "2026-11",
        "web",
    )
    assert terms["decided_at"]
    assert states(body)["marketing"]["granted"] is False
    assert states(body)["share_attendees"] == {
        "purpose": "share_attendees",
        "label": "Sharing my attendance with outside organisers",
        "required": False,
        "granted": False,
        "version": None,
        "channel": None,
        "decided_at": None,
    }
    assert body["required_pending"] == []
    assert {h["document"] for h in body["history"]} == {"terms", "marketing_terms"}


@pytest.mark.legal("L4")
def test_grant_and_withdraw_are_recorded_by_the_api_channel_and_take_effect_at_once(as_member, member):
    client = as_member(member)
    response = client.post("/api/v1/consents/marketing/grant/")
    assert response.status_code == 201
    assert response.json()["granted"] is True and response.json()["channel"] == "api"
    assert consent_is_granted(member, "marketing")
    entry = ConsentEntry.objects.get(member=member)
    assert (entry.channel, entry.actor_id, entry.version.document.kind) == (
        "api",
        member.pk,
        "marketing_terms",
    )

    assert client.post("/api/v1/consents/marketing/grant/").status_code == 200  # already granted
    response = client.post("/api/v1/consents/marketing/withdraw/")
    assert response.status_code == 201 and response.json()["granted"] is False
    assert not consent_is_granted(member, "marketing")
    assert client.post("/api/v1/consents/marketing/withdraw/").status_code == 200
    assert ConsentEntry.objects.filter(member=member).count() == 2


def test_a_member_cannot_change_another_members_consents(as_member, member, other_member):
    client = as_member(other_member)
    client.post("/api/v1/consents/marketing/grant/", {"member": member.pk})
    assert not consent_is_granted(member, "marketing")
    assert consent_is_granted(other_member, "marketing")
    assert not ConsentEntry.objects.filter(member=member).exists()


def test_staff_use_the_api_for_their_own_consents_only(as_member, operator, member):
    consent_grant(member=member, purpose="marketing", channel="web")
    client = as_member(operator)
    assert states(client.get("/api/v1/consents/").json())["marketing"]["granted"] is False
    client.post("/api/v1/consents/marketing/withdraw/")
    assert consent_is_granted(member, "marketing")


def test_an_api_token_works_as_well_as_a_session(member):
    token = Token.objects.create(user=member)
    client = JsonClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert client.post("/api/v1/consents/public_profile/grant/").status_code == 201
    assert states(client.get("/api/v1/consents/").json())["public_profile"]["granted"] is True


def test_an_unknown_purpose_is_a_json_404(as_member, member):
    for action in ["grant", "withdraw"]:
        response = as_member(member).post(f"/api/v1/consents/selling_data/{action}/")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    assert not ConsentEntry.objects.exists()


def test_the_terms_cannot_be_withdrawn_here(as_member, member):
    consent_grant(member=member, purpose="terms", channel="web")
    response = as_member(member).post("/api/v1/consents/terms/withdraw/")
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "required_purpose"
    assert "delete your account" in error["message"]
    assert consent_is_granted(member, "terms")


def test_other_methods_are_a_json_405(as_member, member):
    response = as_member(member).get("/api/v1/consents/marketing/grant/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


@pytest.mark.legal("L5")
def test_a_minor_is_not_offered_recommendations_and_cannot_grant_them(as_member):
    minor = MemberFactory(is_minor=True)
    client = as_member(minor)
    assert "recommendations" not in states(client.get("/api/v1/consents/").json())
    response = client.post("/api/v1/consents/recommendations/grant/")
    assert response.status_code == 403
    assert error_of(response)["code"] == "not_for_minors"
    assert not consent_is_granted(minor, "recommendations")
    assert not ConsentEntry.objects.filter(member=minor).exists()
    assert client.post("/api/v1/consents/marketing/grant/").status_code == 201


@pytest.mark.legal("L2")
def test_a_new_terms_version_shows_as_pending_and_a_grant_accepts_it(as_member, member, operator):
    from privacy.models import PolicyDocument, PolicyVersion
    from privacy.services import policy_version_publish

    consent_grant(member=member, purpose="terms", channel="web")
    version = PolicyVersion.objects.create(
        document=PolicyDocument.objects.get(kind="terms"), label="2027-01", body_en="new", body_zh="新"
    )
    policy_version_publish(version=version, by=operator)
    client = as_member(member)
    assert client.get("/api/v1/consents/").json()["required_pending"] == [
        {"purpose": "terms", "document": "terms", "version": "2027-01"}
    ]
    assert client.post("/api/v1/consents/terms/grant/").json()["version"] == "2027-01"
    assert client.get("/api/v1/consents/").json()["required_pending"] == []


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_has_a_fixed_query_count(as_member, member, count, django_assert_num_queries):
    for number in range(count):
        decide = consent_grant if number % 2 == 0 else consent_withdraw
        decide(member=member, purpose="marketing", channel="web")
    client = as_member(member)
    # 1. the member (the session itself is in the Redis cache)
    # 2. the latest decision per purpose, with its version and document
    # 3. the history, newest first, with version and document (at most 100). The required documents
    # to accept again come from the cache the sign-in filled.
    with django_assert_num_queries(3):
        response = client.get("/api/v1/consents/")
    assert len(response.json()["history"]) == count


def test_a_grant_has_a_fixed_query_count(as_member, member, django_assert_num_queries):
    client = as_member(member)
    # 1. the member   2. the current marketing terms   3. SAVEPOINT   4. lock the member row
    # 5. the latest decision   6. INSERT the entry   7. RELEASE SAVEPOINT
    with django_assert_num_queries(7):
        assert client.post("/api/v1/consents/marketing/grant/").status_code == 201
