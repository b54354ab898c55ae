"""Moderation over the API (/api/v1/moderation/): the review queue, an item with its reports, claim,
release and decide; complaints (LEGAL L19) for members and the desk. The same selectors and services as
the pages, so the same visibility, permissions and limits; errors are community.api's JSON body."""

import re

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api import Api, page_serializer, with_errors
from community.idempotency import idempotent
from content.api.spaces import SpaceSummarySerializer
from content.exceptions import NotAllowed
from members.api import MemberSummarySerializer
from members.models import Member
from moderation.community_rules import rulebook_current
from moderation.complaints import (
    BODY_MAX,
    SUBJECT_MAX,
    DeskFilters,
    can_handle_complaint,
    can_handle_complaints,
    complaint_desk,
    complaint_file,
    complaint_messages,
    complaint_reply,
    complaints_of,
    complaints_visible,
)
from moderation.models import (
    ActionKind,
    Complaint,
    ComplaintMessage,
    ComplaintStatus,
    ComplaintTopic,
    ReportReason,
    ReviewItem,
    ReviewStatus,
    TargetKind,
)
from moderation.sanctions import DAYS_MAX, DAYS_MIN
from moderation.selectors import (
    QueueFilters,
    can_use_queue,
    review_item_get,
    review_item_reports,
    review_queue,
)
from moderation.services import (
    REASON_MAX,
    RULE_MAX,
    review_item_claim,
    review_item_decide,
    review_item_release,
)

TAGS = ["moderation"]
COMPLAINT_TAGS = ["complaints"]
QUEUE_SIZE = 100
PAGE_SIZE = 100


def choice(choices, **kwargs) -> serializers.ChoiceField:
    """A choice field described by a pattern rather than an enum component: `status`, `kind` and
    `reason` name other apps' enums too, and spectacular would name the collisions by hash. (With
    ENUM_NAME_OVERRIDES entries for moderation's choices in the settings, plain ChoiceFields would do.)"""
    values = [str(value) for value, _label in choices]
    # spectacular documents allow_blank itself (oneOf with an empty string); "" in the pattern too
    # would match both branches of that oneOf
    blank = " (or empty)" if kwargs.get("allow_blank") else ""
    schema = {
        "type": "string",
        "pattern": "^(" + "|".join(re.escape(value) for value in values) + ")$",
        "description": "One of: " + ", ".join(f"`{value}`" for value in values) + blank + ".",
    }

    @extend_schema_field(schema)
    class PatternChoice(serializers.ChoiceField):
        pass

    return PatternChoice(choices=choices, **kwargs)


def _moderator(request: Request) -> Member:
    """Members who moderate nothing are refused (403), as on the pages."""
    if not can_use_queue(viewer=request.user):
        raise NotAllowed()
    return request.user


def _item(request: Request, pk: int) -> ReviewItem:
    return review_item_get(viewer=_moderator(request), pk=pk)  # 404 outside the viewer's spaces


# --- Review items --------------------------------------------------------------------------------------


class ReviewItemSerializer(serializers.ModelSerializer):
    """A review item as the queue shows it: the content as it was reported, its clock and claim."""

    kind = choice(TargetKind.choices, read_only=True)
    reason = choice(ReportReason.choices, read_only=True)
    status = choice(ReviewStatus.choices, read_only=True)
    decision = choice(ActionKind.choices, read_only=True, allow_blank=True)
    space = SpaceSummarySerializer(allow_null=True)
    snapshot_author = MemberSummarySerializer(allow_null=True)
    claimed_by = MemberSummarySerializer(allow_null=True)
    is_overdue = serializers.BooleanField(default=False, read_only=True)

    class Meta:
        model = ReviewItem
        fields = [
            "id",
            "kind",
            "object_id",
            "space",
            "reason",
            "priority",
            "report_count",
            "status",
            "claimed_by",
            "claim_expires_at",
            "created_at",
            "triage_due_at",
            "due_at",
            "is_overdue",
            "decided_at",
            "decision",
            "snapshot_title",
            "snapshot_body",
            "snapshot_author",
        ]


class ReportSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reason = serializers.CharField()
    details = serializers.CharField()
    created_at = serializers.DateTimeField()
    outcome = serializers.CharField(allow_null=True)
    reporter = MemberSummarySerializer()


class RuleSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="Send this as `rule` to decide: the version and the number.")
    number = serializers.IntegerField()
    text = serializers.CharField()


class ReviewQueueApi(Api):
    """Open and claimed items (or those of `status`), overdue first, then by priority and due time.
    A space moderator sees the items of the spaces they moderate; a site moderator sees all."""

    class FilterSerializer(serializers.Serializer):
        reason = choice(ReportReason.choices, required=False)
        status = choice(ReviewStatus.choices, required=False)
        overdue = serializers.BooleanField(required=False, default=False)
        mine = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        tags=TAGS,
        parameters=[FilterSerializer],
        responses=with_errors({200: page_serializer(ReviewItemSerializer, "ReviewQueuePage")}, 400, 401, 403),
    )
    def get(self, request: Request) -> Response:
        viewer = _moderator(request)
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        items = review_queue(viewer=viewer, filters=QueueFilters(**filters.validated_data))[:QUEUE_SIZE]
        return Response({"results": ReviewItemSerializer(items, many=True).data, "next": None})


class ReviewItemDetailApi(Api):
    """An item with every report on it and the rules a decision can cite (the current version)."""

    class OutputSerializer(ReviewItemSerializer):
        reports = ReportSerializer(many=True)
        rules_version = serializers.CharField(allow_null=True)
        rules = RuleSerializer(many=True)

        class Meta(ReviewItemSerializer.Meta):
            fields = [*ReviewItemSerializer.Meta.fields, "reports", "rules_version", "rules"]

    @extend_schema(tags=TAGS, responses=with_errors({200: OutputSerializer}, 401, 403, 404))
    def get(self, request: Request, pk: int) -> Response:
        item = _item(request, pk)
        book = rulebook_current()
        data = ReviewItemSerializer(item).data
        data["reports"] = ReportSerializer(review_item_reports(item=item), many=True).data
        data["rules_version"] = book.label if book else None
        data["rules"] = (
            [{"key": book.key(rule), "number": rule.number, "text": rule.text} for rule in book.rules]
            if book
            else []
        )
        return Response(data)


class ReviewItemClaimApi(Api):
    """Take the item for a while (409 `claimed`, naming who has it, when another moderator does)."""

    @extend_schema(
        tags=TAGS, request=None, responses=with_errors({200: ReviewItemSerializer}, 401, 403, 404, 409)
    )
    def post(self, request: Request, pk: int) -> Response:
        item = review_item_claim(item=_item(request, pk), by=request.user)
        return Response(ReviewItemSerializer(item).data)


class ReviewItemReleaseApi(Api):
    """Give a claimed item back to the queue; `released` is false when you no longer held it."""

    class OutputSerializer(serializers.Serializer):
        released = serializers.BooleanField()
        item = ReviewItemSerializer()

    @extend_schema(tags=TAGS, request=None, responses=with_errors({200: OutputSerializer}, 401, 403, 404))
    def post(self, request: Request, pk: int) -> Response:
        item = _item(request, pk)
        released = review_item_release(item=item, by=request.user)
        return Response({"released": released, "item": ReviewItemSerializer(item).data})


class ReviewItemDecideApi(Api):
    """Decide: the author gets the statement of reasons, the reporters the outcome (L17, L18). `rule` is
    a key from the item's `rules` (the current community-rules version); `days` is for a posting limit
    or a suspension. `decided` is false when the item had been decided already (nothing changed)."""

    class InputSerializer(serializers.Serializer):
        action = choice(ActionKind.choices)
        reason = serializers.CharField(max_length=REASON_MAX)
        rule = serializers.CharField(max_length=RULE_MAX)
        days = serializers.IntegerField(
            min_value=DAYS_MIN, max_value=DAYS_MAX, required=False, allow_null=True
        )

    class OutputSerializer(serializers.Serializer):
        decided = serializers.BooleanField()
        item = ReviewItemSerializer()

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: OutputSerializer}, 400, 401, 403, 404, 409),
    )
    def post(self, request: Request, pk: int) -> Response:
        item = _item(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        decided = review_item_decide(item=item, by=request.user, **serializer.validated_data)
        item = review_item_get(viewer=request.user, pk=item.pk)
        return Response({"decided": decided, "item": ReviewItemSerializer(item).data})


# --- Complaints (L19) ----------------------------------------------------------------------------------


class ComplaintMessageSerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = ComplaintMessage
        fields = ["id", "from_staff", "body", "created_at", "author"]

    def get_author(self, message: ComplaintMessage) -> dict | None:
        """Staff are not named to the member (they are "the community team"); the desk sees everyone."""
        if message.author is None or (message.from_staff and not self.context.get("desk")):
            return None
        return MemberSummarySerializer(message.author).data


class ComplaintSerializer(serializers.ModelSerializer):
    topic = choice(ComplaintTopic.choices, read_only=True)
    status = choice(ComplaintStatus.choices, read_only=True)
    is_overdue = serializers.BooleanField(default=False, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "topic",
            "subject",
            "status",
            "created_at",
            "due_at",
            "answered_at",
            "closed_at",
            "is_overdue",
        ]


class DeskComplaintSerializer(ComplaintSerializer):
    author = MemberSummarySerializer(allow_null=True)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "author"]


class ComplaintListApi(Api):
    """Your own complaints, newest first."""

    @extend_schema(
        tags=COMPLAINT_TAGS,
        responses=with_errors({200: page_serializer(ComplaintSerializer, "ComplaintPage")}, 401),
    )
    def get(self, request: Request) -> Response:
        complaints = complaints_of(member=request.user)[:PAGE_SIZE]
        return Response({"results": ComplaintSerializer(complaints, many=True).data, "next": None})


class ComplaintCreateApi(Api):
    """Send a complaint or feedback that is not about one post: it gets a reference and is answered
    within 15 working days (`due_at`)."""

    class InputSerializer(serializers.Serializer):
        topic = choice(ComplaintTopic.choices)
        subject = serializers.CharField(max_length=SUBJECT_MAX)
        body = serializers.CharField(max_length=BODY_MAX)

    @extend_schema(
        tags=COMPLAINT_TAGS,
        request=InputSerializer,
        responses=with_errors({201: ComplaintSerializer}, 400, 401, 429, 422),
    )
    @idempotent
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        complaint = complaint_file(author=request.user, **serializer.validated_data)
        return Response(ComplaintSerializer(complaint).data, status=201)


class ComplaintDeskApi(Api):
    """The desk (site moderators and operators): overdue first, then waiting for an answer, then by due
    date. Complaints about a moderator are listed to operators only."""

    class FilterSerializer(serializers.Serializer):
        status = choice(ComplaintStatus.choices, required=False)
        topic = choice(ComplaintTopic.choices, required=False)
        overdue = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        tags=COMPLAINT_TAGS,
        parameters=[FilterSerializer],
        responses=with_errors(
            {200: page_serializer(DeskComplaintSerializer, "ComplaintDeskPage")}, 400, 401, 403
        ),
    )
    def get(self, request: Request) -> Response:
        if not can_handle_complaints(member=request.user):
            raise NotAllowed()
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        complaints = complaint_desk(viewer=request.user, filters=DeskFilters(**filters.validated_data))[
            :PAGE_SIZE
        ]
        return Response({"results": DeskComplaintSerializer(complaints, many=True).data, "next": None})


def _complaint(request: Request, pk: int) -> tuple[Complaint, bool]:
    """The complaint for its author, or for the desk; (complaint, seen from the desk). 404 otherwise."""
    own = complaints_of(member=request.user).filter(pk=pk).first()
    if own is not None:
        return own, False
    found = complaints_visible(viewer=request.user).select_related("author").filter(pk=pk).first()
    if found is None or not can_handle_complaint(member=request.user, complaint=found):
        raise Http404
    return found, True


class ComplaintDetailApi(Api):
    """A complaint with its thread: to its author, and to the desk."""

    class OutputSerializer(ComplaintSerializer):
        messages = ComplaintMessageSerializer(many=True)

        class Meta(ComplaintSerializer.Meta):
            fields = [*ComplaintSerializer.Meta.fields, "messages"]

    @extend_schema(tags=COMPLAINT_TAGS, responses=with_errors({200: OutputSerializer}, 401, 404))
    def get(self, request: Request, pk: int) -> Response:
        complaint, desk = _complaint(request, pk)
        data = ComplaintSerializer(complaint).data
        thread = complaint_messages(complaint=complaint)
        data["messages"] = ComplaintMessageSerializer(thread, many=True, context={"desk": desk}).data
        return Response(data)


class ComplaintReplyApi(Api):
    """Write in the thread. From the desk it answers the complaint and tells the member; from the member
    it opens an answered complaint again. 409 `complaint_closed` once closed."""

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=BODY_MAX)

    @extend_schema(
        tags=COMPLAINT_TAGS,
        request=InputSerializer,
        responses=with_errors({201: ComplaintMessageSerializer}, 400, 401, 403, 404, 409, 429, 422),
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        complaint, desk = _complaint(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = complaint_reply(complaint=complaint, by=request.user, **serializer.validated_data)
        return Response(ComplaintMessageSerializer(message, context={"desk": desk}).data, status=201)
