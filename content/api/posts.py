"""Posts and feeds: home, space and member feeds (cursor pages), publish, read, edit, delete, pin,
promotional."""

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api import Api, PublicApi, next_url, with_errors
from community.idempotency import idempotent
from content.api.spaces import SpaceSummarySerializer, readable_space
from content.models import Post, PostKind
from content.models.posts import BODY_MAX, TITLE_MAX
from content.selectors.corrections import correction_current
from content.selectors.posts import (
    FeedPage,
    decorate_posts,
    feed_home,
    feed_member,
    feed_space,
    post_get,
    space_pinned_posts,
)
from content.services.posts import post_delete, post_edit, post_pin, post_publish, post_set_promotional
from members.api import MemberSummarySerializer
from members.models import Member
from members.selectors import ProfileAccess, member_profile_access

TAGS = ["posts"]

AFTER = OpenApiParameter(
    "after",
    OpenApiTypes.STR,
    description="The cursor from the previous page's `next` URL. Missing or malformed: the first page.",
)


class ReactionSummarySerializer(serializers.Serializer):
    kind = serializers.CharField()
    emoji = serializers.CharField()
    count = serializers.IntegerField()


def reaction_summary(item: object) -> list[dict]:
    # decorate_posts / decorate_comments set `reaction_summary` as (kind, emoji, count) tuples.
    return [
        {"kind": kind, "emoji": emoji, "count": count}
        for kind, emoji, count in getattr(item, "reaction_summary", [])
    ]


class PostOutputSerializer(serializers.ModelSerializer):
    """A post as the viewer sees it. `collapsed`: the viewer muted the author (show it folded)."""

    space = SpaceSummarySerializer()
    author = MemberSummarySerializer()
    reactions = serializers.SerializerMethodField()
    my_reaction = serializers.CharField(allow_null=True, default=None, read_only=True)
    collapsed = serializers.BooleanField(default=False, read_only=True)
    solved = serializers.BooleanField(
        source="is_solved", read_only=True, help_text="A question with an accepted answer."
    )
    accepted_comment = serializers.IntegerField(
        source="accepted_comment_id", allow_null=True, read_only=True, help_text="Its id (a question)."
    )
    has_poll = serializers.BooleanField(read_only=True, help_text="GET /api/v1/posts/{id}/poll/ reads it.")

    class Meta:
        model = Post
        fields = [
            "id",
            "space",
            "author",
            "kind",
            "title",
            "body",
            "body_html",
            "status",
            "is_pinned",
            "is_promotional",
            "created_at",
            "edited_at",
            "last_activity_at",
            "comment_count",
            "reaction_count",
            "reactions",
            "my_reaction",
            "collapsed",
            "solved",
            "accepted_comment",
            "has_poll",
        ]

    @extend_schema_field(ReactionSummarySerializer(many=True))
    def get_reactions(self, post: Post) -> list[dict]:
        return ReactionSummarySerializer(reaction_summary(post), many=True).data


class CorrectionOutputSerializer(serializers.Serializer):
    """The moderation team's correction note shown above the post (who added it is never given)."""

    text = serializers.CharField()
    sources = serializers.ListField(child=serializers.URLField(), help_text="http(s) addresses, at most 5.")
    created_at = serializers.DateTimeField()


class PostDetailOutputSerializer(PostOutputSerializer):
    """A post with its current correction note (null when it has none); the feeds leave it out."""

    correction = CorrectionOutputSerializer(allow_null=True, read_only=True, default=None)

    class Meta(PostOutputSerializer.Meta):
        fields = [*PostOutputSerializer.Meta.fields, "correction"]


class FeedPageSerializer(serializers.Serializer):
    results = PostOutputSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")


class SpaceFeedPageSerializer(FeedPageSerializer):
    pinned = PostOutputSerializer(many=True, help_text="Pinned posts, on the first page only.")


def feed_body(request: Request, page: FeedPage) -> dict:
    return {
        "results": PostOutputSerializer(page.posts, many=True).data,
        "next": next_url(request, page.next_cursor),
    }


def post_body(post: Post, *, request: Request) -> dict:
    decorate_posts([post], viewer=request.user)
    return PostOutputSerializer(post).data


class HomeFeedApi(PublicApi):
    """Newest activity in the member's spaces (visitors: the public spaces)."""

    @extend_schema(tags=TAGS, parameters=[AFTER], responses=FeedPageSerializer)
    def get(self, request: Request) -> Response:
        page = feed_home(viewer=request.user, cursor=request.query_params.get("after"))
        return Response(feed_body(request, page))


class SpaceFeedApi(PublicApi):
    """A space's posts by newest activity; the pinned posts come with the first page."""

    @extend_schema(tags=TAGS, parameters=[AFTER], responses=with_errors({200: SpaceFeedPageSerializer}, 404))
    def get(self, request: Request, slug: str) -> Response:
        space = readable_space(viewer=request.user, slug=slug)
        cursor = request.query_params.get("after")
        body = feed_body(request, feed_space(viewer=request.user, space=space, cursor=cursor))
        pinned = [] if cursor else space_pinned_posts(viewer=request.user, space=space)
        body["pinned"] = PostOutputSerializer(pinned, many=True).data
        return Response(body)


class MemberFeedApi(PublicApi):
    """A member's posts by newest activity, only those in spaces the viewer may read. The profile's
    rules apply: 404 for a viewer the member blocked, 401 for visitors when the profile is members only."""

    @extend_schema(tags=TAGS, parameters=[AFTER], responses=with_errors({200: FeedPageSerializer}, 401, 404))
    def get(self, request: Request, pk: int) -> Response:
        author = get_object_or_404(Member, pk=pk)
        access = member_profile_access(viewer=request.user, member=author)
        if access is ProfileAccess.NOT_FOUND:
            raise exceptions.NotFound(_("Not found."))
        if access is ProfileAccess.LOGIN_REQUIRED:
            raise exceptions.NotAuthenticated(_("Sign in to see this profile."))
        page = feed_member(viewer=request.user, author_id=author.pk, cursor=request.query_params.get("after"))
        return Response(feed_body(request, page))


class PostCreateApi(Api):
    """Publish a post in a space. New members' limits apply (429 posting_limit with retry_at, 409
    duplicate); a post may be held for review (status pending_review)."""

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX)
        body = serializers.CharField(max_length=BODY_MAX)
        kind = serializers.ChoiceField(choices=PostKind.choices, default=PostKind.DISCUSSION)
        is_promotional = serializers.BooleanField(default=False)

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({201: PostOutputSerializer}, 400, 401, 403, 404, 409, 429, 422),
    )
    @idempotent
    def post(self, request: Request, slug: str) -> Response:
        space = readable_space(viewer=request.user, slug=slug)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = post_publish(author=request.user, space=space, **serializer.validated_data)
        return Response(post_body(post, request=request), status=201)


class PostDetailApi(PublicApi):
    @extend_schema(tags=TAGS, responses=with_errors({200: PostDetailOutputSerializer}, 404))
    def get(self, request: Request, pk: int) -> Response:
        post = post_get(viewer=request.user, pk=pk)
        post.correction = correction_current(post=post)  # one query; the feeds do without it
        return Response(PostDetailOutputSerializer(post).data)


class PostEditApi(Api):
    """The author or a moderator of the space; fields left out keep their value."""

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=TITLE_MAX, required=False)
        body = serializers.CharField(max_length=BODY_MAX, required=False)

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: PostOutputSerializer}, 400, 401, 403, 404),
    )
    def patch(self, request: Request, pk: int) -> Response:
        post = post_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        post = post_edit(
            post=post, by=request.user, title=data.get("title", post.title), body=data.get("body", post.body)
        )
        return Response(post_body(post, request=request))


class PostDeleteApi(Api):
    @extend_schema(tags=TAGS, request=None, responses=with_errors({204: None}, 401, 403, 404))
    def delete(self, request: Request, pk: int) -> Response:
        post_delete(post=post_get(viewer=request.user, pk=pk), by=request.user)
        return Response(status=204)


class PostPinApi(Api):
    """Moderators of the space: pin or unpin. Doing it twice changes nothing."""

    class InputSerializer(serializers.Serializer):
        pinned = serializers.BooleanField()

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: PostOutputSerializer}, 400, 401, 403, 404),
    )
    def put(self, request: Request, pk: int) -> Response:
        post = post_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = post_pin(post=post, by=request.user, pinned=serializer.validated_data["pinned"])
        return Response(PostOutputSerializer(post).data)


class PostPromotionalApi(Api):
    """Moderators of the space: mark an announcement promotional (sent only to members who agreed to
    marketing), or not."""

    class InputSerializer(serializers.Serializer):
        promotional = serializers.BooleanField()

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: PostOutputSerializer}, 400, 401, 403, 404),
    )
    def put(self, request: Request, pk: int) -> Response:
        post = post_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        post = post_set_promotional(
            post=post, by=request.user, promotional=serializer.validated_data["promotional"]
        )
        return Response(PostOutputSerializer(post).data)
