"""Events: upcoming lists, detail, create, edit, delete and RSVP (a seat, or the waitlist when full)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api import Api, PublicApi, page_serializer, paginate, with_errors
from community.idempotency import idempotent
from content.api.spaces import SpaceSummarySerializer, readable_space
from content.models import RSVP, Event
from content.selectors.events import (
    event_get,
    event_list,
    event_online_url_visible,
    event_rsvp_open,
    rsvp_waitlist_position,
)
from content.services.events import (
    EDITABLE_FIELDS,
    event_can_manage,
    event_create,
    event_delete,
    event_update,
    rsvp_set,
)
from members.api import MemberSummarySerializer

TAGS = ["events"]
UPCOMING_ORDER = ("starts_at", "id")


class EventOutputSerializer(serializers.ModelSerializer):
    """`viewer_rsvp`: going, waitlisted, not_going or null. Times are ISO 8601 in UTC; `timezone` is
    the event's own, for showing its wall-clock times."""

    space = SpaceSummarySerializer()
    organiser = MemberSummarySerializer()
    viewer_rsvp = serializers.CharField(allow_null=True, default=None, read_only=True)
    rsvp_open = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = [
            "id",
            "space",
            "organiser",
            "title",
            "description",
            "description_html",
            "starts_at",
            "ends_at",
            "timezone",
            "location",
            "capacity",
            "rsvp_deadline",
            "going_count",
            "waitlist_count",
            "viewer_rsvp",
            "rsvp_open",
        ]

    def get_rsvp_open(self, event: Event) -> bool:
        return event_rsvp_open(event=event)


class EventDetailOutputSerializer(EventOutputSerializer):
    online_url = serializers.SerializerMethodField()
    waitlist_position = serializers.SerializerMethodField()
    can_manage = serializers.SerializerMethodField()

    class Meta(EventOutputSerializer.Meta):
        fields = [*EventOutputSerializer.Meta.fields, "online_url", "waitlist_position", "can_manage"]

    # a URL or "" (format "uri" alone refuses the empty string)
    @extend_schema_field({"oneOf": [{"type": "string", "format": "uri"}, {"type": "string", "maxLength": 0}]})
    def get_online_url(self, event: Event) -> str:
        """Only for members going, the organiser and the space's moderators; "" for everyone else."""
        viewer = self.context["viewer"]
        visible = event_online_url_visible(event=event, viewer=viewer, rsvp_status=event.viewer_rsvp)
        return event.online_url if visible else ""

    def get_waitlist_position(self, event: Event) -> int | None:
        """1 for the head of the waitlist; null when the viewer is not waiting."""
        return rsvp_waitlist_position(event=event, member=self.context["viewer"])

    def get_can_manage(self, event: Event) -> bool:
        return event_can_manage(event=event, member=self.context["viewer"])


def event_body(request: Request, pk: int) -> dict:
    event = event_get(viewer=request.user, pk=pk)
    return EventDetailOutputSerializer(event, context={"viewer": request.user}).data


# What Django's URLValidator accepts (its schemes, a dotted host name), so that a client following the
# schema is never refused: "uri" alone admits any scheme ("mailto:x", "urn:y").
WEB_ADDRESS = r"^(https?|ftps?)://([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(:[0-9]{1,5})?([/?#]\S*)?$"


@extend_schema_field({"type": "string", "format": "uri", "pattern": WEB_ADDRESS})
class WebAddressField(serializers.URLField):
    pass


class EventInputSerializer(serializers.ModelSerializer):
    """The shape of an event (the model's lengths and types); the service checks the rules (ends
    after it starts, a known time zone, capacity, deadline). Times need an offset; without one they
    are read as UTC."""

    online_url = WebAddressField(max_length=200, required=False, allow_blank=True)

    class Meta:
        model = Event
        fields = list(EDITABLE_FIELDS)  # what the service lets anyone set on an event
        # Defaults apply on create only; an edit (partial) leaves out what it does not change.
        extra_kwargs = {"description": {"default": ""}, "timezone": {"required": True}}


class EventListApi(PublicApi):
    """Upcoming events the viewer may see, soonest first (an event in progress still shows)."""

    OutputSerializer = EventOutputSerializer

    @extend_schema(tags=TAGS, responses=page_serializer(EventOutputSerializer, "EventListPage"))
    def get(self, request: Request) -> Response:
        page, paginator = paginate(
            request, event_list(viewer=request.user), ordering=UPCOMING_ORDER, view=self
        )
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class SpaceEventListApi(PublicApi):
    OutputSerializer = EventOutputSerializer

    @extend_schema(
        tags=TAGS,
        responses=with_errors({200: page_serializer(EventOutputSerializer, "SpaceEventListPage")}, 404),
    )
    def get(self, request: Request, slug: str) -> Response:
        space = readable_space(viewer=request.user, slug=slug)
        events = event_list(viewer=request.user, space=space)
        page, paginator = paginate(request, events, ordering=UPCOMING_ORDER, view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class EventCreateApi(Api):
    InputSerializer = EventInputSerializer

    @extend_schema(
        tags=TAGS,
        request=EventInputSerializer,
        responses=with_errors({201: EventDetailOutputSerializer}, 400, 401, 403, 404, 422),
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        space = readable_space(viewer=request.user, slug=slug)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        event = event_create(organiser=request.user, space=space, **serializer.validated_data)
        return Response(event_body(request, event.pk), status=201)


class EventDetailApi(PublicApi):
    @extend_schema(tags=TAGS, responses=with_errors({200: EventDetailOutputSerializer}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(event_body(request, pk))


class EventEditApi(Api):
    """The organiser or a moderator of the space; fields left out keep their value. Raising the
    capacity gives seats to the waitlist, first come first served."""

    InputSerializer = EventInputSerializer

    @extend_schema(
        tags=TAGS,
        request=EventInputSerializer,
        responses=with_errors({200: EventDetailOutputSerializer}, 400, 401, 403, 404),
    )
    def patch(self, request: Request, pk: int) -> Response:
        event = event_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        event_update(event=event, by=request.user, **serializer.validated_data)
        return Response(event_body(request, pk))


class EventDeleteApi(Api):
    @extend_schema(tags=TAGS, request=None, responses=with_errors({204: None}, 401, 403, 404))
    def delete(self, request: Request, pk: int) -> Response:
        event_delete(event=event_get(viewer=request.user, pk=pk), by=request.user)
        return Response(status=204)


class EventRsvpApi(Api):
    """Going (a seat if one is free, else the end of the waitlist) or not going (your seat goes to the
    first on the waitlist). Saying the same twice changes nothing. 409 rsvp_closed after the deadline."""

    class InputSerializer(serializers.Serializer):
        going = serializers.BooleanField()

    class OutputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=RSVP._meta.get_field("status").choices)
        waitlist_position = serializers.IntegerField(allow_null=True)
        going_count = serializers.IntegerField()
        waitlist_count = serializers.IntegerField()

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: OutputSerializer}, 400, 401, 403, 404, 409, 422),
    )
    @idempotent
    def put(self, request: Request, pk: int) -> Response:
        event = event_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        rsvp = rsvp_set(event=event, member=request.user, going=serializer.validated_data["going"])
        body = {
            "status": rsvp.status,
            "waitlist_position": rsvp_waitlist_position(event=event, member=request.user),
            "going_count": event.going_count,
            "waitlist_count": event.waitlist_count,
        }
        return Response(self.OutputSerializer(body).data)
