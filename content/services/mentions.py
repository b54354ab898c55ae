"""@mentions: `@李伟` or `@"Alex Member"` names a member by display name. Only a name that matches
exactly one member who may read the space counts, and never a member who blocked the author."""

import re

from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.html import escape

from content.models import Comment, Mention, Post
from members.models import Block, Member

_MENTION = re.compile(r'(?<![\w@])@(?:"([^"\n]{1,60})"|([^\s@"<>.,;:!?，。！？、；：]{1,60}))')


def mentioned_names(body: str) -> set[str]:
    return {(quoted or bare).strip() for quoted, bare in _MENTION.findall(body)}


def resolve_mentions(*, author: Member, body: str) -> dict[str, Member]:
    names = mentioned_names(body)
    if not names:
        return {}
    lowered = {name.casefold(): name for name in names}
    candidates = (
        Member.objects.annotate(name_lower=Lower("display_name"))
        .filter(name_lower__in=list(lowered), is_active=True)
        .exclude(pk=author.pk)
        .exclude(pk__in=Block.objects.filter(blocked_id=author.pk).values("blocker_id"))
    )
    by_name: dict[str, list[Member]] = {}
    for member in candidates:
        by_name.setdefault(member.display_name.casefold(), []).append(member)
    return {lowered[key]: found[0] for key, found in by_name.items() if len(found) == 1}


def link_mentions(html: str, mentions: dict[str, Member]) -> str:
    """Turn each resolved @name in the sanitised HTML into a link to the member's profile."""
    for name, member in mentions.items():
        url = reverse("members:profile", args=[member.pk])
        for written in (f'@"{name}"', f"@{name}"):
            escaped = escape(written)
            html = re.sub(
                rf"(?<![\w/:.@]){re.escape(escaped)}",
                f'<a class="mention" href="{url}">@{escape(member.display_name)}</a>',
                html,
            )
    return html


def mentions_record(*, post: Post, comment: Comment | None, members: list[Member]) -> None:
    Mention.objects.bulk_create(
        [Mention(member=m, post=post, comment=comment) for m in members], ignore_conflicts=True
    )
