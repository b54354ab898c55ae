"""Members over the API: API tokens, profiles, the member's own settings, blocks and mutes."""

from allauth.account.utils import has_verified_email
from django.contrib.auth import authenticate
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle

from community.api import Api, PublicApi, page_serializer, paginate, with_errors
from members.models import Block, Member, Mute
from members.selectors import (
    ProfileAccess,
    member_blocks_made,
    member_is_moderator,
    member_mutes_made,
    member_profile_access,
    member_relation,
)
from members.services import (
    member_block,
    member_mute,
    member_unblock,
    member_unmute,
    member_update_preferences,
)
from members.templatetags.member_tags import avatar_url

TAGS_AUTH = ["auth"]
TAGS = ["members"]


class MemberSummarySerializer(serializers.ModelSerializer):
    """How a member appears beside their posts: what a post's byline already shows."""

    # "Deleted member" for an account deleted since (LEGAL L9)
    display_name = serializers.CharField(source="public_name", read_only=True)
    avatar_url = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = ["id", "display_name", "avatar_url"]

    def get_avatar_url(self, member: Member) -> str:
        """The uploaded picture, or "" (then draw /members/<id>/avatar.svg)."""
        return avatar_url(member)


# --- API tokens --------------------------------------------------------------------------------------


def api_token_issue(*, member: Member) -> Token:
    """The member's API token (one per member; asking again returns the same one)."""
    token, _created = Token.objects.get_or_create(user=member)
    return token


def api_token_revoke(*, member: Member) -> bool:
    deleted, _rows = Token.objects.filter(user=member).delete()
    return bool(deleted)


class AuthTokenCreateApi(Api):
    """Exchange an email address and password for an API token. Rate limited against password
    guessing (REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["auth_token"])."""

    permission_classes = [AllowAny]
    authentication_classes = []  # a stale session or token must not stand in for the password
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "auth_token"

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"  # wrong credentials are a 401 with the scheme to use, as everywhere else

    class InputSerializer(serializers.Serializer):
        email = serializers.EmailField()
        password = serializers.CharField(max_length=4096, trim_whitespace=False)

    class OutputSerializer(serializers.Serializer):
        token = serializers.CharField(help_text="Send as `Authorization: Token <token>`.")

    @extend_schema(
        tags=TAGS_AUTH,
        request=InputSerializer,
        responses=with_errors({200: OutputSerializer}, 400, 401, 429),
        auth=[],
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        member = authenticate(
            request._request,
            email=serializer.validated_data["email"],
            password=serializer.validated_data["password"],
        )
        if member is None:
            raise exceptions.AuthenticationFailed(_("Wrong email address or password."))
        if not has_verified_email(member):
            raise exceptions.AuthenticationFailed(_("Please verify your email address first."))
        token = api_token_issue(member=member)
        return Response(self.OutputSerializer({"token": token.key}).data)


class AuthTokenRevokeApi(Api):
    """Revoke the member's API token: it stops working at once."""

    @extend_schema(tags=TAGS_AUTH, request=None, responses=with_errors({204: None}, 401))
    def delete(self, request: Request) -> Response:
        api_token_revoke(member=request.user)
        return Response(status=204)


# --- Profiles and settings ---------------------------------------------------------------------------


class RelationSerializer(serializers.Serializer):
    blocked = serializers.BooleanField()
    muted = serializers.BooleanField()


class MemberProfileApi(PublicApi):
    """A profile, as the profile page shows it: hidden (404) from members the person blocked, members
    only unless they chose to show it to visitors (401 then)."""

    class OutputSerializer(serializers.ModelSerializer):
        avatar_url = serializers.SerializerMethodField()
        trust_level = serializers.SerializerMethodField()
        relation = serializers.SerializerMethodField()

        class Meta:
            model = Member
            fields = ["id", "display_name", "bio", "avatar_url", "date_joined", "trust_level", "relation"]

        def get_avatar_url(self, member: Member) -> str:
            return avatar_url(member)

        def get_trust_level(self, member: Member) -> int | None:
            """Only moderators see it."""
            return member.trust_level if self.context["moderator"] else None

        @extend_schema_field(RelationSerializer(allow_null=True))
        def get_relation(self, member: Member) -> dict | None:
            """Whether the viewer blocked or muted this member (null for visitors)."""
            return self.context["relation"]

    @extend_schema(tags=TAGS, responses=with_errors({200: OutputSerializer}, 401, 404))
    def get(self, request: Request, pk: int) -> Response:
        member = get_object_or_404(Member, pk=pk)
        access = member_profile_access(viewer=request.user, member=member)
        if access is ProfileAccess.NOT_FOUND:
            raise exceptions.NotFound(_("Not found."))
        if access is ProfileAccess.LOGIN_REQUIRED:
            raise exceptions.NotAuthenticated(_("Sign in to see this profile."))
        context = {
            "moderator": member_is_moderator(member=request.user),
            "relation": member_relation(viewer=request.user, member=member)
            if request.user.is_authenticated
            else None,
        }
        return Response(self.OutputSerializer(member, context=context).data)


class MeOutputSerializer(serializers.ModelSerializer):
    avatar_url = serializers.SerializerMethodField()

    class Meta:
        model = Member
        fields = [
            "id",
            "email",
            "display_name",
            "language",
            "timezone",
            "bio",
            "profile_visibility",
            "avatar_url",
            "trust_level",
        ]

    def get_avatar_url(self, member: Member) -> str:
        return avatar_url(member)


class MeDetailApi(Api):
    OutputSerializer = MeOutputSerializer

    @extend_schema(tags=TAGS, responses=with_errors({200: MeOutputSerializer}, 401))
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(request.user).data)


class MeUpdateApi(Api):
    """Change any of the settings; fields left out keep their value. The picture is changed on the
    preferences page."""

    class InputSerializer(serializers.ModelSerializer):
        # The model's own lengths and choices; the service saves (and normalises the language).
        class Meta:
            model = Member
            fields = ["display_name", "language", "timezone", "bio", "profile_visibility"]

    @extend_schema(
        tags=TAGS, request=InputSerializer, responses=with_errors({200: MeOutputSerializer}, 400, 401)
    )
    def patch(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        member = request.user
        member_update_preferences(
            member=member,
            display_name=data.get("display_name", member.display_name),
            language=data.get("language", member.language),
            timezone=data.get("timezone", member.timezone),
            bio=data.get("bio"),
            profile_visibility=data.get("profile_visibility"),
        )
        return Response(MeOutputSerializer(member).data)


# --- Blocks and mutes --------------------------------------------------------------------------------


class RelationInputSerializer(serializers.Serializer):
    member = serializers.IntegerField(min_value=1, help_text="The id of the other member.")


def _other_member(member_id: int) -> Member:
    return get_object_or_404(Member, pk=member_id, is_active=True)


class BlockListApi(Api):
    class OutputSerializer(serializers.ModelSerializer):
        member = MemberSummarySerializer(source="blocked")

        class Meta:
            model = Block
            fields = ["member", "created_at"]

    @extend_schema(tags=TAGS, responses=page_serializer(OutputSerializer, "BlockListPage"))
    def get(self, request: Request) -> Response:
        blocks = member_blocks_made(member=request.user)
        page, paginator = paginate(request, blocks, ordering=("-created_at", "-id"), view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class BlockAddApi(Api):
    """Block a member: they can no longer see your profile, reply to you or mention you. 201 when
    newly blocked, 200 when they already were."""

    InputSerializer = RelationInputSerializer

    @extend_schema(
        tags=TAGS,
        request=RelationInputSerializer,
        responses=with_errors({200: RelationSerializer, 201: RelationSerializer}, 400, 401, 404),
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        other = _other_member(serializer.validated_data["member"])
        created = member_block(blocker=request.user, blocked=other)
        relation = member_relation(viewer=request.user, member=other)
        return Response(RelationSerializer(relation).data, status=201 if created else 200)


class BlockRemoveApi(Api):
    @extend_schema(tags=TAGS, request=None, responses=with_errors({204: None}, 401, 404))
    def delete(self, request: Request, member_id: int) -> Response:
        member_unblock(blocker=request.user, blocked=Member(pk=member_id))
        return Response(status=204)


class MuteListApi(Api):
    class OutputSerializer(serializers.ModelSerializer):
        member = MemberSummarySerializer(source="muted")

        class Meta:
            model = Mute
            fields = ["member", "created_at"]

    @extend_schema(tags=TAGS, responses=page_serializer(OutputSerializer, "MuteListPage"))
    def get(self, request: Request) -> Response:
        mutes = member_mutes_made(member=request.user)
        page, paginator = paginate(request, mutes, ordering=("-created_at", "-id"), view=self)
        return paginator.get_paginated_response(self.OutputSerializer(page, many=True).data)


class MuteAddApi(Api):
    """Mute a member: their posts and comments are collapsed for you. 201 when newly muted."""

    InputSerializer = RelationInputSerializer

    @extend_schema(
        tags=TAGS,
        request=RelationInputSerializer,
        responses=with_errors({200: RelationSerializer, 201: RelationSerializer}, 400, 401, 404),
    )
    def post(self, request: Request) -> Response:
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        other = _other_member(serializer.validated_data["member"])
        created = member_mute(muter=request.user, muted=other)
        relation = member_relation(viewer=request.user, member=other)
        return Response(RelationSerializer(relation).data, status=201 if created else 200)


class MuteRemoveApi(Api):
    @extend_schema(tags=TAGS, request=None, responses=with_errors({204: None}, 401, 404))
    def delete(self, request: Request, member_id: int) -> Response:
        member_unmute(muter=request.user, muted=Member(pk=member_id))
        return Response(status=204)
