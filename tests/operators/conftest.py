"""The staff cast of the operators' tests: one staff member per role of community/roles.py, signed in
through the admin like anyone else. `operator` (tests/conftest.py) is a superuser; `group_operator`
holds the operator role without being one."""

import pytest

from community.roles import MODERATOR, OPERATOR, PRIVACY_OFFICER, role_grant
from tests.factories import MemberFactory


def staff_with(role: str, **fields):
    member = MemberFactory(**fields)
    role_grant(member=member, role=role)
    return member


@pytest.fixture
def group_operator(db):
    return staff_with(OPERATOR, email="olga.operator@example.org", display_name="Olga Operator")


@pytest.fixture
def staff_moderator(db):
    return staff_with(MODERATOR, email="wang.min@example.org", display_name="王敏")


@pytest.fixture
def privacy_officer(db):
    return staff_with(PRIVACY_OFFICER, email="priya.privacy@example.org", display_name="Priya Privacy")


@pytest.fixture
def as_who(client, request):
    """as_who("privacy_officer") signs the test client in as that fixture's member (or stays anonymous)."""

    def sign_in(who: str):
        if who != "anonymous":
            client.force_login(request.getfixturevalue(who))
        return client

    return sign_in
