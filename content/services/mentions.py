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


# A tag of nh3's output (its attribute values are always double-quoted, with `>` escaped or quoted).
_TAG = re.compile(r'(<[^>"]*(?:"[^"]*"[^>"]*)*>)')


def link_mentions(html: str, mentions: dict[str, Member]) -> str:
    """Turn each resolved @name in the sanitised HTML into a link to the member's profile: in text
    only, never inside a tag's attributes (a link title "@bob" stayed a broken attribute) nor inside
    a link's own text (a link in a link)."""
    patterns = []
    for name, member in mentions.items():
        url = reverse("members:profile", args=[member.pk])
        link = f'<a class="mention" href="{url}">@{escape(member.display_name)}</a>'
        for written in (f'@"{name}"', f"@{name}"):
            patterns.append((re.compile(rf"(?<![\w/:.@]){re.escape(escape(written))}"), link))
    pieces = _TAG.split(html)
    in_link = 0
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag
            if re.match(r"<a[\s>]", piece):
                in_link += 1
            elif piece.startswith("</a>") and in_link:
                in_link -= 1
        elif piece and not in_link:
            for pattern, link in patterns:
                piece = pattern.sub(lambda _match, link=link: link, piece)
            pieces[index] = piece
    return "".join(pieces)


def mentions_record(*, post: Post, comment: Comment | None, members: list[Member]) -> None:
    Mention.objects.bulk_create(
        [Mention(member=m, post=post, comment=comment) for m in members], ignore_conflicts=True
    )
