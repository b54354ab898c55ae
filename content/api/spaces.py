"""Spaces: list, detail, join, leave, notification level; the space feed lives in content/api/posts.py."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api import Api, PublicApi, page_serializer, paginate, with_errors
from content.models import NotificationLevel, Space, SpaceMembership
from content.selectors.spaces import private_space_door, space_list_for
from content.selectors.visibility import is_space_moderator, space_membership, spaces_readable
from content.services.spaces import membership_set_notification_level, space_join, space_leave
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
