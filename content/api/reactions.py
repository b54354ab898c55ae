"""Reactions: one kind per member per post or comment. Sending the kind you already gave takes it back;
another kind replaces it."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api import Api, with_errors
from community.idempotency import idempotent
from content.api.posts import ReactionSummarySerializer, reaction_summary
from content.models import ReactionKind
from content.selectors.posts import comment_get, decorate_comments, post_get
from content.services.reactions import reaction_toggle

TAGS = ["reactions"]


class ReactionInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ReactionKind.choices)


class ReactionOutputSerializer(serializers.Serializer):
    my_reaction = serializers.CharField(allow_null=True, help_text="Your reaction now; null if taken back.")
    reaction_count = serializers.IntegerField()
    reactions = ReactionSummarySerializer(many=True)


def _body(target: object) -> dict:
    return ReactionOutputSerializer(
        {
            "my_reaction": target.my_reaction,
            "reaction_count": target.reaction_count,
            "reactions": reaction_summary(target),
        }
    ).data


class PostReactionToggleApi(Api):
    InputSerializer = ReactionInputSerializer
    OutputSerializer = ReactionOutputSerializer

    @extend_schema(
        tags=TAGS,
        request=ReactionInputSerializer,
        responses=with_errors({200: ReactionOutputSerializer}, 400, 401, 403, 404, 422),
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        post = post_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reaction_toggle(member=request.user, post=post, kind=serializer.validated_data["kind"])
        return Response(_body(post_get(viewer=request.user, pk=pk)))


class CommentReactionToggleApi(Api):
    InputSerializer = ReactionInputSerializer
    OutputSerializer = ReactionOutputSerializer

    @extend_schema(
        tags=TAGS,
        request=ReactionInputSerializer,
        responses=with_errors({200: ReactionOutputSerializer}, 400, 401, 403, 404, 422),
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        comment = comment_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reaction_toggle(member=request.user, comment=comment, kind=serializer.validated_data["kind"])
        fresh = comment_get(viewer=request.user, pk=pk)
        decorate_comments([fresh], viewer=request.user)
        return Response(_body(fresh))
