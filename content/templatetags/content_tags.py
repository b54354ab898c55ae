from django import template

from content.selectors.posts import REACTION_NAMES

register = template.Library()


@register.filter
def reaction_name(kind: str) -> str:
    """The reaction's name in the reader's language, for screen readers."""
    return str(REACTION_NAMES.get(kind, kind))
