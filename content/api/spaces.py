"""Spaces: list, detail, join, leave, notification level; for moderators the pending join requests,
deciding them and invitations. The space feed lives in content/api/posts.py."""

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api import Api, PublicApi, page_serializer, paginate, with_errors
from content.exceptions import NotAllowed, NotFound
from content.models import NotificationLevel, Space, SpaceMembership
from content.selectors.spaces import private_space_door, space_list_for, space_requests_pending
from content.selectors.visibility import is_space_moderator, space_membership, spaces_readable
from content.services.spaces import (
    membership_set_notification_level,
    space_invite,
    space_join,
    space_leave,
    space_request_decide,
)
from members.api import MemberSummarySerializer
from members.models import Member

TAGS = ["spaces"]


def readable_space(*, viewer: Member, slug: str) -> Space:
    """A space the viewer may read; anything else (unknown, or private and not a member) is a 404."""
    space = spaces_readable(viewer=viewer).filter(slug=slug).first()
    if space is None:
        raise Http404
    return space


class SpaceSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Space
        fields = ["slug", "name"]


class MembershipSerializer(serializers.ModelSerializer):
    class Meta:
        model = SpaceMembership
        fields = ["status", "role", "notification_level"]


class SpaceListApi(PublicApi):
    class OutputSerializer(serializers.ModelSerializer):
        is_member = serializers.BooleanField(default=False, help_text="The viewer is an active member.")

        class Meta:
            model = Space
            fields = ["slug", "name", "description", "visibility", "member_count", "post_count", "is_member"]

    @extend_schema(tags=TAGS, responses=page_serializer(OutputSerializer, "SpaceListPage"))
    def get(self, request: Request) -> Response:
        spaces = space_list_for(viewer=request.user)
        page, paginator = paginate(request, spaces, ordering=("name", "id"), view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class SpaceDetailApi(PublicApi):
    class OutputSerializer(serializers.ModelSerializer):
        membership = serializers.SerializerMethodField()
        moderates = serializers.SerializerMethodField()

        class Meta:
            model = Space
            fields = [
                "slug",
                "name",
                "description",
                "rules",
                "visibility",
                "posting_policy",
                "slow_mode_seconds",
                "member_count",
                "post_count",
                "membership",
                "moderates",
            ]

        @extend_schema_field(MembershipSerializer(allow_null=True))
        def get_membership(self, space: Space) -> dict | None:
            membership = self.context["membership"]
            return MembershipSerializer(membership).data if membership else None

        def get_moderates(self, space: Space) -> bool:
            return self.context["moderates"]

    @extend_schema(tags=TAGS, responses=with_errors({200: OutputSerializer}, 404))
    def get(self, request: Request, slug: str) -> Response:
        space = readable_space(viewer=request.user, slug=slug)
        context = {
            "membership": space_membership(viewer=request.user, space=space),
            "moderates": is_space_moderator(member=request.user, space=space),
        }
        return Response(self.OutputSerializer(space, context=context).data)


class SpaceJoinApi(Api):
    """Public and members-only spaces: joined at once. A private space: an invitation is accepted, or
    the request waits for a moderator (status "requested")."""

    @extend_schema(tags=TAGS, request=None, responses=with_errors({200: MembershipSerializer}, 401, 404))
    def post(self, request: Request, slug: str) -> Response:
        space = private_space_door(viewer=request.user, slug=slug) or readable_space(
            viewer=request.user, slug=slug
        )
        membership = space_join(space=space, member=request.user)
        return Response(MembershipSerializer(membership).data)


class SpaceLeaveApi(Api):
    @extend_schema(tags=TAGS, request=None, responses=with_errors({204: None}, 401, 404))
    def post(self, request: Request, slug: str) -> Response:
        space = readable_space(viewer=request.user, slug=slug)
        space_leave(space=space, member=request.user)
        return Response(status=204)


class SpaceNotificationLevelApi(Api):
    class InputSerializer(serializers.Serializer):
        level = serializers.ChoiceField(choices=NotificationLevel.choices)

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: MembershipSerializer}, 400, 401, 403, 404),
    )
    def put(self, request: Request, slug: str) -> Response:
        space = readable_space(viewer=request.user, slug=slug)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = membership_set_notification_level(
            space=space, member=request.user, level=serializer.validated_data["level"]
        )
        return Response(MembershipSerializer(membership).data)


# --- Moderators: join requests and invitations -------------------------------------------------------


def moderated_space(*, viewer: Member, slug: str) -> Space:
    """A space the viewer moderates: 404 when they cannot read it (nothing about a private space
    leaks), 403 when they can but do not moderate it."""
    space = readable_space(viewer=viewer, slug=slug)
    if not is_space_moderator(member=viewer, space=space):
        raise NotAllowed()
    return space


class SpaceRequestListApi(Api):
    """Moderators of the space: the members waiting for an answer to their request to join, oldest
    first."""

    class OutputSerializer(serializers.ModelSerializer):
        member = MemberSummarySerializer()
        requested_at = serializers.DateTimeField(source="created_at")

        class Meta:
            model = SpaceMembership
            fields = ["member", "requested_at"]

    @extend_schema(
        tags=TAGS,
        responses=with_errors(
            {200: page_serializer(OutputSerializer, "SpaceRequestListPage")}, 401, 403, 404
        ),
    )
    def get(self, request: Request, slug: str) -> Response:
        space = moderated_space(viewer=request.user, slug=slug)
        requests = space_requests_pending(space=space)
        # The (space, status, id) index serves this order; ids grow with the time of asking.
        page, paginator = paginate(request, requests, ordering=("id",), view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class SpaceRequestDecideApi(Api):
    """Moderators of the space: let a member in (`approve: true`) or decline. The member is told in
    their inbox. 404 when that member has no pending request (it was already decided)."""

    class InputSerializer(serializers.Serializer):
        approve = serializers.BooleanField()

    class OutputSerializer(serializers.Serializer):
        member_id = serializers.IntegerField()
        approved = serializers.BooleanField()
        membership = MembershipSerializer(
            allow_null=True, help_text="The membership now; null when the request was declined."
        )

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: OutputSerializer}, 400, 401, 403, 404),
    )
    def post(self, request: Request, slug: str, member_id: int) -> Response:
        space = readable_space(viewer=request.user, slug=slug)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        approve = serializer.validated_data["approve"]
        # The service checks that the viewer moderates the space (403) before looking for the request.
        if not space_request_decide(space=space, member_id=member_id, by=request.user, approve=approve):
            raise NotFound(_("This member has no pending request to join."))
        membership = SpaceMembership.objects.filter(space=space, member_id=member_id).first()
        body = {"member_id": member_id, "approved": approve, "membership": membership}
        return Response(self.OutputSerializer(body).data)


class SpaceInviteApi(Api):
    """Moderators of the space: invite a member by email address. They join when they accept (join);
    a member who had asked to join is let in at once. 404 when no member has that address."""

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()

    class OutputSerializer(serializers.ModelSerializer):
        member = MemberSummarySerializer()

        class Meta:
            model = SpaceMembership
            fields = ["member", "status", "role"]

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({201: OutputSerializer}, 400, 401, 403, 404),
    )
    def post(self, request: Request, slug: str) -> Response:
        space = readable_space(viewer=request.user, slug=slug)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = space_invite(space=space, email=serializer.validated_data["email"], by=request.user)
        return Response(self.OutputSerializer(membership).data, status=201)
