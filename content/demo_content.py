"""Demo spaces, posts, comments and reactions for `seed_demo`, in English and Chinese. Idempotent: a
space is found by its slug and a post by its title; everything goes through the services."""

from django.db.models import F

from content.models import MembershipRole, MembershipStatus, Post, Space, SpaceMembership
from content.selectors.visibility import can_participate
from content.services.comments import comment_create
from content.services.posts import post_pin, post_publish
from content.services.reactions import reaction_toggle
from content.services.spaces import space_create
from members.models import Member

# slug, name, description, visibility, posting policy
SPACES = [
    (
        "welcome",
        "Welcome · 欢迎",
        "Announcements from the team and a place to say hello. 团队公告，以及新成员打招呼的地方。",
        "public",
        "moderators",
    ),
    (
        "community-ops",
        "社群运营",
        "讨论社群运营的方法：活动策划、内容质量、成员留存。Community management, in Chinese and English.",
        "public",
        "everyone",
    ),
    (
        "product-feedback",
        "Product feedback",
        "Tell us what works and what does not. Signed-in members only.",
        "members",
        "everyone",
    ),
    (
        "organisers",
        "组织者小组 Organisers",
        "A private space for the people who run our meetups.",
        "private",
        "everyone",
    ),
]

# space slug, title, body, kind, author index (into the demo members), comments: (author index, body)
POSTS = [
    (
        "welcome",
        "Welcome to Commons! 欢迎加入！",
        "We are glad you are here.\n\n- Read the **rules** of each space\n- Say hello below\n"
        "- Choose how often we write to you in your preferences\n\n我们不会给你发垃圾信息。",
        "announcement",
        0,
        [(2, "Hello everyone! 大家好！"), (5, "Glad to be here.")],
    ),
    (
        "community-ops",
        "社群运营的秘密：先倾听，再行动",
        "做了三年社群运营，我最大的体会是：**先倾听成员的声音**。\n\n1. 每周整理一次成员反馈\n"
        "2. 活动结束后一定要复盘\n3. 不要过度推广\n\n大家有什么经验？",
        "discussion",
        1,
        [(3, "非常同意，过度推广是社群的大忌。"), (4, "复盘这一点很重要，我们每次活动后都会写总结文章。")],
    ),
    (
        "community-ops",
        "How do you keep new members active after the first week?",
        "We see many people join, post once, and disappear. What has worked for you?\n\n"
        "See also [the onboarding guide](https://example.org/onboarding).",
        "question",
        17,
        [
            (18, "A personal welcome message from a moderator helps a lot."),
            (1, "我们会给新成员安排一位“老带新”的伙伴。"),
        ],
    ),
    (
        "product-feedback",
        "The digest email is great — could it come on Sunday mornings?",
        "I like getting one email a day instead of ten. "
        "A weekly option on Sunday would be even better for me.",
        "discussion",
        19,
        [(20, "+1, a weekly digest would be nice.")],
    ),
    (
        "organisers",
        "Venue shortlist for the spring meetup",
        "Three options so far:\n\n| venue | seats |\n| --- | --- |\n"
        "| Library | 40 |\n| Café | 25 |\n| Co-working | 60 |",
        "discussion",
        0,
        [(1, "图书馆的位置最方便。")],
    ),
]

REACTIONS = ["like", "heart", "celebrate", "insightful", "thanks"]


def seed_demo_content(*, operator: Member, moderator: Member, members: list[Member]) -> list[Space]:
    spaces = [_space(operator, *row) for row in SPACES]
    by_slug = {space.slug: space for space in spaces}
    _memberships(by_slug, moderator, members)
    authors = [moderator, *members]
    for slug, title, body, kind, author_index, comments in POSTS:
        if Post.objects.filter(title=title).exists():
            continue
        space = by_slug[slug]
        author = authors[author_index % len(authors)]
        post = post_publish(author=author, space=space, title=title, body=body, kind=kind)
        if kind == "announcement":
            post_pin(post=post, by=moderator, pinned=True)
        for commenter_index, comment in comments:
            comment_create(author=authors[commenter_index % len(authors)], post=post, body=comment)
        for offset, reacting in enumerate(members[3:9]):
            if reacting.pk != author.pk and can_participate(member=reacting, space=space):
                reaction_toggle(member=reacting, post=post, kind=REACTIONS[offset % len(REACTIONS)])
    return spaces


def _space(operator: Member, slug: str, name: str, description: str, visibility: str, policy: str) -> Space:
    space = Space.objects.filter(slug=slug).first()
    if space is None:
        space = space_create(
            by=operator,
            slug=slug,
            name=name,
            description=description,
            visibility=visibility,
            posting_policy=policy,
        )
    return space


def _memberships(spaces: dict[str, Space], moderator: Member, members: list[Member]) -> None:
    """The moderator moderates every space; most members join the open spaces, a few the private one."""
    for space in spaces.values():
        wanted = [(moderator, MembershipRole.MODERATOR)]
        if space.visibility == "private":
            wanted += [(m, MembershipRole.MEMBER) for m in members[:4]]
        else:
            wanted += [(m, MembershipRole.MEMBER) for m in members[:24]]
        for member, role in wanted:
            _membership, created = SpaceMembership.objects.get_or_create(
                space=space, member=member, defaults={"role": role, "status": MembershipStatus.ACTIVE}
            )
            if created:
                Space.objects.filter(pk=space.pk).update(member_count=F("member_count") + 1)
