"""The simulated community before its first day: spaces of skewed sizes, members with a realistic mix of
preferences and time zones, their memberships, verified addresses and consents.

Rows are bulk-created exactly as signup and joining would leave them (the same columns and values), so
10k members take seconds; marketing consent goes through the consent ledger's own service
(privacy.consents.consent_grant), as the privacy page records it."""

import random
from dataclasses import dataclass, field
from datetime import time, timedelta
from itertools import accumulate

from allauth.account.models import EmailAddress
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from content.models import (
    MembershipRole,
    NotificationLevel,
    PostingPolicy,
    Space,
    SpaceMembership,
    SpaceVisibility,
)
from members.models import EmailMode, Member, TrustLevel
from privacy.consents import PURPOSE_DOCUMENT, consent_grant, policy_version_current
from privacy.models import ConsentChannel, ConsentEntry, ConsentPurpose

# (profile, share): most members keep the defaults (instant email, spaces at "digest", 3 a day)
PROFILES = [("default", 0.70), ("instant", 0.10), ("digest", 0.15), ("muted", 0.05)]
MARKETING_SHARE = 0.20
ZONES = [
    ("Asia/Shanghai", 0.70),
    ("Europe/London", 0.04),
    ("Europe/Berlin", 0.05),
    ("Europe/Paris", 0.03),
    ("Europe/Madrid", 0.03),
    ("America/New_York", 0.06),
    ("America/Chicago", 0.03),
    ("America/Los_Angeles", 0.04),
    ("America/Sao_Paulo", 0.02),
]
# how many topic spaces a member is in: 1–4
SPACES_EACH = [(1, 0.30), (2, 0.35), (3, 0.20), (4, 0.15)]
INSTANT_CAPS = [3, 5, 8, 10]
ADDRESS_DOMAIN = "sim.example"


@dataclass
class World:
    operator_id: int
    announcements_id: int
    space_ids: list[int]  # topic spaces, biggest first
    private_space_ids: set[int]
    members: list[int]
    zone: dict[int, str]
    profile: dict[int, str]
    cap: dict[int, int]
    address: dict[str, int]  # lower-cased address -> member id
    marketing: set[int]  # members whose latest marketing decision is a grant (kept up to date)
    space_members: dict[int, list[int]] = field(default_factory=dict)
    space_cumulative: dict[int, list[float]] = field(default_factory=dict)  # author weights
    activity: dict[int, float] = field(default_factory=dict)

    def pick_member(self, rng: random.Random, space_id: int, *, not_id: int | None = None) -> int:
        """A member of the space, the prolific ones far more often than the rest."""
        members = self.space_members[space_id]
        for _attempt in range(5):
            chosen = rng.choices(members, cum_weights=self.space_cumulative[space_id])[0]
            if chosen != not_id:
                return chosen
        return members[0] if members[0] != not_id else members[-1]


def _pick(rng: random.Random, table: list[tuple]):
    return rng.choices([value for value, _share in table], weights=[share for _value, share in table])[0]


def _spaces(count: int) -> tuple[list[Space], set[int]]:
    spaces = []
    for number in range(1, count + 1):
        if number in (4, 9):
            visibility = SpaceVisibility.PRIVATE
        elif number % 3 == 0:
            visibility = SpaceVisibility.MEMBERS
        else:
            visibility = SpaceVisibility.PUBLIC
        spaces.append(Space(slug=f"topic-{number}", name=f"Topic {number}", visibility=visibility))
    spaces = Space.objects.bulk_create(spaces)
    private = {space.pk for space in spaces if space.visibility == SpaceVisibility.PRIVATE}
    return spaces, private


def _member(rng: random.Random, number: int, now) -> tuple[Member, str]:
    profile = _pick(rng, PROFILES)
    zone = _pick(rng, ZONES)
    member = Member(
        email=f"m{number}@{ADDRESS_DOMAIN}",
        password="!sim",  # noqa: S106 (unusable: nobody signs in)
        display_name=f"Member {number}",
        language="zh-hans" if zone == "Asia/Shanghai" and rng.random() < 0.7 else "en",
        timezone=zone,
        trust_level=rng.choice([TrustLevel.BASIC, TrustLevel.MEMBER, TrustLevel.MEMBER, TrustLevel.REGULAR]),
        date_joined=now - timedelta(days=rng.uniform(1, 700)),
    )
    if profile == "instant":
        member.email_daily_cap = rng.choice(INSTANT_CAPS)
        if rng.random() < 0.3:  # some move their quiet hours, a few turn them off (equal ends)
            member.quiet_hours_start, member.quiet_hours_end = rng.choice(
                [(time(23), time(7)), (time(0), time(6)), (time(0), time(0))]
            )
    elif profile == "digest":
        member.email_mode = EmailMode.WEEKLY if rng.random() < 0.2 else EmailMode.DAILY
    elif profile == "muted":
        member.email_new_posts = False
        if rng.random() < 0.4:
            member.email_mode = EmailMode.OFF
    return member, profile


def world_seed(*, members: int, spaces: int, seed: int) -> World:
    """Create the community (in one transaction) and record marketing consent for a fifth of it."""
    rng = random.Random(seed)  # noqa: S311 (a reproducible community, not a secret)
    now = timezone.now()
    with transaction.atomic():
        topic_spaces, private = _spaces(spaces)
        announcements = Space.objects.create(
            slug="announcements",
            name="Announcements",
            visibility=SpaceVisibility.PUBLIC,
            posting_policy=PostingPolicy.MODERATORS,
        )
        operator = Member.objects.create_superuser(
            email=f"operator@{ADDRESS_DOMAIN}",
            password=None,
            display_name="Community team",
            trust_level=TrustLevel.REGULAR,
            timezone="Asia/Shanghai",
        )
        built = [_member(rng, number, now) for number in range(1, members + 1)]
        created = Member.objects.bulk_create([member for member, _profile in built])
        profile = {member.pk: kind for member, (_m, kind) in zip(created, built, strict=True)}
        everyone = [operator, *created]
        EmailAddress.objects.bulk_create(
            [EmailAddress(user_id=m.pk, email=m.email, verified=True, primary=True) for m in everyone]
        )
        # signup records acceptance of the current terms for everyone (privacy.consents)
        terms = policy_version_current(kind=PURPOSE_DOCUMENT[ConsentPurpose.TERMS])
        ConsentEntry.objects.bulk_create(
            [
                ConsentEntry(
                    member_id=m.pk,
                    member_ref=m.pk,
                    purpose=ConsentPurpose.TERMS,
                    granted=True,
                    channel=ConsentChannel.WEB,
                    version=terms,
                )
                for m in everyone
            ]
        )
        # topic spaces of skewed sizes: space k is chosen with weight 1/k^0.9
        weights = [1 / (rank**0.9) for rank in range(1, spaces + 1)]
        memberships = [
            SpaceMembership(
                space=announcements, member=operator, role=MembershipRole.MODERATOR, notification_level="mute"
            )
        ]
        for member in created:
            count = _pick(rng, SPACES_EACH)
            chosen: set[int] = set()
            while len(chosen) < min(count, spaces):
                chosen.add(rng.choices(range(spaces), weights=weights)[0])
            kind = profile[member.pk]
            for index in sorted(chosen):
                if kind == "instant":
                    level = NotificationLevel.ALL
                elif kind == "muted":
                    level = NotificationLevel.MUTE if rng.random() < 0.8 else NotificationLevel.DIGEST
                else:  # defaults and digest readers keep the default level, a few want every post
                    level = NotificationLevel.ALL if rng.random() < 0.05 else NotificationLevel.DIGEST
                memberships.append(
                    SpaceMembership(space=topic_spaces[index], member=member, notification_level=level)
                )
            # the site's news space: everyone is in it, at the level of their profile
            memberships.append(
                SpaceMembership(
                    space=announcements,
                    member=member,
                    notification_level=NotificationLevel.ALL
                    if kind == "instant"
                    else NotificationLevel.DIGEST,
                )
            )
        SpaceMembership.objects.bulk_create(memberships)
        for space in [*topic_spaces, announcements]:
            Space.objects.filter(pk=space.pk).update(
                member_count=F("member_count") + space.memberships.filter(status="active").count()
            )

    activity = {m.pk: min(rng.paretovariate(1.1), 200.0) for m in created}
    world = World(
        operator_id=operator.pk,
        announcements_id=announcements.pk,
        space_ids=[space.pk for space in topic_spaces],
        private_space_ids=private,
        members=[m.pk for m in created],
        zone={m.pk: m.timezone for m in everyone},
        profile=profile,
        cap={m.pk: m.email_daily_cap for m in everyone},
        address={m.email.lower(): m.pk for m in everyone},
        marketing=set(),
        activity=activity,
    )
    by_space: dict[int, list[int]] = {pk: [] for pk in world.space_ids}
    for space_id, member_id in SpaceMembership.objects.filter(space_id__in=world.space_ids).values_list(
        "space_id", "member_id"
    ):
        by_space[space_id].append(member_id)
    for space_id, member_ids in by_space.items():
        member_ids.sort()
        world.space_members[space_id] = member_ids
        world.space_cumulative[space_id] = list(accumulate(activity[m] for m in member_ids))
    # a fifth of the members agreed to marketing, through the ledger's own service
    for member_id in world.members:
        if rng.random() < MARKETING_SHARE:
            consent_grant(member=member_id, purpose=ConsentPurpose.MARKETING, channel=ConsentChannel.WEB)
            world.marketing.add(member_id)
    return world
