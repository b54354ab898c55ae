from django import template

from content.post_cards import post_cards_render
from content.selectors.posts import REACTION_NAMES

register = template.Library()


@register.filter
def reaction_name(kind: str) -> str:
    """The reaction's name in the reader's language, for screen readers."""
    return str(REACTION_NAMES.get(kind, kind))


@register.simple_tag
def post_cards(posts):
    """{% post_cards page.posts %}: the posts' cards, each from the cache when it was rendered before
    with the same facts (content/post_cards.py)."""
    return post_cards_render(posts)
