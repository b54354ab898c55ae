import json
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.signing import b64_encode
from django.test import Client
from django.utils import timezone

from content.delivery.models import EmailOptOut
from content.delivery.unsubscribe import unsubscribe_token, unsubscribe_url

pytestmark = pytest.mark.legal("L14")


def _path(member, category="posts"):
    return f"/unsubscribe/{unsubscribe_token(member_id=member.pk, category=category)}/"


def test_the_link_points_at_the_site(member):
    assert unsubscribe_url(member_id=member.pk, category="posts").startswith(
        "http://127.0.0.1:8000/unsubscribe/"
    )


def test_opening_the_link_asks_for_confirmation_and_changes_nothing(client, member):
    response = client.get(_path(member))
    assert response.status_code == 200
    assert b"Stop these emails" in response.content
    assert not EmailOptOut.objects.exists()


def test_one_click_post_without_cookies_or_login_stops_the_category_at_once(member):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(_path(member), {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert list(EmailOptOut.objects.values_list("member_id", "category")) == [(member.pk, "posts")]


def test_unsubscribing_twice_keeps_one_opt_out(member):
    strict = Client(enforce_csrf_checks=True)
    for _ in range(2):
        assert strict.post(_path(member), {"List-Unsubscribe": "One-Click"}).status_code == 200
    assert EmailOptOut.objects.count() == 1


def test_the_confirmation_button_posts_with_its_csrf_token(member):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(_path(member, "replies"))
    token = page.context["csrf_token"]
    response = browser.post(_path(member, "replies"), {"csrfmiddlewaretoken": str(token)})
    assert response.status_code == 200
    assert EmailOptOut.objects.filter(member=member, category="replies").exists()


def test_a_form_post_without_csrf_token_is_refused(member):
    response = Client(enforce_csrf_checks=True).post(_path(member), {})
    assert response.status_code == 403
    assert not EmailOptOut.objects.exists()


def test_a_tampered_token_shows_a_friendly_page_and_changes_nothing(client, member, other_member):
    token = unsubscribe_token(member_id=member.pk, category="posts")
    # the other member's id with this member's signature
    _payload, signature = token.split(":", 1)
    forged = b64_encode(json.dumps({"m": other_member.pk, "c": "posts"}, separators=(",", ":")).encode())
    paths = (
        f"/unsubscribe/{token[:-2]}xx/",
        f"/unsubscribe/{forged.decode()}:{signature}/",
        "/unsubscribe/x/",
    )
    for path in paths:
        response = client.post(path, {"List-Unsubscribe": "One-Click"})
        assert response.status_code == 400
        assert b"This link no longer works" in response.content
    assert not EmailOptOut.objects.exists()


def test_a_link_works_for_at_least_sixty_days_and_expires_after_ninety(client, member):
    path = _path(member)
    with time_machine.travel(timezone.now() + timedelta(days=61)):
        assert client.get(path).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        assert client.post(path, {"List-Unsubscribe": "One-Click"}).status_code == 400
    assert not EmailOptOut.objects.exists()


def test_transactional_mail_has_no_unsubscribe_token(client, member):
    assert client.get(_path(member, "transactional")).status_code == 400


def test_the_link_in_a_sent_email_stops_the_next_one(space, publish, django_capture_on_commit_callbacks):
    from content.delivery.dispatcher import deliveries_dispatch
    from content.delivery.models import Outbox
    from content.delivery.planner import deliveries_plan
    from tests.delivery.conftest import join

    join(space, "all")
    with time_machine.travel("2026-11-30 02:00Z", tick=True):
        deliveries_plan(outbox_id=Outbox.objects.get(object_id=publish().pk).pk)
        deliveries_dispatch()
        header = mail.outbox[0].extra_headers["List-Unsubscribe"]
        path = header.removeprefix("<http://127.0.0.1:8000").removesuffix(">")
        assert (
            Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"}).status_code == 200
        )
        deliveries_plan(outbox_id=Outbox.objects.get(object_id=publish(title="Next", body="More.").pk).pk)
        deliveries_dispatch()
    assert len(mail.outbox) == 1
