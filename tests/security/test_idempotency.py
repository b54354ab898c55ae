"""R6: idempotent writes. A double-submitted post (comment, event) form, a retried API POST with an
`Idempotency-Key` and a double-clicked RSVP each create one thing, also when the two requests arrive at
the same moment (threads on PostgreSQL)."""

import re
import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from community.idempotency import IdempotencyKeyReused, idempotency_records_purge, once
from community.models import IdempotencyRecord
from content.models import RSVP, Comment, Event, Poll, Post, RSVPStatus
from moderation.models import Complaint
from tests.api.helpers import JsonClient, error_of
from tests.factories import EventFactory, MemberFactory, PostFactory, SpaceFactory

TOKEN = re.compile(r'name="submission_token" value="([0-9a-f]{32})"')


@pytest.fixture
def space(db):
    return SpaceFactory(slug="general", name="General")


def form_token(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200
    found = TOKEN.findall(page.content.decode())
    assert len(found) == 1, "the form carries one hidden submission token"
    return found[0]


def post_form(token: str, **overrides) -> dict:
    return {"title": "Hello", "body": "A first post.", "kind": "discussion", "submission_token": token} | (
        overrides
    )


def event_form(token: str) -> dict:
    starts = timezone.localtime(timezone.now() + timedelta(days=10)).replace(tzinfo=None)
    return {
        "title": "Tea tasting",
        "description": "Oolong.",
        "timezone": "Asia/Shanghai",
        "starts_at": starts.strftime("%Y-%m-%dT19:00"),
        "ends_at": starts.strftime("%Y-%m-%dT21:00"),
        "location": "Tianzifang",
        "online_url": "",
        "capacity": "8",
        "rsvp_deadline": "",
        "submission_token": token,
    }


# --- The post form ------------------------------------------------------------------------------------


def test_a_double_submitted_post_form_publishes_one_post_and_both_land_on_it(member_client, space):
    url = reverse("content:post_create", args=[space.slug])
    token = form_token(member_client, url)
    first = member_client.post(url, post_form(token))
    second = member_client.post(url, post_form(token))
    post = Post.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == reverse("content:post_detail", args=[post.pk])


def test_a_resent_post_form_returns_the_first_post_even_if_the_text_changed(member_client, space):
    url = reverse("content:post_create", args=[space.slug])
    token = form_token(member_client, url)
    first = member_client.post(url, post_form(token))
    again = member_client.post(url, post_form(token, title="Hello again", body="Edited after Back."))
    assert Post.objects.count() == 1
    assert again.url == first.url


def test_each_rendering_of_the_post_form_has_a_new_token(member_client, space):
    url = reverse("content:post_create", args=[space.slug])
    assert form_token(member_client, url) != form_token(member_client, url)


def test_a_new_form_with_the_same_text_is_still_refused_as_a_duplicate(member_client, space):
    url = reverse("content:post_create", args=[space.slug])
    member_client.post(url, post_form(form_token(member_client, url)))
    response = member_client.post(url, post_form(form_token(member_client, url)))
    assert response.status_code == 200
    assert "You posted the same text in the last 24 hours" in response.content.decode()
    assert Post.objects.count() == 1


def test_a_refused_post_form_keeps_its_token_and_the_corrected_form_publishes(member_client, space):
    url = reverse("content:post_create", args=[space.slug])
    token = form_token(member_client, url)
    refused = member_client.post(url, post_form(token, title=""))
    assert refused.status_code == 200
    assert f'value="{token}"' in refused.content.decode()
    assert Post.objects.count() == 0
    published = member_client.post(url, post_form(token))
    assert published.status_code == 302
    assert Post.objects.count() == 1


def test_tokens_belong_to_their_member(client, member, other_member, space):
    url = reverse("content:post_create", args=[space.slug])
    client.force_login(member)
    token = form_token(client, url)
    client.post(url, post_form(token))
    client.force_login(other_member)
    response = client.post(url, post_form(token, body="Someone else's words."))
    theirs = Post.objects.get(author=other_member)
    assert response.url == reverse("content:post_detail", args=[theirs.pk])
    assert Post.objects.count() == 2


def test_a_post_form_with_its_poll_sent_twice_makes_one_post_and_one_poll(member_client, space):
    url = reverse("content:post_create", args=[space.slug])
    token = form_token(member_client, url)
    data = post_form(token) | {
        "poll-options": "Tea\nCoffee",
        "poll-is_anonymous": "0",
        "poll-results_after_close": "0",
    }
    first = member_client.post(url, data)
    second = member_client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:3000]
    assert second.url == first.url
    assert Post.objects.count() == 1
    assert Poll.objects.count() == 1


def test_while_redis_is_down_a_resent_form_still_finds_the_first_post(member_client, space, monkeypatch):
    """The token's record is in PostgreSQL, so the cache being away changes nothing."""
    url = reverse("content:post_create", args=[space.slug])
    token = form_token(member_client, url)
    monkeypatch.setattr("community.redis_outage.redis_paused", lambda: True)  # every cache call a miss
    monkeypatch.setattr("community.idempotency.redis_paused", lambda: True)
    first = member_client.post(url, post_form(token))
    second = member_client.post(url, post_form(token))
    assert Post.objects.count() == 1
    assert second.url == first.url


def test_while_redis_is_down_a_double_submitted_event_form_still_creates_one_event(
    member_client, space, monkeypatch
):
    """An event has no natural key to find it by (two tea tastings are allowed): only the token's record
    tells a double click from a second event, and that record is in PostgreSQL."""
    url = reverse("content:event_create", args=[space.slug])
    token = form_token(member_client, url)
    monkeypatch.setattr("community.redis_outage.redis_paused", lambda: True)
    first = member_client.post(url, event_form(token))
    second = member_client.post(url, event_form(token))
    assert Event.objects.count() == 1
    assert second.url == first.url


# --- The comment and event forms ------------------------------------------------------------------------


def test_a_double_submitted_comment_form_writes_one_comment(member_client, space, other_member):
    post = PostFactory(space=space, author=other_member)
    token = form_token(member_client, reverse("content:post_detail", args=[post.pk]))
    url = reverse("content:comment_create", args=[post.pk])
    first = member_client.post(url, {"body": "Nice one.", "submission_token": token})
    second = member_client.post(url, {"body": "Nice one.", "submission_token": token})
    comment = Comment.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url and first.url.endswith(f"#comment-{comment.pk}")


def test_a_double_submitted_event_form_creates_one_event(member_client, space):
    url = reverse("content:event_create", args=[space.slug])
    token = form_token(member_client, url)
    first = member_client.post(url, event_form(token))
    second = member_client.post(url, event_form(token))
    event = Event.objects.get()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url
    assert str(event.pk) in first.url


def test_the_event_edit_form_has_no_submission_token(member_client, member, space):
    event = EventFactory(space=space, organiser=member)
    page = member_client.get(reverse("content:event_edit", args=[event.pk])).content.decode()
    assert "submission_token" not in page


# --- The API's Idempotency-Key ------------------------------------------------------------------------


@pytest.fixture
def api_member(member):
    client = JsonClient()
    client.force_login(member)
    return client


CREATES = {
    # name: (path maker, body, model counted)
    "post": (lambda s, p: f"/api/v1/spaces/{s.slug}/posts/", {"title": "T", "body": "Via the API."}, Post),
    "comment": (lambda s, p: f"/api/v1/posts/{p.pk}/comments/", {"body": "A comment."}, Comment),
    "event": (
        lambda s, p: f"/api/v1/spaces/{s.slug}/events/",
        {
            "title": "Picnic",
            "description": "Bring food.",
            "starts_at": "2031-05-01T10:00:00+08:00",
            "ends_at": "2031-05-01T14:00:00+08:00",
            "timezone": "Asia/Shanghai",
        },
        Event,
    ),
    "complaint": (
        lambda s, p: "/api/v1/moderation/complaints/",
        {"topic": "service", "subject": "Slow", "body": "The feed is slow."},
        Complaint,
    ),
}


@pytest.mark.parametrize("kind", sorted(CREATES))
def test_a_retried_api_create_with_the_same_key_returns_the_first_answer_and_creates_once(
    api_member, space, other_member, kind
):
    path, body, model = CREATES[kind]
    url = path(space, PostFactory(space=space, author=other_member))
    before = model.objects.count()
    first = api_member.post(url, body, headers={"Idempotency-Key": f"retry-{kind}"})
    second = api_member.post(url, body, headers={"Idempotency-Key": f"retry-{kind}"})
    assert first.status_code == 201, first.json()
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert model.objects.count() == before + 1


def test_the_same_key_with_a_different_body_is_refused_with_422(api_member, space):
    url = f"/api/v1/spaces/{space.slug}/posts/"
    api_member.post(url, {"title": "T", "body": "One."}, headers={"Idempotency-Key": "k-1"})
    response = api_member.post(url, {"title": "T", "body": "Two."}, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "idempotency_key_reused"
    assert Post.objects.count() == 1


def test_the_same_key_on_another_endpoint_is_refused_with_422(api_member, space, other_member):
    post = PostFactory(space=space, author=other_member)
    api_member.post(
        f"/api/v1/spaces/{space.slug}/posts/",
        {"title": "T", "body": "One."},
        headers={"Idempotency-Key": "k-2"},
    )
    response = api_member.post(
        f"/api/v1/posts/{post.pk}/comments/", {"body": "One."}, headers={"Idempotency-Key": "k-2"}
    )
    assert error_of(response)["code"] == "idempotency_key_reused"
    assert not Comment.objects.exists()


def test_keys_are_scoped_per_member(member, other_member, space):
    url = f"/api/v1/spaces/{space.slug}/posts/"
    for who in (member, other_member):
        client = JsonClient()
        client.force_login(who)
        response = client.post(
            url, {"title": "T", "body": "Same key."}, headers={"Idempotency-Key": "shared"}
        )
        assert response.status_code == 201
    assert Post.objects.count() == 2


def test_a_refused_request_is_not_remembered_so_the_corrected_retry_creates(api_member, space):
    url = f"/api/v1/spaces/{space.slug}/posts/"
    refused = api_member.post(url, {"title": "T"}, headers={"Idempotency-Key": "k-3"})
    assert refused.status_code == 400
    created = api_member.post(
        url, {"title": "T", "body": "Now with a body."}, headers={"Idempotency-Key": "k-3"}
    )
    assert created.status_code == 201
    assert Post.objects.count() == 1


def test_without_a_key_a_retry_is_judged_on_its_own(api_member, space):
    url = f"/api/v1/spaces/{space.slug}/posts/"
    assert api_member.post(url, {"title": "T", "body": "Once."}).status_code == 201
    assert error_of(api_member.post(url, {"title": "T", "body": "Once."}))["code"] == "duplicate"
    assert Post.objects.count() == 1


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "é"])
def test_a_malformed_key_is_a_400(api_member, space, key):
    response = api_member.post(
        f"/api/v1/spaces/{space.slug}/posts/", {"title": "T", "body": "B"}, headers={"Idempotency-Key": key}
    )
    assert response.status_code == 400
    assert error_of(response)["code"] == "idempotency_key_invalid"
    assert not Post.objects.exists()


def test_a_retried_reaction_toggle_with_a_key_does_not_toggle_back(api_member, member, space, other_member):
    post = PostFactory(space=space, author=other_member)
    url = f"/api/v1/posts/{post.pk}/reactions/"
    first = api_member.post(url, {"kind": "like"}, headers={"Idempotency-Key": "r-1"})
    second = api_member.post(url, {"kind": "like"}, headers={"Idempotency-Key": "r-1"})
    assert first.status_code == second.status_code == 200
    assert post.reactions.filter(member=member).count() == 1


def test_a_token_client_uses_idempotency_keys_too(member, space):
    from rest_framework.authtoken.models import Token

    client = JsonClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=member).key}")
    url = f"/api/v1/spaces/{space.slug}/posts/"
    for _ in range(2):
        assert (
            client.post(url, {"title": "T", "body": "B"}, headers={"Idempotency-Key": "t-1"}).status_code
            == 201
        )
    assert Post.objects.count() == 1


def test_the_schema_documents_the_header_and_the_422_on_every_create(db):
    schema = JsonClient().get("/api/schema/", {"format": "json"}).json()
    operations = {
        (path, method): operation
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }
    creates = [
        ("/api/v1/spaces/{slug}/posts/", "post"),
        ("/api/v1/posts/{id}/comments/", "post"),
        ("/api/v1/spaces/{slug}/events/", "post"),
        ("/api/v1/events/{id}/rsvp/", "put"),
        ("/api/v1/posts/{id}/reactions/", "post"),
        ("/api/v1/comments/{id}/reactions/", "post"),
        ("/api/v1/posts/{id}/poll/", "post"),
        ("/api/v1/polls/{id}/vote/", "post"),
        ("/api/v1/moderation/complaints/", "post"),
        ("/api/v1/moderation/complaints/{id}/replies/", "post"),
    ]
    for path, method in creates:
        operation = operations[(path, method)]
        headers = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
        assert headers == ["Idempotency-Key"], (path, method)
        assert "422" in operation["responses"], (path, method)


def test_once_refuses_the_same_key_for_a_different_request(member):
    once(scope="t", owner_id=member.pk, key="k", request_hash="a", ttl=60, action=lambda: 1)
    with pytest.raises(IdempotencyKeyReused):
        once(scope="t", owner_id=member.pk, key="k", request_hash="b", ttl=60, action=lambda: 2)
    assert once(scope="t", owner_id=member.pk, key="k", request_hash="a", ttl=60, action=lambda: 3) == 1


def test_the_key_is_remembered_in_the_database_as_a_hash_for_24_hours(api_member, member, space):
    key = "a-client-chosen-key"
    api_member.post(
        f"/api/v1/spaces/{space.slug}/posts/", {"title": "T", "body": "B"}, headers={"Idempotency-Key": key}
    )
    record = IdempotencyRecord.objects.get()
    assert (record.member_id, record.scope) == (member.pk, "api")
    assert key not in record.key_hash and len(record.key_hash) == 64
    assert record.result["status"] == 201 and record.result["data"]["id"] == Post.objects.get().pk
    assert record.expires_at - record.created_at == timedelta(hours=24)


def test_a_form_token_is_remembered_for_10_minutes(member_client, space):
    url = reverse("content:post_create", args=[space.slug])
    member_client.post(url, post_form(form_token(member_client, url)))
    record = IdempotencyRecord.objects.get()
    assert (record.scope, record.result) == ("form.post", Post.objects.get().pk)
    assert record.expires_at - record.created_at == timedelta(minutes=10)


def test_a_key_past_its_24_hours_creates_again(api_member, space):
    url = f"/api/v1/spaces/{space.slug}/events/"
    body = CREATES["event"][1]
    first = api_member.post(url, body, headers={"Idempotency-Key": "old"})
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    later = api_member.post(url, body | {"title": "Another picnic"}, headers={"Idempotency-Key": "old"})
    assert (first.status_code, later.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in later.headers
    assert Event.objects.count() == 2
    record = IdempotencyRecord.objects.get()  # the key starts over on the one row
    assert record.result["data"]["id"] == later.json()["id"] and record.expires_at > timezone.now()


def test_a_create_that_fails_leaves_no_record_so_the_retry_creates(member):
    def failing():
        raise RuntimeError("the database went away mid-way")

    with pytest.raises(RuntimeError):
        once(scope="t", owner_id=member.pk, key="k", ttl=60, action=failing)
    assert not IdempotencyRecord.objects.exists()
    assert once(scope="t", owner_id=member.pk, key="k", ttl=60, action=lambda: 7) == 7
    assert once(scope="t", owner_id=member.pk, key="k", ttl=60, action=lambda: 8) == 7


def test_once_costs_a_lock_a_select_and_an_insert_and_a_repeat_no_insert(member, django_assert_num_queries):
    # SAVEPOINT (the atomic block inside the test's transaction), pg_advisory_xact_lock, SELECT the
    # record, INSERT the record, RELEASE SAVEPOINT
    with django_assert_num_queries(5):
        once(scope="t", owner_id=member.pk, key="k", ttl=60, action=lambda: {"id": 1})
    # SAVEPOINT, pg_advisory_xact_lock, SELECT the record, RELEASE SAVEPOINT
    with django_assert_num_queries(4):
        assert once(scope="t", owner_id=member.pk, key="k", ttl=60, action=lambda: {"id": 2}) == {"id": 1}


def test_the_hourly_purge_deletes_expired_records_and_keeps_the_rest(member, other_member):
    from community.celery import app
    from community.tasks import purge_idempotency_records

    for n, who in enumerate([member, other_member, member]):
        once(scope="api", owner_id=who.pk, key=f"k{n}", ttl=60, action=lambda n=n: n)
    IdempotencyRecord.objects.filter(member=other_member).update(expires_at=timezone.now())
    assert purge_idempotency_records() == 1
    assert set(IdempotencyRecord.objects.values_list("member_id", flat=True)) == {member.pk}
    assert idempotency_records_purge(now=timezone.now() + timedelta(minutes=2)) == 2
    assert not IdempotencyRecord.objects.exists()
    entry = app.conf.beat_schedule["community.purge_idempotency_records"]
    assert entry["task"] == purge_idempotency_records.name


# --- At the same moment (threads, each with its own database connection) ------------------------------


def run_together(*calls):
    """Starts the calls at the same moment in threads; returns their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)
    errors: list = []

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = call()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    return results


@pytest.fixture
def slow_publishing(monkeypatch):
    """The first request holds its lock a while, so the second surely arrives while it works."""
    from content.services import limits

    take_window = limits.take_window

    def slow(**kwargs):
        time.sleep(0.3)
        return take_window(**kwargs)

    monkeypatch.setattr(limits, "take_window", slow)


def signed_in(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.mark.django_db(transaction=True)
def test_two_identical_post_forms_at_the_same_moment_publish_one_post(slow_publishing):
    member = MemberFactory()
    space = SpaceFactory(slug="together")
    url = reverse("content:post_create", args=[space.slug])
    clients = [signed_in(member), signed_in(member)]
    token = form_token(clients[0], url)
    responses = run_together(*(lambda c=c: c.post(url, post_form(token)) for c in clients))
    post = Post.objects.get()
    assert [r.status_code for r in responses] == [302, 302]
    assert {r.url for r in responses} == {reverse("content:post_detail", args=[post.pk])}


@pytest.mark.django_db(transaction=True)
def test_two_api_posts_with_the_same_key_at_the_same_moment_create_one_post(slow_publishing):
    member = MemberFactory()
    space = SpaceFactory(slug="together")
    url = f"/api/v1/spaces/{space.slug}/posts/"
    clients = []
    for _ in range(2):
        client = JsonClient()
        client.force_login(member)
        clients.append(client)
    body = {"title": "T", "body": "At once."}
    responses = run_together(
        *(lambda c=c: c.post(url, body, headers={"Idempotency-Key": "same-moment"}) for c in clients)
    )
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    assert Post.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_double_clicked_rsvp_makes_one_rsvp_and_takes_one_seat():
    member = MemberFactory()
    event = EventFactory(capacity=5)
    url = reverse("content:event_rsvp", args=[event.pk])
    clients = [signed_in(member), signed_in(member)]
    responses = run_together(*(lambda c=c: c.post(url, {"going": "1"}) for c in clients))
    assert [r.status_code for r in responses] == [302, 302]
    rsvp = RSVP.objects.get(event=event)
    assert rsvp.member_id == member.pk and rsvp.status == RSVPStatus.GOING
    event.refresh_from_db()
    assert event.going_count == 1


@pytest.mark.django_db(transaction=True)
def test_two_api_rsvps_at_the_same_moment_make_one_rsvp():
    member = MemberFactory()
    event = EventFactory(capacity=1)
    clients = []
    for _ in range(2):
        client = JsonClient()
        client.force_login(member)
        clients.append(client)
    url = f"/api/v1/events/{event.pk}/rsvp/"
    responses = run_together(*(lambda c=c: c.put(url, {"going": True}) for c in clients))
    assert [r.status_code for r in responses] == [200, 200]
    assert RSVP.objects.filter(event=event).count() == 1
    event.refresh_from_db()
    assert (event.going_count, event.waitlist_count) == (1, 0)
