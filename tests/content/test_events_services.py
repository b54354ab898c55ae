"""Events and RSVPs: capacity, the fair waitlist, promotion with an inbox item, deadlines, permissions."""

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from content.demo_events import seed_demo_events
from content.exceptions import NotAllowed, NotFound, RSVPClosed
from content.models import RSVP, Event, InboxItem, RSVPStatus
from content.selectors.events import (
    event_attendees,
    event_get,
    event_online_url_visible,
    event_waitlist,
    rsvp_waitlist_position,
)
from content.services.events import (
    EventCapacityInvalid,
    EventDeadlineInvalid,
    EventEndsBeforeStart,
    EventTimezoneInvalid,
    event_create,
    event_delete,
    event_update,
    rsvp_set,
)
from tests.factories import EventFactory, MemberFactory, MembershipFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _create_kwargs(**overrides):
    starts = timezone.now() + timedelta(days=3)
    values = {
        "title": "Dumplings evening",
        "description": "We make **dumplings**.",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "timezone": "Asia/Shanghai",
        "location": "Jing'an",
        "online_url": "",
        "capacity": 10,
        "rsvp_deadline": None,
    }
    return {**values, **overrides}


# --- creating, changing, deleting -----------------------------------------------------------------


def test_a_member_creates_an_event_with_its_description_rendered(member):
    space = SpaceFactory()
    event = event_create(organiser=member, space=space, **_create_kwargs())
    assert event.description_html == "<p>We make <strong>dumplings</strong>.</p>\n"
    assert (event.going_count, event.waitlist_count) == (0, 0)


def test_an_event_that_ends_before_it_starts_is_refused(member):
    starts = timezone.now() + timedelta(days=1)
    with pytest.raises(EventEndsBeforeStart) as caught:
        event_create(
            organiser=member,
            space=SpaceFactory(),
            **_create_kwargs(starts_at=starts, ends_at=starts - timedelta(minutes=1)),
        )
    assert caught.value.field == "ends_at"
    assert not Event.objects.exists()


def test_an_event_that_starts_in_the_past_is_refused(member):
    from content.services.events import EventStartsInPast

    starts = timezone.now() - timedelta(hours=1)
    with pytest.raises(EventStartsInPast) as caught:
        event_create(
            organiser=member,
            space=SpaceFactory(),
            **_create_kwargs(starts_at=starts, ends_at=starts + timedelta(hours=2)),
        )
    assert caught.value.field == "starts_at"


@pytest.mark.parametrize("capacity", [0, -3])
def test_a_capacity_below_one_is_refused(member, capacity):
    with pytest.raises(EventCapacityInvalid):
        event_create(organiser=member, space=SpaceFactory(), **_create_kwargs(capacity=capacity))


def test_an_unknown_time_zone_and_a_deadline_after_the_start_are_refused(member):
    with pytest.raises(EventTimezoneInvalid):
        event_create(organiser=member, space=SpaceFactory(), **_create_kwargs(timezone="Mars/Olympus"))
    starts = timezone.now() + timedelta(days=1)
    with pytest.raises(EventDeadlineInvalid):
        event_create(
            organiser=member,
            space=SpaceFactory(),
            **_create_kwargs(
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                rsvp_deadline=starts + timedelta(minutes=5),
            ),
        )


def test_an_outsider_cannot_create_an_event_in_a_private_space(member, other_member):
    space = SpaceFactory(visibility="private")
    MembershipFactory(space=space, member=member)
    assert event_create(organiser=member, space=space, **_create_kwargs()).pk
    with pytest.raises(NotAllowed):
        event_create(organiser=other_member, space=space, **_create_kwargs())


def test_the_organiser_a_space_moderator_and_an_operator_may_edit_but_another_member_may_not(
    member, other_member, moderator, operator
):
    event = EventFactory(organiser=member)
    space_moderator = MembershipFactory(space=event.space, role="moderator").member
    for who, title in [(member, "A"), (space_moderator, "B"), (moderator, "C"), (operator, "D")]:
        assert event_update(event=event, by=who, title=title).title == title
    with pytest.raises(NotAllowed):
        event_update(event=event, by=other_member, title="Hijacked")
    event.refresh_from_db()
    assert event.title == "D"


def test_editing_the_description_renders_it_again(member):
    event = EventFactory(organiser=member)
    updated = event_update(event=event, by=member, description="*new*")
    assert updated.description_html == "<p><em>new</em></p>\n"


def test_raising_the_capacity_promotes_the_waitlist_in_order(member):
    event = EventFactory(capacity=1)
    first, second, third = MemberFactory(), MemberFactory(), MemberFactory()
    for who in (first, second, third):
        rsvp_set(event=event, member=who, going=True)
    event_update(event=event, by=event.organiser, capacity=2)
    event.refresh_from_db()
    assert (event.going_count, event.waitlist_count) == (2, 1)
    assert [r.member_id for r in event_waitlist(event=event)] == [third.pk]
    assert InboxItem.objects.filter(kind="event.promoted", recipient=second).count() == 1


def test_lowering_the_capacity_keeps_everyone_who_has_a_seat(member):
    event = EventFactory(capacity=3)
    for _ in range(3):
        rsvp_set(event=event, member=MemberFactory(), going=True)
    event_update(event=event, by=event.organiser, capacity=1)
    event.refresh_from_db()
    assert event.going_count == 3
    newcomer = rsvp_set(event=event, member=member, going=True)
    assert newcomer.status == RSVPStatus.WAITLISTED


def test_deleting_is_soft_idempotent_and_hides_the_event(member, other_member):
    event = EventFactory(organiser=member)
    with pytest.raises(NotAllowed):
        event_delete(event=event, by=other_member)
    assert event_delete(event=event, by=member) is True
    assert event_delete(event=event, by=member) is False
    assert Event.objects.filter(pk=event.pk, deleted_at__isnull=False).exists()
    with pytest.raises(NotFound):
        event_get(viewer=member, pk=event.pk)
    with pytest.raises(NotFound):
        rsvp_set(event=event, member=other_member, going=True)


# --- RSVP, capacity and the waitlist ---------------------------------------------------------------


def test_members_beyond_capacity_join_the_waitlist_first_come_first_served():
    event = EventFactory(capacity=2)
    members = [MemberFactory() for _ in range(5)]
    statuses = [rsvp_set(event=event, member=m, going=True).status for m in members]
    assert statuses == ["going", "going", "waitlisted", "waitlisted", "waitlisted"]
    event.refresh_from_db()
    assert (event.going_count, event.waitlist_count) == (2, 3)
    assert [r.member_id for r in event_waitlist(event=event)] == [m.pk for m in members[2:]]
    assert [rsvp_waitlist_position(event=event, member=m) for m in members] == [None, None, 1, 2, 3]
    assert [r.member_id for r in event_attendees(event=event)] == [m.pk for m in members[:2]]


def test_cancelling_a_seat_promotes_the_first_waitlisted_member_and_tells_them_in_their_inbox():
    event = EventFactory(capacity=1)
    holder, first_waiting, second_waiting = MemberFactory(), MemberFactory(), MemberFactory()
    for who in (holder, first_waiting, second_waiting):
        rsvp_set(event=event, member=who, going=True)

    rsvp_set(event=event, member=holder, going=False)

    assert RSVP.objects.get(event=event, member=first_waiting).status == RSVPStatus.GOING
    assert RSVP.objects.get(event=event, member=second_waiting).status == RSVPStatus.WAITLISTED
    item = InboxItem.objects.get(kind="event.promoted")
    assert item.recipient_id == first_waiting.pk
    assert item.url == f"/e/{event.pk}/"
    assert item.data == {"event_id": event.pk, "title": event.title}
    event.refresh_from_db()
    assert (event.going_count, event.waitlist_count) == (1, 1)
    assert rsvp_waitlist_position(event=event, member=second_waiting) == 1


def test_leaving_the_waitlist_promotes_nobody_and_frees_a_place_in_the_queue():
    event = EventFactory(capacity=1)
    holder, waiting = MemberFactory(), MemberFactory()
    rsvp_set(event=event, member=holder, going=True)
    rsvp_set(event=event, member=waiting, going=True)
    rsvp_set(event=event, member=waiting, going=False)
    event.refresh_from_db()
    assert (event.going_count, event.waitlist_count) == (1, 0)
    assert not InboxItem.objects.exists()


def test_coming_back_after_cancelling_puts_you_at_the_end_of_the_waitlist():
    event = EventFactory(capacity=1)
    holder, waiting = MemberFactory(), MemberFactory()
    rsvp_set(event=event, member=holder, going=True)
    rsvp_set(event=event, member=waiting, going=True)
    rsvp_set(event=event, member=holder, going=False)  # waiting gets the seat
    again = rsvp_set(event=event, member=holder, going=True)
    assert again.status == RSVPStatus.WAITLISTED


def test_rsvping_twice_changes_nothing_the_second_time(member):
    event = EventFactory(capacity=1)
    first = rsvp_set(event=event, member=member, going=True)
    second = rsvp_set(event=event, member=member, going=True)
    assert first.pk == second.pk
    assert second.status == RSVPStatus.GOING
    waiting = MemberFactory()
    queued_at = rsvp_set(event=event, member=waiting, going=True).waitlisted_at
    assert rsvp_set(event=event, member=waiting, going=True).waitlisted_at == queued_at
    rsvp_set(event=event, member=member, going=False)
    rsvp_set(event=event, member=member, going=False)
    event.refresh_from_db()
    assert (event.going_count, event.waitlist_count) == (1, 0)
    assert RSVP.objects.filter(event=event).count() == 2
    assert InboxItem.objects.count() == 1


def test_an_event_without_capacity_has_no_waitlist():
    event = EventFactory(capacity=None)
    for _ in range(4):
        assert rsvp_set(event=event, member=MemberFactory(), going=True).status == RSVPStatus.GOING


def test_rsvp_after_the_deadline_is_closed(member):
    event = EventFactory(rsvp_deadline=timezone.now() - timedelta(minutes=1))
    with pytest.raises(RSVPClosed):
        rsvp_set(event=event, member=member, going=True)
    assert not RSVP.objects.exists()


def test_rsvp_after_the_event_started_is_closed(member):
    starts = timezone.now() - timedelta(minutes=5)
    event = EventFactory(starts_at=starts, ends_at=starts + timedelta(hours=2))
    with pytest.raises(RSVPClosed):
        rsvp_set(event=event, member=member, going=True)


def test_an_outsider_cannot_rsvp_to_a_private_space_event_and_learns_nothing(member, other_member):
    space = SpaceFactory(visibility="private")
    MembershipFactory(space=space, member=member)
    event = EventFactory(space=space)
    assert rsvp_set(event=event, member=member, going=True).status == RSVPStatus.GOING
    with pytest.raises(NotFound):
        rsvp_set(event=event, member=other_member, going=True)


def test_the_online_link_is_visible_only_to_those_going_and_the_organisers(
    member, other_member, moderator, operator
):
    event = EventFactory(online_url="https://meet.example.org/x")
    space_moderator = MembershipFactory(space=event.space, role="moderator").member
    rsvp_set(event=event, member=member, going=True)
    rsvp_set(event=event, member=other_member, going=False)

    def visible(viewer):
        status = (
            RSVP.objects.filter(event=event, member_id=viewer.pk).values_list("status", flat=True).first()
        )
        return event_online_url_visible(event=event, viewer=viewer, rsvp_status=status)

    assert visible(member)
    assert not visible(other_member)
    assert visible(event.organiser)
    assert visible(space_moderator)
    assert visible(moderator)
    assert visible(operator)
    assert not visible(MemberFactory())


# --- concurrency ----------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_members_taking_the_last_seat_at_the_same_moment_never_overbook():
    assert connection.vendor == "postgresql"
    event = EventFactory(capacity=1)
    racers = [MemberFactory(), MemberFactory()]
    barrier = threading.Barrier(len(racers))
    errors: list[BaseException] = []

    def take_seat(member):
        try:
            barrier.wait(timeout=10)
            rsvp_set(event=event, member=member, going=True)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=take_seat, args=(m,)) for m in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    statuses = sorted(RSVP.objects.filter(event=event).values_list("status", flat=True))
    assert statuses == ["going", "waitlisted"]
    event.refresh_from_db()
    assert (event.going_count, event.waitlist_count) == (1, 1)


# --- demo data ------------------------------------------------------------------------------------


def test_the_demo_events_are_idempotent_and_one_is_full_with_two_waiting():
    spaces = [SpaceFactory(), SpaceFactory(visibility="members")]
    members = [MemberFactory() for _ in range(8)]
    seed_demo_events(spaces=spaces, members=members)
    seed_demo_events(spaces=spaces, members=members)
    assert Event.objects.count() == 4
    full = Event.objects.get(title="Board games night")
    assert (full.capacity, full.going_count, full.waitlist_count) == (3, 3, 2)
    assert RSVP.objects.filter(event=full).count() == 5
