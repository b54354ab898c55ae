"""{% community_glance as blocks %}: the admin index's "last 7 days at a glance", the first figures of
each dashboard block the reader may see, so an operator who signs in lands on a page that shows how
the community is doing. The same cached figures as /admin/dashboard/?days=7: a second look within
five minutes costs no query."""

from django import template

from community.dashboard.blocks import Block, dashboard_blocks
from community.dashboard.selectors import dashboard_figures
from community.roles import dashboard_sections

register = template.Library()

GLANCE_DAYS = 7
NUMBERS_PER_BLOCK = 4


@register.simple_tag(takes_context=True)
def community_glance(context) -> list[Block]:
    request = context.get("request")
    sections = dashboard_sections(member=request.user) if request is not None else ()
    if not sections:
        return []
    blocks = dashboard_blocks(dashboard_figures(sections=sections, days=GLANCE_DAYS))
    return [
        Block(key=block.key, title=block.title, numbers=block.numbers[:NUMBERS_PER_BLOCK])
        for block in blocks
        if block.numbers
    ]
