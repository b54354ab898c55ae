"""Post cards are cached by the facts they show (content/post_cards.py): never stale, never another
reader's language, and every attribute the card template reads is one of the facts."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation

from content.models import Post
from content.post_cards import CARD_FACTS, CARD_TEMPLATE, card_key, post_cards_render
from content.selectors.posts import feed_home
from tests.factories import CommentFactory, MembershipFactory, PostFactory

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# what the card reads that is derived from a fact (the display of a choice follows its value)
# (post.author itself goes to the avatar include, whose reads are listed as author.*)
DERIVED = {
    "get_kind_display": "kind",
    "author": "author_id",
    "author.pk": "author_id",
    "author.avatar": "author.avatar.name",
}


def _paths(template: str, variable: str) -> set[str]:
    source = (TEMPLATES / template).read_text()
    return set(re.findall(rf"\b{variable}\.([a-z_][\w.]*)", source))


def test_every_attribute_the_card_template_reads_is_a_fact_of_its_cache_key():
    read = _paths(CARD_TEMPLATE, "post")
    # the avatar include reads its `member`, which the card passes as post.author; the avatar_url filter
    # and avatar_svg tag read the member's pk, display name and picture
    assert 'include "members/avatar.html" with member=post.author' in (TEMPLATES / CARD_TEMPLATE).read_text()
    read |= {f"author.{path}" for path in _paths("members/avatar.html", "member")}
    read |= {"author.pk", "author.display_name", "author.avatar"}
    facts = set(CARD_FACTS)
    assert {DERIVED.get(path, path) for path in read} <= facts


def _reader_feed(member):
    return feed_home(viewer=member, cards=True).posts


def test_a_card_is_rendered_once_and_then_read_from_the_cache(member):
    MembershipFactory(member=member, space=(post := PostFactory()).space)
    (card,) = _reader_feed(member)
    html = post_cards_render([card])
    assert html == render_to_string(CARD_TEMPLATE, {"post": card})
    assert cache.get(card_key(card)) == html
    assert post.title in html


def test_a_new_comment_gives_the_card_a_new_key_so_no_reader_sees_a_stale_count(member):
    post = PostFactory()
    MembershipFactory(member=member, space=post.space)
    before = post_cards_render(_reader_feed(member))
    assert "0 comments" in before
    CommentFactory(post=post)
    Post.objects.filter(pk=post.pk).update(comment_count=1)
    after = post_cards_render(_reader_feed(member))
    assert "1 comment" in after and "0 comments" not in after


def test_the_same_card_in_chinese_is_cached_apart_from_the_english_one(member):
    MembershipFactory(member=member, space=PostFactory().space)
    (card,) = _reader_feed(member)
    english = post_cards_render([card])
    with translation.override("zh-hans"):
        chinese = post_cards_render([card])
        chinese_key = card_key(card)
    assert chinese_key != card_key(card)
    assert "0 comments" in english
    assert "0 comments" not in chinese


def test_the_time_ago_moves_on_with_the_clock(member):
    post = PostFactory()
    MembershipFactory(member=member, space=post.space)
    Post.objects.filter(pk=post.pk).update(last_activity_at=timezone.now() - timedelta(minutes=5))
    (card,) = _reader_feed(member)
    first = card_key(card)
    card.last_activity_at -= timedelta(minutes=10)
    assert card_key(card) != first
    assert "15\xa0minutes ago" in post_cards_render([card])


def test_a_feed_page_of_cards_reads_the_cache_once(member, django_assert_max_num_queries, monkeypatch):
    posts = PostFactory.create_batch(5)
    for post in posts:
        MembershipFactory(member=member, space=post.space)
    cards = _reader_feed(member)
    post_cards_render(cards)
    reads = []
    original = cache.get_many
    monkeypatch.setattr(cache, "get_many", lambda keys: reads.append(len(keys)) or original(keys))
    monkeypatch.setattr(
        "content.post_cards.get_template", lambda name: pytest.fail("a cached card was rendered again")
    )
    with django_assert_max_num_queries(0):
        post_cards_render(cards)
    assert reads == [5]


def test_cards_leave_the_bodies_out_and_the_page_still_needs_no_query_per_card(
    member, django_assert_num_queries
):
    post = PostFactory(body="A body no card shows.")
    MembershipFactory(member=member, space=post.space)
    cards = _reader_feed(member)
    assert {"body", "body_html"} <= cards[0].get_deferred_fields()
    with django_assert_num_queries(0):
        post_cards_render(cards)
