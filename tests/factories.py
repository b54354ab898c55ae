from datetime import timedelta

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from members.models import Member

PASSWORD = "correct-horse-battery-9"


class MemberFactory(factory.django.DjangoModelFactory):
    """A member who signed up and verified their email address."""

    class Meta:
        model = Member
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"member{n}@example.org")
    display_name = factory.Faker("name")
    language = "en"
    timezone = "Asia/Shanghai"

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])

    @factory.post_generation
    def verified(self, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.create(
                user=self, email=self.email, primary=True, verified=True if extracted is None else extracted
            )

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            for name in extracted:
                self.groups.add(Group.objects.get_or_create(name=name)[0])


class SpaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "content.Space"

    slug = factory.Sequence(lambda n: f"space-{n}")
    name = factory.Sequence(lambda n: f"Space {n}")
    description = "A place to talk."
    visibility = "public"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "content.SpaceMembership"

    space = factory.SubFactory(SpaceFactory)
    member = factory.SubFactory(MemberFactory)
    role = "member"
    status = "active"


class PostFactory(factory.django.DjangoModelFactory):
    """A published post, written straight to the table (tests of the publishing rules use the service)."""

    class Meta:
        model = "content.Post"

    space = factory.SubFactory(SpaceFactory)
    author = factory.SubFactory(MemberFactory)
    title = factory.Sequence(lambda n: f"Post number {n}")
    body = factory.Sequence(lambda n: f"The body of post {n}.")
    body_html = factory.LazyAttribute(lambda o: f"<p>{o.body}</p>")
    body_fingerprint = factory.Sequence(lambda n: f"{n:064d}")


class CommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "content.Comment"

    post = factory.SubFactory(PostFactory)
    author = factory.SubFactory(MemberFactory)
    body = factory.Sequence(lambda n: f"Comment {n}")
    body_html = factory.LazyAttribute(lambda o: f"<p>{o.body}</p>")
    body_fingerprint = factory.Sequence(lambda n: f"c{n:063d}")


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "content.Event"

    space = factory.SubFactory(SpaceFactory)
    organiser = factory.SubFactory(MemberFactory)
    title = factory.Sequence(lambda n: f"Meetup {n}")
    description = "Come along."
    description_html = "<p>Come along.</p>"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    timezone = "Asia/Shanghai"
    location = "Shanghai, Xuhui"
