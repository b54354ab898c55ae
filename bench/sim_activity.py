"""What the community does each step of the simulated clock: posts, comments, events and RSVPs,
promotional announcements by the operators, and members changing their marketing consent.

Posts and comments (thousands a day) are written exactly as content.services.posts.post_publish and
content.services.comments.comment_create write them once their checks pass — the row, the space's or
post's counters, the mentions and the outbox row in one transaction — because the services' posting
limits, duplicate and moderation checks cost more than the whole delivery engine at this volume, and
would refuse the simulated authors' pace (LEGAL L21 windows). Everything rare goes through the real
services: the operators' promotions (post_publish), events (event_create, event_update), RSVPs
(rsvp_set) and consent decisions (consent_grant, consent_withdraw)."""

import heapq
import itertools
import logging
import math
import random
import zoneinfo
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F

from bench.sim_capture import PROMO_MARK
from bench.sim_world import World
from content.delivery.outbox import outbox_enqueue
from content.exceptions import ContentError
from content.models import Comment, ContentStatus, Event, Mention, Post, PostKind, Space
from content.rendering import fingerprint, render_markdown
from content.services.events import event_create, event_update, rsvp_set
from content.services.posts import post_publish
from members.models import Member
from privacy.consents import consent_grant, consent_withdraw
from privacy.models import ConsentChannel, ConsentPurpose

logger = logging.getLogger(__name__)

# how busy people are at each local hour (0–23): quiet at night, a peak in the evening
LOCAL_ACTIVITY = [
    0.25, 0.12, 0.06, 0.04, 0.04, 0.08, 0.25, 0.55, 0.80, 0.90, 1.00, 1.00,
    1.10, 1.00, 0.95, 0.95, 1.00, 1.10, 1.25, 1.45, 1.60, 1.50, 1.05, 0.55,
]  # fmt: skip
RECENT = timedelta(hours=72)  # comments go to posts of the last three days, the newest far more often
REPLY_SHARE = 0.40  # comments answering another comment rather than the post
AUTHOR_ANSWERS = 0.15  # comments by the post's own author
MENTION_SHARE = 0.03
CONSENT_CHANGES_PER_MEMBER_DAY = 0.002  # a few members a day grant or withdraw marketing consent


def poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 30:  # the normal approximation is plenty for a count of posts
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, count, product = math.exp(-mean), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


@dataclass
class RecentPost:
    pk: int
    space_id: int
    author_id: int
    at: datetime
    appeal: float
    comments: list[tuple[int, int]] = field(default_factory=list)  # (comment id, author) top-level


@dataclass(order=True)
class Scheduled:
    at: datetime
    order: int
    what: str = field(compare=False)
    args: dict = field(compare=False, default_factory=dict)


class Activity:
    """Creates the content of each step at its own moment, and says when an outbox row was written."""

    def __init__(self, *, world: World, config, rng: random.Random) -> None:
        self.world = world
        self.config = config
        self.rng = rng
        self.counts: Counter = Counter()
        self.refused: Counter = Counter()  # service refusals by exception (e.g. an RSVP after the start)
        self.recent: list[RecentPost] = []
        self.queue: list[Scheduled] = []
        self._order = itertools.count()
        self._numbers = itertools.count(1)
        self.operator = Member.objects.get(pk=world.operator_id)
        self.announcements = Space.objects.get(pk=world.announcements_id)
        sizes = {pk: len(world.space_members[pk]) for pk in world.space_ids}
        self.busy_spaces = [pk for pk in world.space_ids if sizes[pk] > 1]
        self.space_weights = list(itertools.accumulate(sizes[pk] ** 0.8 for pk in self.busy_spaces))
        self.zone_share = Counter(world.zone[m] for m in world.members)
        self.zones = {name: zoneinfo.ZoneInfo(name) for name in self.zone_share}

    # --- the schedule of rare things ------------------------------------------------------------------

    def schedule(self, at: datetime, what: str, **args) -> None:
        heapq.heappush(self.queue, Scheduled(at, next(self._order), what, args))

    def plan_weeks(self, *, start: datetime, days: int) -> None:
        """Events, promotions and consent changes of the whole run, at random moments."""
        rng = self.rng
        weeks = math.ceil(days / 7)
        end = start + timedelta(days=days)
        shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
        for week in range(weeks):
            monday = start + timedelta(days=7 * week)
            for _n in range(self.config.promotions_per_week):
                # office hours in Shanghai, where most members live
                local = (monday + timedelta(days=rng.randrange(7))).astimezone(shanghai)
                at = local.replace(hour=rng.randint(9, 19), minute=rng.randrange(60), second=0)
                if at < end:
                    self.schedule(at, "promotion")
            for _n in range(self.config.events_per_week):
                at = monday + timedelta(seconds=rng.randrange(7 * 86400))
                if at < end:
                    self.schedule(at, "event")
        per_day = CONSENT_CHANGES_PER_MEMBER_DAY * len(self.world.members)
        for day in range(days):
            for _n in range(poisson(rng, per_day)):
                self.schedule(start + timedelta(days=day, seconds=rng.randrange(86400)), "consent")

    def due(self, until: datetime) -> list[Scheduled]:
        out = []
        while self.queue and self.queue[0].at < until:
            out.append(heapq.heappop(self.queue))
        return out

    # --- the steady stream of posts and comments -------------------------------------------------------

    def _share_now(self, at: datetime) -> float:
        """How busy this moment is against the day's average (1.0), from the members' local hours."""
        total = sum(self.zone_share.values())
        weight = 0.0
        for name, count in self.zone_share.items():
            weight += count * LOCAL_ACTIVITY[at.astimezone(self.zones[name]).hour]
        return weight / total / (sum(LOCAL_ACTIVITY) / 24)

    def stream(self, *, start: datetime, end: datetime) -> list[tuple[datetime, str]]:
        """The posts and comments of one step, each at its own second."""
        share = self._share_now(start) * (end - start).total_seconds() / 86400
        seconds = int((end - start).total_seconds())
        items = [
            (start + timedelta(seconds=self.rng.randrange(seconds)), "post")
            for _ in range(poisson(self.rng, self.config.posts_per_day * share))
        ]
        items += [
            (start + timedelta(seconds=self.rng.randrange(seconds)), "comment")
            for _ in range(poisson(self.rng, self.config.comments_per_day * share))
        ]
        items.sort()
        return items

    def post(self, at: datetime) -> int | None:
        rng = self.rng
        space_id = rng.choices(self.busy_spaces, cum_weights=self.space_weights)[0]
        author = self.world.pick_member(rng, space_id)
        number = next(self._numbers)
        title = f"Thread {number}: notes from {self.world.zone[author].split('/')[-1]}"
        body = f"Post {number} by member {author}. Some thoughts worth a reply, and a question at the end?"
        mentioned = []
        if rng.random() < MENTION_SHARE:
            mentioned = [self.world.pick_member(rng, space_id, not_id=author)]
            body += f" @Member {mentioned[0]}"
        with transaction.atomic():  # as post_publish writes a published post
            post = Post.objects.create(
                space_id=space_id,
                author_id=author,
                kind=PostKind.QUESTION if number % 20 == 0 else PostKind.DISCUSSION,
                title=title,
                body=body,
                body_html=render_markdown(body),
                body_fingerprint=fingerprint(body),
                status=ContentStatus.PUBLISHED,
            )
            Space.objects.filter(pk=space_id).update(post_count=F("post_count") + 1)
            outbox_enqueue(kind="post.published", object_id=post.pk)
            Mention.objects.bulk_create(
                [Mention(member_id=m, post=post, comment=None) for m in mentioned], ignore_conflicts=True
            )
        self.recent.append(RecentPost(post.pk, space_id, author, at, rng.lognormvariate(0, 1)))
        self.counts["posts"] += 1
        self.counts["mentions"] += len(mentioned)
        return post.pk

    def comment(self, at: datetime) -> int | None:
        rng = self.rng
        self.recent = [p for p in self.recent if at - p.at < RECENT]
        if not self.recent:
            return None
        weights = [p.appeal * math.exp(-(at - p.at).total_seconds() / 64800) for p in self.recent]
        post = rng.choices(self.recent, weights=weights)[0]
        parent = None
        if post.comments and rng.random() < REPLY_SHARE:
            parent = rng.choice(post.comments)
        if rng.random() < AUTHOR_ANSWERS and post.comments:
            author = post.author_id
        else:
            author = self.world.pick_member(rng, post.space_id, not_id=post.author_id)
        if parent is not None and parent[1] == author:
            parent = None
        number = next(self._numbers)
        body = f"Comment {number}: a reply from member {author}."
        mentioned = []
        if rng.random() < MENTION_SHARE:
            mentioned = [self.world.pick_member(rng, post.space_id, not_id=author)]
            body += f" @Member {mentioned[0]}"
        with transaction.atomic():  # as comment_create writes a published comment
            comment = Comment.objects.create(
                post_id=post.pk,
                author_id=author,
                parent_id=parent[0] if parent else None,
                body=body,
                body_html=render_markdown(body),
                body_fingerprint=fingerprint(body),
                status=ContentStatus.PUBLISHED,
            )
            Post.objects.filter(pk=post.pk).update(
                comment_count=F("comment_count") + 1, last_activity_at=comment.created_at
            )
            outbox_enqueue(kind="comment.created", object_id=comment.pk)
            Mention.objects.bulk_create(
                [Mention(member_id=m, post_id=post.pk, comment=comment) for m in mentioned],
                ignore_conflicts=True,
            )
        if parent is None:
            post.comments.append((comment.pk, author))
        self.counts["comments"] += 1
        self.counts["replies_to_comments"] += parent is not None
        self.counts["mentions"] += len(mentioned)
        return comment.pk

    # --- rare things, through the services -------------------------------------------------------------

    def run(self, item: Scheduled) -> None:
        try:
            getattr(self, f"_do_{item.what}")(item.at, **item.args)
        except ContentError as error:  # a service said no (RSVP closed, full…): what a member would see
            self.refused[f"{item.what}: {type(error).__name__}"] += 1

    def _do_promotion(self, at: datetime) -> None:
        number = self.counts["promotions"] + 1
        post_publish(
            author=self.operator,
            space=self.announcements,
            title=f"{PROMO_MARK}{number}: members' offer of the week",
            body=f"Promotion {number}: a discount for members on this month's workshop tickets.",
            kind=PostKind.ANNOUNCEMENT,
            is_promotional=True,
        )
        self.counts["promotions"] += 1

    def _do_event(self, at: datetime) -> None:
        rng = self.rng
        space_id = rng.choices(self.busy_spaces, cum_weights=self.space_weights)[0]
        organiser = Member.objects.get(pk=self.world.pick_member(rng, space_id))
        zone = zoneinfo.ZoneInfo(organiser.timezone)
        day = (at + timedelta(days=rng.randint(2, 9))).astimezone(zone)
        starts = day.replace(hour=19, minute=0, second=0, microsecond=0)
        number = self.counts["events"] + 1
        event = event_create(
            organiser=organiser,
            space=Space.objects.get(pk=space_id),
            title=f"Meetup {number}",
            description="Come along.",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            timezone=organiser.timezone,
            location=f"Room {number}",
            capacity=rng.choice([None, None, 10, 20, 30]),
        )
        self.counts["events"] += 1
        members = self.world.space_members[space_id]
        going = rng.sample(members, min(len(members), rng.randint(5, 40)))
        window = (starts - timedelta(hours=2) - at).total_seconds()
        for member_id in going:
            when = at + timedelta(seconds=rng.uniform(60, window))
            self.schedule(when, "rsvp", event_id=event.pk, member_id=member_id, going=True)
            if rng.random() < 0.12:  # some change their mind, freeing a seat for the waitlist
                later = when + timedelta(
                    seconds=rng.uniform(60, max(120, (starts - when).total_seconds() - 600))
                )
                self.schedule(later, "rsvp", event_id=event.pk, member_id=member_id, going=False)
        if rng.random() < 1 / 3:  # the room changes the day before: everyone going is told
            self.schedule(starts - timedelta(hours=30), "event_moved", event_id=event.pk)

    def _do_rsvp(self, at: datetime, *, event_id: int, member_id: int, going: bool) -> None:
        rsvp_set(event=Event.objects.get(pk=event_id), member=Member.objects.get(pk=member_id), going=going)
        self.counts["rsvps" if going else "rsvps_withdrawn"] += 1

    def _do_event_moved(self, at: datetime, *, event_id: int) -> None:
        event = Event.objects.select_related("organiser").get(pk=event_id)
        event_update(event=event, by=event.organiser, location=f"{event.location}, the bigger hall")
        self.counts["event_changes"] += 1

    def _do_consent(self, at: datetime) -> None:
        member_id = self.rng.choice(self.world.members)
        if member_id in self.world.marketing:
            consent_withdraw(member=member_id, purpose=ConsentPurpose.MARKETING, channel=ConsentChannel.WEB)
            self.world.marketing.discard(member_id)
            self.counts["consents_withdrawn"] += 1
        else:
            consent_grant(member=member_id, purpose=ConsentPurpose.MARKETING, channel=ConsentChannel.WEB)
            self.world.marketing.add(member_id)
            self.counts["consents_granted"] += 1
