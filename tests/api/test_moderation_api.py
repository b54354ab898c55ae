"""/api/v1/moderation/: the queue, an item, claim, release, decide and complaints, with the pages'
permissions (LEGAL L17–L19, L24) and errors as {"error": {code, message}}."""

from datetime import datetime

import pytest
from django.utils import timezone

from content.models import ContentStatus, InboxItem, Post
from moderation.complaints import complaint_file, complaint_reply
from moderation.models import Complaint, ModerationAction, ReviewItem, ReviewStatus
from moderation.services import report_file, review_item_claim
from tests.api.helpers import error_of
from tests.factories import MemberFactory, MembershipFactory, PostFactory, SpaceFactory

pytestmark = pytest.mark.django_db

SEEDED = "2026-11"


@pytest.fixture
def elsewhere_moderator(db):
    """A space moderator, of another space."""
    return MembershipFactory(space=SpaceFactory(), role="moderator").member


@pytest.fixture
def post(space, other_member):
    return PostFactory(space=space, author=other_member, title="Cheap watches")


@pytest.fixture
def item(post, member):
    report_file(reporter=member, kind="post", object_id=post.pk, reason="spam", details="An advert.")
    return ReviewItem.objects.get()


@pytest.fixture
def who(cast, elsewhere_moderator):
    return {**cast, "elsewhere_moderator": elsewhere_moderator}


QUEUE_MATRIX = [
    ("anonymous", 401),
    ("member", 403),
    ("other_member", 403),
    ("elsewhere_moderator", 404),  # may use the queue, but this item is not in their spaces
    ("space_moderator", 200),
    ("moderator", 200),
    ("operator", 200),
]


@pytest.mark.legal("L24")
@pytest.mark.parametrize(("role", "expected"), QUEUE_MATRIX)
def test_permission_matrix_of_the_queue_and_the_item(as_member, who, item, role, expected):
    client = as_member(who[role])
    queue = client.get("/api/v1/moderation/queue/")
    assert queue.status_code == (200 if expected == 404 else expected)
    if queue.status_code == 200:
        ids = [row["id"] for row in queue.json()["results"]]
        assert ids == ([] if expected == 404 else [item.pk])
    else:
        error_of(queue)
    detail = client.get(f"/api/v1/moderation/items/{item.pk}/")
    assert detail.status_code == expected
    if expected == 200:
        body = detail.json()
        assert body["reports"][0]["details"] == "An advert."
        assert body["reports"][0]["reporter"]["display_name"] == who["member"].public_name
        assert "email" not in str(body["reports"][0]["reporter"])  # L24
        assert body["rules_version"] == SEEDED and body["rules"][2]["key"] == f"{SEEDED}#3"
    else:
        error_of(detail)


@pytest.mark.legal("L24")
@pytest.mark.parametrize(("role", "expected"), QUEUE_MATRIX)
def test_permission_matrix_of_claim_release_and_decide(as_member, who, item, post, role, expected):
    client = as_member(who[role])
    claim = client.post(f"/api/v1/moderation/items/{item.pk}/claim/")
    assert claim.status_code == expected
    release = client.post(f"/api/v1/moderation/items/{item.pk}/release/")
    assert release.status_code == expected
    decide = client.post(
        f"/api/v1/moderation/items/{item.pk}/decide/",
        {"action": "hide", "reason": "Advertising.", "rule": f"{SEEDED}#3"},
    )
    assert decide.status_code == expected
    if expected == 200:
        assert decide.json() == {"decided": True, "item": decide.json()["item"]}
        assert decide.json()["item"]["status"] == "decided"
        assert Post.objects.get(pk=post.pk).status == ContentStatus.HIDDEN
    else:
        for response in (claim, release, decide):
            error_of(response)
        assert ReviewItem.objects.get().status == ReviewStatus.OPEN
        assert Post.objects.get(pk=post.pk).status == ContentStatus.PUBLISHED


@pytest.mark.legal("L18")
def test_deciding_through_the_api_cites_the_rule_and_tells_the_author(
    as_member, moderator, other_member, item
):
    response = as_member(moderator).post(
        f"/api/v1/moderation/items/{item.pk}/decide/",
        {"action": "remove", "reason": "Advertising.", "rule": f"{SEEDED}#3"},
    )
    assert response.status_code == 200
    action = ModerationAction.objects.get()
    assert (action.rule_version, action.rule_number, action.code) == (SEEDED, 3, "moderation.post.removed")
    assert InboxItem.objects.filter(recipient=other_member, kind="moderation.notice").exists()
    again = as_member(moderator).post(
        f"/api/v1/moderation/items/{item.pk}/decide/",
        {"action": "remove", "reason": "Advertising.", "rule": f"{SEEDED}#3"},
    )
    assert again.status_code == 200 and again.json()["decided"] is False


def test_a_claim_held_by_another_moderator_is_a_409_naming_them(as_member, moderator, operator, item):
    review_item_claim(item=item, by=operator)
    error = error_of(as_member(moderator).post(f"/api/v1/moderation/items/{item.pk}/claim/"))
    assert error["code"] == "claimed" and operator.public_name in error["message"]


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"action": "hide", "reason": "", "rule": f"{SEEDED}#3"}, "invalid", "reason"),
        ({"action": "explode", "reason": "x", "rule": f"{SEEDED}#3"}, "invalid", "action"),
        ({"action": "hide", "reason": "x", "rule": f"{SEEDED}#9"}, "rule_unknown", "rule"),
        ({"action": "suspend", "reason": "x", "rule": f"{SEEDED}#2"}, "days_invalid", "days"),
    ],
)
def test_bad_decisions_are_json_errors_naming_the_field(as_member, moderator, item, body, code, field):
    response = as_member(moderator).post(f"/api/v1/moderation/items/{item.pk}/decide/", body)
    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == code and field in error.get("fields", {field: []})
    assert not ModerationAction.objects.exists()


def test_a_space_moderator_cannot_sanction_through_the_api(as_member, space_moderator, item):
    response = as_member(space_moderator).post(
        f"/api/v1/moderation/items/{item.pk}/decide/",
        {"action": "ban", "reason": "Spam.", "rule": f"{SEEDED}#3"},
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "not_allowed"


def test_the_queue_filters_like_the_page(as_member, moderator, space, member, other_member):
    spam = PostFactory(space=space, author=other_member)
    rude = PostFactory(space=space, author=other_member)
    report_file(reporter=member, kind="post", object_id=spam.pk, reason="spam")
    report_file(reporter=member, kind="post", object_id=rude.pk, reason="harassment")
    client = as_member(moderator)
    rows = client.get("/api/v1/moderation/queue/?reason=harassment").json()["results"]
    assert [row["object_id"] for row in rows] == [rude.pk]
    review_item_claim(item=ReviewItem.objects.get(object_id=spam.pk), by=moderator)
    rows = client.get("/api/v1/moderation/queue/?mine=true").json()["results"]
    assert [row["object_id"] for row in rows] == [spam.pk]
    error = error_of(client.get("/api/v1/moderation/queue/?reason=weather"))
    assert error["code"] == "invalid" and "reason" in error["fields"]


@pytest.mark.parametrize("rows", [1, 50])
def test_the_queue_costs_the_same_queries_for_1_and_50_items(
    as_member, moderator, space, other_member, rows, django_assert_num_queries
):
    reporters = [MemberFactory() for _ in range(3)]
    for index in range(rows):
        post = PostFactory(space=space, author=other_member)
        report_file(reporter=reporters[index % 3], kind="post", object_id=post.pk, reason="spam")
    client = as_member(moderator)
    # 1 the moderator (session in the cache), 2 their groups (site moderator?), 3 the items with their
    # space, claimer and author (one JOINed query)
    with django_assert_num_queries(3):
        response = client.get("/api/v1/moderation/queue/")
    assert len(response.json()["results"]) == rows


# --- Complaints ----------------------------------------------------------------------------------------


@pytest.mark.legal("L19")
def test_a_member_sends_a_complaint_and_lists_their_own(as_member, member, other_member):
    client = as_member(member)
    response = client.post(
        "/api/v1/moderation/complaints/",
        {"topic": "service", "subject": "Slow pages", "body": "The feed takes ten seconds."},
    )
    assert response.status_code == 201
    body = response.json()
    complaint = Complaint.objects.get()
    assert body["reference"] == complaint.reference and body["status"] == "open"
    assert datetime.fromisoformat(body["due_at"]) == complaint.due_at  # 15 working days out
    complaint_file(author=other_member, topic="data", subject="Theirs", body="Not yours.")
    assert [row["id"] for row in client.get("/api/v1/moderation/complaints/").json()["results"]] == [
        complaint.pk
    ]


@pytest.mark.legal("L24")
@pytest.mark.parametrize(
    ("role", "create", "desk", "detail", "reply"),
    [
        ("anonymous", 401, 401, 401, 401),
        ("member", 201, 403, 200, 201),
        ("other_member", 201, 403, 404, 404),
        ("elsewhere_moderator", 201, 403, 404, 404),
        ("space_moderator", 201, 403, 404, 404),
        ("moderator", 201, 200, 200, 201),
        ("operator", 201, 200, 200, 201),
    ],
)
def test_permission_matrix_of_complaints(as_member, who, member, role, create, desk, detail, reply):
    complaint = complaint_file(author=member, topic="service", subject="Slow", body="Very slow.")
    client = as_member(who[role])
    created = client.post(
        "/api/v1/moderation/complaints/", {"topic": "other", "subject": "Hi", "body": "Hello."}
    )
    assert created.status_code == create
    listed = client.get("/api/v1/moderation/complaints/desk/")
    assert listed.status_code == desk
    if desk == 200:
        assert complaint.pk in [row["id"] for row in listed.json()["results"]]
        assert "email" not in str(listed.json())  # L24: names, never addresses
    shown = client.get(f"/api/v1/moderation/complaints/{complaint.pk}/")
    assert shown.status_code == detail
    replied = client.post(f"/api/v1/moderation/complaints/{complaint.pk}/replies/", {"body": "A reply."})
    assert replied.status_code == reply
    for response in (created, listed, shown, replied):
        if response.status_code >= 400:
            error_of(response)


def test_the_member_sees_staff_replies_without_the_staff_name(as_member, member, moderator):
    complaint = complaint_file(author=member, topic="service", subject="Slow", body="Very slow.")
    complaint_reply(complaint=complaint, by=moderator, body="Fixed today.")
    messages = as_member(member).get(f"/api/v1/moderation/complaints/{complaint.pk}/").json()["messages"]
    assert [(m["from_staff"], m["body"], m["author"]) for m in messages][1] == (True, "Fixed today.", None)
    desk = as_member(moderator).get(f"/api/v1/moderation/complaints/{complaint.pk}/").json()["messages"]
    assert desk[1]["author"]["display_name"] == moderator.public_name


def test_a_complaint_without_a_body_is_a_400_naming_the_field(as_member, member):
    response = as_member(member).post("/api/v1/moderation/complaints/", {"topic": "service", "subject": "Hi"})
    error = error_of(response)
    assert response.status_code == 400 and "body" in error["fields"]


@pytest.mark.parametrize("rows", [1, 50])
def test_the_desk_costs_the_same_queries_for_1_and_50(as_member, moderator, rows, django_assert_num_queries):
    authors = [MemberFactory() for _ in range(3)]
    Complaint.objects.bulk_create(
        Complaint(
            author=authors[index % 3],
            topic="service",
            subject=f"C{index}",
            due_at=timezone.now(),
            reference=f"C-2026-7{index:05d}",
        )
        for index in range(rows)
    )
    client = as_member(moderator)
    # 1 the moderator, 2 their groups, 3 the complaints with their authors (one JOINed query)
    with django_assert_num_queries(3):
        response = client.get("/api/v1/moderation/complaints/desk/")
    assert len(response.json()["results"]) == rows
