import pytest

from tests.api.helpers import JsonClient
from tests.factories import MemberFactory, MembershipFactory, SpaceFactory


@pytest.fixture
def api():
    """The anonymous outsider."""
    return JsonClient()


@pytest.fixture
def as_member():
    """A client signed in (by session) as the given member."""

    def make(member):
        client = JsonClient()
        if member is not None:
            client.force_login(member)
        return client

    return make


@pytest.fixture
def space(db):
    return SpaceFactory(slug="garden", name="Garden", visibility="public")


@pytest.fixture
def private_space(db):
    return SpaceFactory(slug="inner", name="Inner circle", visibility="private")


@pytest.fixture
def space_moderator(db, space):
    moderator = MemberFactory(email="spacemod@example.org", display_name="Sam Spacemod")
    MembershipFactory(space=space, member=moderator, role="moderator")
    return moderator


@pytest.fixture
def cast(member, other_member, moderator, operator, space_moderator):
    """Who is asking, by name: the parametrised permission matrices pick one."""
    return {
        "member": member,
        "other_member": other_member,
        "space_moderator": space_moderator,
        "moderator": moderator,
        "operator": operator,
        "anonymous": None,
    }
