"""Comments: a post's thread (one level of replies), write, edit, delete."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api import Api, PublicApi, with_errors
from community.idempotency import idempotent
from content.api.posts import ReactionSummarySerializer, reaction_summary
from content.exceptions import NotFound
from content.models import Comment
from content.models.posts import COMMENT_MAX
from content.selectors.posts import comment_get, decorate_comments, post_get, post_thread
from content.services.comments import comment_create, comment_delete, comment_edit
from members.api import MemberSummarySerializer

TAGS = ["comments"]


class CommentOutputSerializer(serializers.ModelSerializer):
    """A comment as the viewer sees it. `collapsed`: the viewer muted the author."""

    author = MemberSummarySerializer()
    post = serializers.IntegerField(source="post_id")
    parent = serializers.IntegerField(source="parent_id", allow_null=True)
    reactions = serializers.SerializerMethodField()
    my_reaction = serializers.CharField(allow_null=True, default=None, read_only=True)
    collapsed = serializers.BooleanField(default=False, read_only=True)

    class Meta:
        model = Comment
        fields = [
            "id",
            "post",
            "parent",
            "author",
            "body",
            "body_html",
            "status",
            "created_at",
            "edited_at",
            "reaction_count",
            "reactions",
            "my_reaction",
            "collapsed",
        ]

    @extend_schema_field(ReactionSummarySerializer(many=True))
    def get_reactions(self, comment: Comment) -> list[dict]:
        return ReactionSummarySerializer(reaction_summary(comment), many=True).data


class ThreadCommentSerializer(CommentOutputSerializer):
    replies = CommentOutputSerializer(many=True, source="thread_replies")

    class Meta(CommentOutputSerializer.Meta):
        fields = [*CommentOutputSerializer.Meta.fields, "replies"]


def comment_body(comment: Comment, *, request: Request) -> dict:
    decorate_comments([comment], viewer=request.user)
    return CommentOutputSerializer(comment).data


class CommentListApi(PublicApi):
    """The whole thread of a post: top-level comments oldest first, each with its replies."""

    class OutputSerializer(serializers.Serializer):
        results = ThreadCommentSerializer(many=True)

    @extend_schema(tags=TAGS, responses=with_errors({200: OutputSerializer}, 404))
    def get(self, request: Request, pk: int) -> Response:
        post = post_get(viewer=request.user, pk=pk)
        return Response(self.OutputSerializer({"results": post_thread(viewer=request.user, post=post)}).data)


class CommentCreateApi(Api):
    """Comment on a post, or reply to a comment with `parent` (a reply to a reply joins its thread)."""

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=COMMENT_MAX)
        parent = serializers.IntegerField(min_value=1, required=False, allow_null=True)

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({201: CommentOutputSerializer}, 400, 401, 403, 404, 409, 429, 422),
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        post = post_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        parent = None
        if serializer.validated_data.get("parent"):
            try:
                parent = comment_get(viewer=request.user, pk=serializer.validated_data["parent"])
            except NotFound as error:
                raise exceptions.ValidationError({"parent": [error.message]}) from error
        comment = comment_create(
            author=request.user, post=post, body=serializer.validated_data["body"], parent=parent
        )
        return Response(comment_body(comment, request=request), status=201)


class CommentDetailApi(PublicApi):
    @extend_schema(tags=TAGS, responses=with_errors({200: CommentOutputSerializer}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(comment_body(comment_get(viewer=request.user, pk=pk), request=request))


class CommentEditApi(Api):
    """The author or a moderator of the space; a body left out keeps the comment as it is (PATCH)."""

    class InputSerializer(serializers.Serializer):
        body = serializers.CharField(max_length=COMMENT_MAX, required=False)

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: CommentOutputSerializer}, 400, 401, 403, 404),
    )
    def patch(self, request: Request, pk: int) -> Response:
        comment = comment_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = comment_edit(
            comment=comment, by=request.user, body=serializer.validated_data.get("body", comment.body)
        )
        return Response(comment_body(comment, request=request))


class CommentDeleteApi(Api):
    @extend_schema(tags=TAGS, request=None, responses=with_errors({204: None}, 401, 403, 404))
    def delete(self, request: Request, pk: int) -> Response:
        comment_delete(comment=comment_get(viewer=request.user, pk=pk), by=request.user)
        return Response(status=204)
