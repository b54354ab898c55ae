"""{% goals_footer_link %}: the site footer's link to /how-we-are-doing/, shown only while at least one
active goal is published (issue 10: the public page is off by default). Reads the cache only: no query
on any page (community/goals_progress.py keeps the flag)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext

from community.goals_progress import goals_public_page_exists

register = template.Library()


@register.simple_tag
def goals_footer_link() -> str:
    if not goals_public_page_exists():
        return ""
    return format_html(' · <a href="{}">{}</a>', reverse("goals_public"), gettext("How we are doing"))
