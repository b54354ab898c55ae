"""Block and mute: idempotent services, the buttons on a profile, the settings page with undo."""

import pytest
from django.urls import reverse

from members.exceptions import CannotBlockSelf, CannotMuteSelf
from members.models import Block, Mute
from members.selectors import member_blocked_by_ids, member_blocked_ids, member_has_blocked, member_muted_ids
from members.services import member_block, member_mute, member_unblock, member_unmute
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_blocking_twice_blocks_once_and_unblocking_twice_unblocks_once(member, other_member):
    assert member_block(blocker=member, blocked=other_member) is True
    assert member_block(blocker=member, blocked=other_member) is False
    assert Block.objects.count() == 1
    assert member_blocked_ids(member=member) == {other_member.pk}
    assert member_blocked_by_ids(member=other_member) == {member.pk}
    assert member_has_blocked(blocker_id=member.pk, blocked_id=other_member.pk)

    assert member_unblock(blocker=member, blocked=other_member) is True
    assert member_unblock(blocker=member, blocked=other_member) is False
    assert not Block.objects.exists()


def test_muting_twice_mutes_once_and_unmuting_twice_unmutes_once(member, other_member):
    assert member_mute(muter=member, muted=other_member) is True
    assert member_mute(muter=member, muted=other_member) is False
    assert member_muted_ids(member=member) == {other_member.pk}
    assert member_unmute(muter=member, muted=other_member) is True
    assert member_unmute(muter=member, muted=other_member) is False


def test_blocking_or_muting_yourself_is_a_domain_error(member):
    with pytest.raises(CannotBlockSelf):
        member_block(blocker=member, blocked=member)
    with pytest.raises(CannotMuteSelf):
        member_mute(muter=member, muted=member)


def test_block_and_mute_are_independent(member, other_member):
    member_mute(muter=member, muted=other_member)
    member_block(blocker=member, blocked=other_member)
    member_unblock(blocker=member, blocked=other_member)
    assert member_muted_ids(member=member) == {other_member.pk}


def test_a_blocked_member_gets_a_404_for_the_blockers_profile(client, member, other_member):
    client.force_login(member)
    response = client.post(reverse("members:block", args=[other_member.pk]), {"next": "/"})
    assert response.status_code == 302
    assert Block.objects.filter(blocker=member, blocked=other_member).exists()

    client.force_login(other_member)
    assert client.get(reverse("members:profile", args=[member.pk])).status_code == 404
    # The blocker still sees the profile of the member they blocked.
    client.force_login(member)
    assert client.get(reverse("members:profile", args=[other_member.pk])).status_code == 200


def test_the_block_button_with_htmx_returns_the_swapped_buttons(member_client, other_member):
    response = member_client.post(
        reverse("members:block", args=[other_member.pk]),
        {"next": reverse("members:profile", args=[other_member.pk])},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="relation-buttons-{other_member.pk}"' in html
    assert "Unblock" in html
    assert reverse("members:unblock", args=[other_member.pk]) in html
    assert "<html" not in html
    assert "王小明 is blocked" in html


def test_blocking_yourself_through_the_page_shows_a_message(member_client, member):
    response = member_client.post(reverse("members:block", args=[member.pk]), follow=True)
    assert "You cannot block yourself." in response.content.decode()
    assert not Block.objects.exists()


def test_relation_actions_need_a_signed_in_member_and_post(client, member_client, other_member):
    url = reverse("members:mute", args=[other_member.pk])
    assert member_client.get(url).status_code == 405
    client.logout()
    response = client.post(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert not Mute.objects.exists()


def test_the_next_address_never_leaves_the_site(member_client, other_member):
    response = member_client.post(
        reverse("members:mute", args=[other_member.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("members:profile", args=[other_member.pk])


def test_muted_and_blocked_members_are_listed_and_undone_in_one_click(member_client, member, other_member):
    third = MemberFactory(display_name="Third Person")
    member_mute(muter=member, muted=other_member)
    member_block(blocker=member, blocked=third)

    html = member_client.get(reverse("members:blocks")).content.decode()
    assert "王小明" in html
    assert "Third Person" in html
    assert reverse("members:unmute", args=[other_member.pk]) in html
    assert reverse("members:unblock", args=[third.pk]) in html

    response = member_client.post(
        reverse("members:unmute", args=[other_member.pk]), {"next": reverse("members:blocks")}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("members:blocks")
    assert "王小明 is no longer muted." in response.content.decode()
    assert not Mute.objects.exists()


def test_the_blocks_page_shows_only_my_own_blocks_and_mutes(client, member, other_member):
    third = MemberFactory(display_name="Third Person")
    member_block(blocker=other_member, blocked=third)
    client.force_login(member)
    html = client.get(reverse("members:blocks")).content.decode()
    assert "Third Person" not in html
    assert "You have not blocked anyone." in html


def test_the_blocks_page_needs_a_signed_in_member(client):
    response = client.get(reverse("members:blocks"))
    assert response.status_code == 302


@pytest.mark.parametrize("rows", [1, 50])
def test_blocks_page_query_count_does_not_grow_with_rows(client, member, rows, django_assert_num_queries):
    for other in MemberFactory.create_batch(rows):
        member_block(blocker=member, blocked=other)
        member_mute(muter=member, muted=other)
    client.force_login(member)
    # 1 the member (the session lives in the cache), 2 the unread inbox count of the site header
    # (content's context processor), 3 blocks with the blocked members, 4 mutes with the muted members
    with django_assert_num_queries(4):
        response = client.get(reverse("members:blocks"))
    assert response.status_code == 200
