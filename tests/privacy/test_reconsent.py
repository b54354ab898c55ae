"""LEGAL L2: a new version of a required document (the terms) is accepted before posting again;
reading stays possible (privacy.selectors.required_consents_pending, /privacy/accept/)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from content.models import Comment, Post
from members.models import Member
from privacy.consents import consent_grant, consent_is_granted, consent_withdraw, required_consents_forget_all
from privacy.models import ConsentEntry, PolicyDocument, PolicyVersion
from privacy.selectors import required_consents_pending, required_consents_refresh
from privacy.services import policy_version_publish
from tests.api.helpers import JsonClient, error_of
from tests.factories import MemberFactory, MembershipFactory, PostFactory, SpaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.legal("L2")]


def publish(kind: str, label: str, by) -> PolicyVersion:
    version = PolicyVersion.objects.create(
        document=PolicyDocument.objects.get(kind=kind), label=label, body_en=f"{kind} {label}", body_zh="新版"
    )
    policy_version_publish(version=version, by=by)
    return version


@pytest.fixture
def space(db, member):
    space = SpaceFactory(slug="garden", name="Garden", visibility="public")
    MembershipFactory(space=space, member=member)
    return space


@pytest.fixture
def post(space, other_member):
    return PostFactory(space=space, author=other_member, title="Spring seeds")


@pytest.fixture
def accepted_then_changed(member, operator):
    """The member accepted the terms at signup (2026-11); then a new version was published."""
    first = consent_grant(member=member, purpose="terms", channel="web", actor=member)
    newer = publish("terms", "2027-01", operator)
    return first.version, newer


def test_a_member_who_accepted_an_older_version_is_asked(member, accepted_then_changed):
    old, new = accepted_then_changed
    pending = required_consents_pending(member=member)
    assert [(p.purpose, p.kind, p.version.pk, p.accepted_label) for p in pending] == [
        ("terms", "terms", new.pk, old.label)
    ]


def test_after_a_new_version_the_member_can_read_but_not_post_until_they_accept(
    client, member, space, post, accepted_then_changed
):
    old, new = accepted_then_changed
    client.force_login(member)

    # Reading stays possible, with a gentle banner that links to the page that shows what changed.
    page = client.get(reverse("content:post_detail", args=[post.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and "Spring seeds" in html
    assert "The Terms of service changed." in html
    assert f'href="/privacy/accept/?next=/p/{post.pk}/"' in html

    # Posting and commenting are refused with a clear message; the text stays in the form.
    response = client.post(
        reverse("content:post_create", args=[space.slug]),
        {"title": "Hello", "body": "My text", "kind": "discussion"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "The terms have changed. Please accept the new version at /privacy/accept/" in html
    assert "My text" in html
    response = client.post(reverse("content:comment_create", args=[post.pk]), {"body": "Nice"}, follow=True)
    assert "The terms have changed" in response.content.decode()
    assert not Post.objects.filter(author=member).exists()
    assert not Comment.objects.filter(author=member).exists()

    # The page shows the new version and the one they accepted, and one button.
    html = client.get("/privacy/accept/").content.decode()
    assert 'href="/privacy/policies/terms/2027-01/"' in html
    assert f'href="/privacy/policies/terms/{old.label}/"' in html
    assert f'name="version" value="{new.pk}"' in html

    response = client.post("/privacy/accept/", {"version": [str(new.pk)], "next": f"/p/{post.pk}/"})
    assert response.status_code == 302 and response.url == f"/p/{post.pk}/"
    entry = ConsentEntry.objects.filter(member=member).first()
    assert (entry.purpose, entry.granted, entry.channel, entry.actor_id, entry.version_id) == (
        "terms",
        True,
        "web",
        member.pk,
        new.pk,
    )

    # At once: no banner, and posting works.
    assert "The Terms of service changed." not in client.get(f"/p/{post.pk}/").content.decode()
    response = client.post(
        reverse("content:post_create", args=[space.slug]),
        {"title": "Hello", "body": "My text", "kind": "discussion"},
    )
    assert response.status_code == 302
    assert Post.objects.filter(author=member, title="Hello").exists()


def test_the_api_refuses_posts_and_comments_with_consent_required_until_accepted(
    member, space, post, accepted_then_changed
):
    _old, new = accepted_then_changed
    api = JsonClient()
    api.force_login(member)
    assert api.get(f"/api/v1/posts/{post.pk}/").status_code == 200

    response = api.post(f"/api/v1/spaces/{space.slug}/posts/", {"title": "Hi", "body": "Text"})
    assert response.status_code == 403
    error = error_of(response)
    assert error["code"] == "consent_required"
    assert "/privacy/accept/" in error["message"]
    response = api.post(f"/api/v1/posts/{post.pk}/comments/", {"body": "Nice"})
    assert response.status_code == 403 and error_of(response)["code"] == "consent_required"

    # The API way to accept: grant the purpose, which records the current version.
    assert api.post("/api/v1/consents/terms/grant/").status_code == 201
    assert ConsentEntry.objects.filter(member=member).first().version_id == new.pk
    assert api.post(f"/api/v1/spaces/{space.slug}/posts/", {"title": "Hi", "body": "Text"}).status_code == 201
    assert api.post(f"/api/v1/posts/{post.pk}/comments/", {"body": "Nice"}).status_code == 201


def test_a_member_who_signed_up_after_the_new_version_is_not_asked(
    client, operator, space, django_capture_on_commit_callbacks
):
    publish("terms", "2027-01", operator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("account_signup"),
            {
                "email": "late@example.org",
                "display_name": "Late",
                "password1": "a-long-enough-passphrase",
                "accept_terms": "on",
                "birth_date": "1990-05-17",
            },
        )
    newcomer = ConsentEntry.objects.get(purpose="terms").member
    assert ConsentEntry.objects.get(purpose="terms").version.label == "2027-01"
    assert required_consents_pending(member=newcomer) == []
    client.force_login(newcomer)
    assert "changed." not in client.get("/").content.decode()


def test_a_member_with_no_decision_at_all_is_not_asked(member, operator):
    # Accounts made outside signup (the admin, imports) have no ledger history: the operator's matter.
    publish("terms", "2027-01", operator)
    assert required_consents_pending(member=member) == []


def test_a_member_whose_terms_were_withdrawn_is_asked(member, operator):
    consent_grant(member=member, purpose="terms", channel="web")
    consent_withdraw(member=member, purpose="terms", channel="admin", actor=operator)
    assert [p.purpose for p in required_consents_pending(member=member)] == ["terms"]


def test_a_new_version_of_an_optional_document_does_not_stop_posting(member, operator):
    consent_grant(member=member, purpose="terms", channel="web")
    consent_grant(member=member, purpose="marketing", channel="web")
    publish("marketing_terms", "2027-01", operator)
    publish("privacy_policy", "2027-01", operator)
    assert required_consents_pending(member=member) == []


def test_a_version_published_while_the_member_reads_is_not_accepted_unseen(
    client, member, operator, accepted_then_changed
):
    _old, seen = accepted_then_changed
    client.force_login(member)
    unseen = publish("terms", "2027-02", operator)
    response = client.post("/privacy/accept/", {"version": [str(seen.pk)]}, follow=True)
    assert "A newer version was published while you were reading" in response.content.decode()
    assert f'name="version" value="{unseen.pk}"' in response.content.decode()
    assert ConsentEntry.objects.filter(member=member).count() == 1


def test_accepting_twice_records_once_and_a_foreign_next_is_ignored(client, member, accepted_then_changed):
    _old, new = accepted_then_changed
    client.force_login(member)
    data = {"version": [str(new.pk)], "next": "https://evil.example.net/"}
    assert client.post("/privacy/accept/", data).url == "/"
    client.post("/privacy/accept/", data)
    assert ConsentEntry.objects.filter(member=member, version=new).count() == 1
    assert consent_is_granted(member, "terms")
    assert "Nothing to accept" in client.get("/privacy/accept/").content.decode()


def test_visitors_are_sent_to_sign_in_and_see_no_banner(client, accepted_then_changed, post):
    response = client.get("/privacy/accept/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.post("/privacy/accept/", {}).status_code == 302
    assert "changed." not in client.get(f"/p/{post.pk}/").content.decode()


def test_the_check_costs_no_query_for_a_visitor_and_at_most_one_per_request_for_a_member(
    member, accepted_then_changed, django_assert_num_queries
):
    with django_assert_num_queries(0):
        assert required_consents_pending(member=AnonymousUser()) == []
    # 1. SELECT the newest version of each required document with the member's latest decision and
    #    last accepted version (correlated subqueries); then remembered on the member object.
    with django_assert_num_queries(1):
        assert required_consents_pending(member=member)
        assert required_consents_pending(member=member)
    # The next request (a new member object) answers from the cache.
    next_request_member = Member.objects.get(pk=member.pk)
    with django_assert_num_queries(0):
        pending = required_consents_pending(member=next_request_member)
    assert [(p.purpose, p.version.label, p.accepted_label) for p in pending] == [
        ("terms", "2027-01", "2026-11")
    ]


def test_a_decision_and_a_publication_are_seen_at_once_despite_the_cache(member, operator):
    consent_grant(member=member, purpose="terms", channel="web")
    assert required_consents_pending(member=Member.objects.get(pk=member.pk)) == []  # now cached
    publish("terms", "2027-01", operator)
    required_consents_forget_all()  # what publishing a version should call (see privacy.services)
    assert [p.version.label for p in required_consents_pending(member=Member.objects.get(pk=member.pk))] == [
        "2027-01"
    ]
    consent_grant(member=member, purpose="terms", channel="web")
    assert required_consents_pending(member=Member.objects.get(pk=member.pk)) == []


def test_a_refresh_at_sign_in_makes_the_first_page_free(
    member, accepted_then_changed, django_assert_num_queries
):
    required_consents_refresh(member=member)
    first_page_member = Member.objects.get(pk=member.pk)
    with django_assert_num_queries(0):
        assert required_consents_pending(member=first_page_member)


def test_one_page_asks_the_ledger_once_for_the_banner_and_the_posting_check(
    client, member, space, accepted_then_changed
):
    client.force_login(member)  # the sign-in already put the answer in the cache
    with CaptureQueriesContext(connection) as queries:
        response = client.post(
            reverse("content:post_create", args=[space.slug]),
            {"title": "Hi", "body": "x", "kind": "discussion"},
        )
    asked = [q["sql"] for q in queries.captured_queries if "privacy_consententry" in q["sql"]]
    assert len(asked) == 0
    assert "accept the new version" in response.content.decode()


def test_another_members_acceptance_changes_nothing_for_this_member(
    client, member, other_member, accepted_then_changed
):
    _old, new = accepted_then_changed
    consent_grant(member=other_member, purpose="terms", channel="web")
    client.force_login(other_member)
    client.post("/privacy/accept/", {"version": [str(new.pk)]})
    assert [p.version.pk for p in required_consents_pending(member=member)] == [new.pk]
    assert required_consents_pending(member=MemberFactory()) == []
