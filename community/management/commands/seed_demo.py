"""Load a small demo community. Idempotent: a second run finds everyone and changes nothing."""

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from community.dashboard.demo import seed_demo_goals, seed_demo_history
from community.roles import MODERATOR, OPERATOR, PRIVACY_OFFICER, role_grant, roles_sync
from content.demo_content import seed_demo_content
from content.demo_events import seed_demo_events
from members.models import Member
from moderation.demo import seed_demo_reports, seed_demo_watched_words
from privacy.consents import consent_grant

DEMO_PASSWORD = "community-demo-2026"  # noqa: S105 - printed to the developer on purpose; demo data only

STAFF = [
    # email, display name, language, time zone, role (community/roles.py)
    ("operator@example.com", "Olivia Operator", "en", "Europe/London", OPERATOR),
    ("moderator@example.com", "王敏 (Moderator)", "zh-hans", "Asia/Shanghai", MODERATOR),
    ("privacy@example.com", "Priya Privacy", "en", "Europe/Dublin", PRIVACY_OFFICER),
]

MEMBERS = [
    ("member@example.com", "Alex Member", "en", "America/New_York"),
    ("li.wei@example.com", "李伟", "zh-hans", "Asia/Shanghai"),
    ("zhang.na@example.com", "张娜", "zh-hans", "Asia/Shanghai"),
    ("chen.jing@example.com", "陈静", "zh-hans", "Asia/Shanghai"),
    ("liu.yang@example.com", "刘洋", "zh-hans", "Asia/Shanghai"),
    ("yang.fan@example.com", "杨帆", "zh-hans", "Asia/Shanghai"),
    ("huang.lei@example.com", "黄磊", "zh-hans", "Asia/Shanghai"),
    ("zhao.min@example.com", "赵敏", "zh-hans", "Asia/Shanghai"),
    ("wu.qiang@example.com", "吴强", "zh-hans", "Asia/Shanghai"),
    ("zhou.xin@example.com", "周欣", "zh-hans", "Asia/Shanghai"),
    ("xu.lin@example.com", "徐琳", "zh-hans", "Asia/Shanghai"),
    ("sun.hao@example.com", "孙浩", "zh-hans", "Asia/Hong_Kong"),
    ("ma.li@example.com", "马丽", "zh-hans", "Asia/Shanghai"),
    ("zhu.tao@example.com", "朱涛", "zh-hans", "Asia/Taipei"),
    ("hu.yue@example.com", "胡月", "zh-hans", "Asia/Shanghai"),
    ("guo.peng@example.com", "郭鹏", "zh-hans", "Asia/Singapore"),
    ("he.xue@example.com", "何雪", "zh-hans", "Asia/Shanghai"),
    ("emma.johnson@example.com", "Emma Johnson", "en", "Europe/London"),
    ("liam.smith@example.com", "Liam Smith", "en", "America/Chicago"),
    ("sofia.garcia@example.com", "Sofía García", "en", "Europe/Madrid"),
    ("noah.brown@example.com", "Noah Brown", "en", "America/Los_Angeles"),
    ("ava.wilson@example.com", "Ava Wilson", "en", "Australia/Sydney"),
    ("lucas.martin@example.com", "Lucas Martin", "en", "Europe/Paris"),
    ("mia.taylor@example.com", "Mia Taylor", "en", "America/Toronto"),
    ("ethan.clark@example.com", "Ethan Clark", "en", "Europe/Berlin"),
    ("priya.patel@example.com", "Priya Patel", "en", "Asia/Kolkata"),
    ("kenji.sato@example.com", "Kenji Sato", "en", "Asia/Tokyo"),
    ("grace.lee@example.com", "Grace Lee", "en", "Asia/Seoul"),
    ("omar.haddad@example.com", "Omar Haddad", "en", "Asia/Dubai"),
    ("hannah.muller@example.com", "Hannah Müller", "en", "Europe/Berlin"),
    ("daniel.kim@example.com", "Daniel Kim", "en", "America/New_York"),
]


class Command(BaseCommand):
    help = "Load the demo community (members and one staff member per role). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--logins", action="store_true", help="Only print the demo logins.")

    def handle(self, *args: object, **options: object) -> None:
        if not options["logins"]:
            self._seed()
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        for email, role in [("member@example.com", "member"), *[(s[0], s[4]) for s in STAFF]]:
            self.stdout.write(f"  {role:<16} {email}")

    @transaction.atomic
    def _seed(self) -> None:
        created = 0
        roles_sync()  # migrate did it already; a database migrated before the roles existed needs it
        for email, name, language, tz, role in STAFF:
            member, was_created = self._member(email, name, language, tz)
            created += was_created
            role_grant(member=member, role=role)
            if role == OPERATOR and not member.is_superuser:
                member.is_staff = member.is_superuser = True
                member.save(update_fields=["is_staff", "is_superuser"])
        for email, name, language, tz in MEMBERS:
            created += self._member(email, name, language, tz)[1]
        # Demo members have been around for a while: regulars, so the posting limits of newcomers do
        # not stop the seed (the limits themselves are shown by the tests).
        Member.objects.filter(email__in=[row[0] for row in MEMBERS], trust_level=0).update(trust_level=2)
        operator = Member.objects.get(email=STAFF[0][0])
        moderator = Member.objects.get(email=STAFF[1][0])
        members = list(Member.objects.filter(email__in=[row[0] for row in MEMBERS]).order_by("pk"))
        spaces = seed_demo_content(operator=operator, moderator=moderator, members=members)
        seed_demo_events(spaces=spaces, members=[moderator, *members])
        seed_demo_watched_words(operator=operator)
        seed_demo_reports(members=members)
        if created:
            # the first run only: the community's past, for the operators' dashboard
            seed_demo_history(members=members)
        seed_demo_goals()  # once: left alone when any goal exists
        self.stdout.write(
            f"Demo community ready: {created} accounts created, {Member.objects.count()} in total."
        )

    def _member(self, email: str, name: str, language: str, tz: str) -> tuple[Member, bool]:
        member, created = Member.objects.get_or_create(
            email=email, defaults={"display_name": name, "language": language, "timezone": tz}
        )
        if created:
            member.set_password(DEMO_PASSWORD)
            member.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=member, email=email, defaults={"verified": True, "primary": True}
        )
        # Demo accounts agreed to the terms when they "signed up" (a no-op when already recorded).
        consent_grant(member=member, purpose="terms", channel="admin")
        return member, created
