import pytest

from tests.factories import MembershipFactory, PostFactory, SpaceFactory


@pytest.fixture
def space(db):
    return SpaceFactory(post_count=1)


@pytest.fixture
def post(space, other_member):
    return PostFactory(space=space, author=other_member)


@pytest.fixture
def private_space(db, other_member):
    space = SpaceFactory(visibility="private")
    MembershipFactory(space=space, member=other_member)
    return space


@pytest.fixture
def space_moderator(db, space):
    membership = MembershipFactory(space=space, role="moderator")
    return membership.member
