"""Near-duplicates from several new accounts (content's body fingerprint): one review item for the wave."""

import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.template.loader import render_to_string
from django.utils import timezone

from content.models import ContentStatus
from content.services.posts import post_publish
from moderation.models import ReviewItem, RuleHit
from moderation.rules import rule_hit_sentence, rule_hits_for
from moderation.services import review_item_decide
from tests.factories import MemberFactory, SpaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.legal("L21")]

SPAM = "Cheap watches at example.com, best prices!"


@pytest.fixture(autouse=True)
def _no_premoderation(settings):
    settings.MODERATION_PREMODERATE_FIRST_POSTS = 0  # this is about the wave alone


@pytest.fixture
def spaces(db):
    return [SpaceFactory(), SpaceFactory(), SpaceFactory()]


def newcomer(**kwargs):
    return MemberFactory(date_joined=timezone.now() - timedelta(days=2), **kwargs)


def copy(author, space, body=SPAM):
    return post_publish(author=author, space=space, title="Deal", body=body)


def test_three_new_accounts_posting_the_same_text_open_one_item_for_the_wave(spaces):
    first = copy(newcomer(), spaces[0])
    # the fingerprint ignores case, width and spacing: these are the same text
    second = copy(newcomer(), spaces[1], body="  CHEAP watches at example.com,   best prices! ")
    assert not ReviewItem.objects.exists()
    third = copy(newcomer(), spaces[2], body="Ｃｈｅａｐ watches at example.com, best prices!")
    item = ReviewItem.objects.get()
    assert (item.kind, item.object_id, item.reason) == ("post", third.pk, "spam")
    hit = RuleHit.objects.get(review_item=item)
    assert hit.rule == "duplicate_wave"
    assert hit.data["post_ids"] == sorted([first.pk, second.pk, third.pk])
    assert len(hit.data["author_ids"]) == 3
    assert rule_hit_sentence(hit).startswith("The same text was posted by 3 new accounts within 24 hours")
    assert third.status == ContentStatus.PUBLISHED  # a person decides (the sweep is one click away)


def test_the_fourth_copy_joins_the_wave_instead_of_opening_a_second_item(spaces):
    posts = [copy(newcomer(), spaces[n % 3]) for n in range(4)]
    item = ReviewItem.objects.get()
    assert item.object_id == posts[2].pk
    hit = RuleHit.objects.get(review_item=item)
    assert hit.data["post_ids"] == sorted(post.pk for post in posts)
    assert len(hit.data["author_ids"]) == 4


def test_one_account_posting_in_three_spaces_is_not_a_wave(spaces):
    # check_duplicate stops the same author repeating themselves; two accounts are not enough either
    author, other = newcomer(), newcomer()
    copy(author, spaces[0])
    copy(other, spaces[1])
    assert not ReviewItem.objects.exists()


def test_established_accounts_are_not_a_wave(spaces):
    for n in range(3):
        copy(MemberFactory(date_joined=timezone.now() - timedelta(days=30)), spaces[n])
    assert not ReviewItem.objects.exists()


def test_copies_older_than_a_day_do_not_count(spaces):
    with time_machine.travel(timezone.now() - timedelta(hours=30), tick=False):
        copy(newcomer(), spaces[0])
        copy(newcomer(), spaces[1])
    copy(newcomer(), spaces[2])
    assert not ReviewItem.objects.exists()


def test_after_the_wave_was_decided_a_new_copy_opens_a_new_item(spaces, moderator):
    for n in range(3):
        copy(newcomer(), spaces[n])
    item = ReviewItem.objects.get()
    review_item_decide(item=item, by=moderator, action="remove", reason="Spam wave.", rule="R4")
    latest = copy(newcomer(), spaces[0])
    fresh = ReviewItem.objects.exclude(pk=item.pk).get()
    assert fresh.object_id == latest.pk


def test_the_item_page_partial_lists_the_waves_other_posts(spaces):
    posts = [copy(newcomer(), spaces[n]) for n in range(3)]
    item = ReviewItem.objects.get()
    hits = rule_hits_for(item=item)
    assert [hit.other_post_ids for hit in hits] == [[posts[0].pk, posts[1].pk]]
    html = render_to_string("moderation/_rule_hits.html", {"rule_hits": hits})
    assert "The same text was posted by 3 new accounts" in html
    assert f'href="/p/{posts[0].pk}/"' in html and f'href="/p/{posts[2].pk}/"' not in html


@pytest.mark.django_db(transaction=True)
def test_copies_arriving_at_the_same_moment_still_open_one_item():
    spaces = [SpaceFactory() for _ in range(4)]
    copy(newcomer(), spaces[0])
    copy(newcomer(), spaces[1])
    authors = [newcomer(), newcomer()]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish(author, space):
        try:
            barrier.wait()
            copy(author, space)
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(authors[n], spaces[2 + n])) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    item = ReviewItem.objects.get()  # each copy saw three accounts; the wave's row made them queue
    assert len(RuleHit.objects.get(review_item=item).data["post_ids"]) == 4
