"""Post cards (feeds, a space's pinned posts), each rendered once per version and kept in the cache.

A feed page shows 30 cards, and rendering them through the template engine was two thirds of the
signed-in home feed's time (bench P1: three URL reversals, an avatar include and a handful of
translations per card). A card's HTML is a pure function of the facts it shows, so its cache key is a
hash of those facts, read from the post the selector already loaded: a new title, comment or
reaction, another language or time zone, another author name or picture, even the minute of
"5 minutes ago", is another key. Nothing is ever stale and nothing needs invalidating; unused entries
expire. One cache round trip reads the page's cards, one writes the missing ones.

CARD_FACTS lists every attribute the card template reads (tests/content/test_post_cards.py compares it
with the template, so a new attribute in the card cannot be forgotten here).
"""

import hashlib
from collections.abc import Sequence
from operator import attrgetter

from django.core.cache import cache
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from content.models import Post

CARD_TEMPLATE = "content/posts/_post_card.html"
CARD_SECONDS = 600
# the attributes of `post` the card shows (and those the avatar include reads from its author)
CARD_FACTS = (
    "pk",
    "title",
    "kind",
    "status",
    "is_pinned",
    "is_solved",
    "has_poll",
    "collapsed",
    "comment_count",
    "reaction_summary",
    "last_activity_at",
    "space.slug",
    "space.name",
    "author_id",
    "author.public_name",
    "author.display_name",
    "author.avatar.name",
)
# Bump when the card template changes: cards cached by the previous release are not reused.
CARD_VERSION = 1


_facts_of = attrgetter(*CARD_FACTS)


def card_key(post: Post, *, now=None) -> str:
    """The cache key of the card as it would render now, for this reader's language and time zone.

    "… ago" is a function of the post's time (a fact) and its age in whole minutes (timesince counts
    nothing finer), so the age in minutes stands for it: cheaper than writing the words for the key."""
    now = now or timezone.now()
    age_minutes = int((now - post.last_activity_at).total_seconds() // 60)
    facts = (_facts_of(post), age_minutes, translation.get_language(), timezone.get_current_timezone_name())
    digest = hashlib.blake2b(repr(facts).encode(), digest_size=16).hexdigest()
    return f"post-card:{CARD_VERSION}:{digest}"


def post_cards_render(posts: Sequence[Post]) -> SafeString:
    """The cards of these posts, in order: cached ones from one read, the others rendered and stored."""
    now = timezone.now()
    keys = [card_key(post, now=now) for post in posts]
    cached = cache.get_many(keys)
    missing = {}
    cards = []
    for post, key in zip(posts, keys, strict=True):
        html = cached.get(key)
        if html is None:
            html = missing[key] = get_template(CARD_TEMPLATE).render({"post": post})
        cards.append(html)
    if missing:
        cache.set_many(missing, CARD_SECONDS)
    # each card was rendered by the template engine, which escaped what members wrote
    return mark_safe("".join(cards))  # noqa: S308
