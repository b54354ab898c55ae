"""Questions: choose or withdraw a question's accepted answer; the unanswered questions."""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api import Api, PublicApi, next_url, with_errors
from content.api.comments import CommentOutputSerializer, comment_body
from content.api.posts import AFTER
from content.api.spaces import SpaceSummarySerializer, readable_space
from content.selectors.questions import question_accepted_answer, question_get, questions_unanswered
from content.selectors.visibility import comments_readable
from content.services.questions import (
    AnswerNotOnQuestion,
    question_answer_accept,
    question_answer_withdraw,
)
from members.api import MemberSummarySerializer

TAGS = ["questions"]


class AcceptedAnswerSerializer(serializers.Serializer):
    post = serializers.IntegerField(help_text="The question's id.")
    solved = serializers.BooleanField()
    accepted_comment = CommentOutputSerializer(allow_null=True, help_text="The accepted answer, or null.")


class AcceptedAnswerSetApi(Api):
    """The asker or a moderator of the space chooses the question's accepted answer (a comment on it),
    replacing an earlier choice. Choosing the same one again changes nothing."""

    class InputSerializer(serializers.Serializer):
        comment_id = serializers.IntegerField(min_value=1)

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: AcceptedAnswerSerializer}, 400, 401, 403, 404),
    )
    def post(self, request: Request, pk: int) -> Response:
        post = question_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = (
            comments_readable(viewer=request.user).filter(pk=serializer.validated_data["comment_id"]).first()
        )
        if comment is None:  # unknown or unreadable: the same answer as another post's comment
            raise AnswerNotOnQuestion()
        question_answer_accept(post=post, comment=comment, by=request.user)
        return Response(
            {"post": post.pk, "solved": True, "accepted_comment": comment_body(comment, request=request)}
        )


class AcceptedAnswerGetApi(PublicApi):
    @extend_schema(tags=TAGS, responses=with_errors({200: AcceptedAnswerSerializer}, 404))
    def get(self, request: Request, pk: int) -> Response:
        post = question_get(viewer=request.user, pk=pk)
        comment = question_accepted_answer(viewer=request.user, post=post)
        return Response(
            {
                "post": post.pk,
                "solved": comment is not None,
                "accepted_comment": comment_body(comment, request=request) if comment else None,
            }
        )


class AcceptedAnswerWithdrawApi(Api):
    """The question is open again. Withdrawing when there is no accepted answer changes nothing."""

    @extend_schema(tags=TAGS, request=None, responses=with_errors({204: None}, 400, 401, 403, 404))
    def delete(self, request: Request, pk: int) -> Response:
        question_answer_withdraw(post=question_get(viewer=request.user, pk=pk), by=request.user)
        return Response(status=204)


class UnansweredQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    space = SpaceSummarySerializer()
    author = MemberSummarySerializer()
    created_at = serializers.DateTimeField()
    waiting_seconds = serializers.SerializerMethodField(help_text="How long it has waited for a reply.")

    def get_waiting_seconds(self, post) -> int:
        return max(0, int((self.context["now"] - post.created_at).total_seconds()))


class UnansweredPageSerializer(serializers.Serializer):
    results = UnansweredQuestionSerializer(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null.")


class UnansweredListApi(PublicApi):
    """Questions nobody but the asker has replied to, in the spaces the viewer may read (or one space
    with `space=<slug>`), the longest-waiting first."""

    @extend_schema(
        tags=TAGS,
        parameters=[AFTER, OpenApiParameter("space", OpenApiTypes.STR, description="A space's slug.")],
        responses=with_errors({200: UnansweredPageSerializer}, 404),
    )
    def get(self, request: Request) -> Response:
        slug = request.query_params.get("space")
        space = readable_space(viewer=request.user, slug=slug) if slug else None
        page = questions_unanswered(
            viewer=request.user, space=space, cursor=request.query_params.get("after")
        )
        context = {"now": timezone.now()}
        return Response(
            {
                "results": UnansweredQuestionSerializer(page.questions, many=True, context=context).data,
                "next": next_url(request, page.next_cursor),
            }
        )
