"""Polls: read a poll as the viewer sees it, add one to your post, vote (or change the vote), take the
vote back. The same services as the pages, so the same rules and the same sentences."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from community.api import Api, PublicApi, with_errors
from community.idempotency import idempotent
from content.models.polls import OPTION_MAX, OPTIONS_MAX
from content.selectors.polls import PollState, poll_for_post, poll_get, poll_state
from content.selectors.posts import post_get
from content.services.polls import poll_check, poll_create, poll_vote, poll_vote_withdraw

TAGS = ["polls"]


class PollOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()
    votes = serializers.IntegerField(
        allow_null=True, help_text="null while the results are not shown to you."
    )
    percent = serializers.IntegerField(allow_null=True, help_text="Of the members who voted; null as votes.")
    voters = serializers.ListField(
        child=serializers.CharField(),
        help_text="Who chose it (public polls, once the results are shown); always empty when anonymous.",
    )


class PollSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    post = serializers.IntegerField()
    allows_multiple = serializers.BooleanField()
    is_anonymous = serializers.BooleanField(help_text="Nobody, not even staff, can see who voted what.")
    results_after_close = serializers.BooleanField(help_text="false: results are shown after you vote.")
    closes_at = serializers.DateTimeField(allow_null=True)
    is_closed = serializers.BooleanField()
    results_visible = serializers.BooleanField()
    voter_count = serializers.IntegerField(allow_null=True, help_text="null while the results are hidden.")
    has_voted = serializers.BooleanField()
    can_vote = serializers.BooleanField(help_text="You may vote, or change your vote, now.")
    my_choices = serializers.ListField(child=serializers.IntegerField())
    options = PollOptionSerializer(many=True)


def poll_body(state: PollState) -> dict:
    shown = state.results_visible
    return PollSerializer(
        {
            "id": state.poll.pk,
            "post": state.post.pk,
            "allows_multiple": state.poll.allows_multiple,
            "is_anonymous": state.poll.is_anonymous,
            "results_after_close": state.poll.results_after_close,
            "closes_at": state.closes_at,
            "is_closed": state.is_closed,
            "results_visible": shown,
            "voter_count": state.voter_count if shown else None,
            "has_voted": state.has_voted,
            "can_vote": state.can_vote,
            "my_choices": [option.id for option in state.options if option.chosen],
            "options": [
                {
                    "id": option.id,
                    "label": option.label,
                    "votes": option.votes if shown else None,
                    "percent": option.percent if shown else None,
                    "voters": option.voters,
                }
                for option in state.options
            ],
        }
    ).data


class PollDetailApi(PublicApi):
    @extend_schema(tags=TAGS, responses=with_errors({200: PollSerializer}, 404))
    def get(self, request: Request, pk: int) -> Response:
        return Response(poll_body(poll_state(viewer=request.user, poll=poll_get(viewer=request.user, pk=pk))))


class PostPollDetailApi(PublicApi):
    """The poll of a post (404 when it has none)."""

    @extend_schema(tags=TAGS, responses=with_errors({200: PollSerializer}, 404))
    def get(self, request: Request, pk: int) -> Response:
        poll = poll_for_post(post=post_get(viewer=request.user, pk=pk))
        return Response(poll_body(poll_state(viewer=request.user, poll=poll)))


class PostPollCreateApi(Api):
    """The post's author adds a poll to it (one per post): 2 to 20 different options, an optional
    closing time in the future (needed when results are shown only after closing)."""

    class InputSerializer(serializers.Serializer):
        options = serializers.ListField(
            child=serializers.CharField(max_length=OPTION_MAX, allow_blank=True), max_length=OPTIONS_MAX + 10
        )
        allows_multiple = serializers.BooleanField(default=False)
        is_anonymous = serializers.BooleanField(default=False)
        results_after_close = serializers.BooleanField(default=False)
        closes_at = serializers.DateTimeField(required=False, allow_null=True, default=None)

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({201: PollSerializer}, 400, 401, 403, 404, 409, 422),
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        post = post_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        poll = poll_create(post=post, by=request.user, spec=poll_check(**serializer.validated_data))
        poll.post = post
        return Response(poll_body(poll_state(viewer=request.user, poll=poll)), status=201)


class PollVoteApi(Api):
    """Vote, or change your vote, until the poll closes: `option_ids` (one for a single-choice poll)
    replace your earlier choice. Answers with the poll as you now see it."""

    class InputSerializer(serializers.Serializer):
        option_ids = serializers.ListField(
            # min_length says in the schema (minItems) what allow_empty=False refuses
            child=serializers.IntegerField(min_value=1),
            allow_empty=False,
            min_length=1,
            max_length=OPTIONS_MAX,
        )

    @extend_schema(
        tags=TAGS,
        request=InputSerializer,
        responses=with_errors({200: PollSerializer}, 400, 401, 403, 404, 409, 422),
    )
    @idempotent
    def post(self, request: Request, pk: int) -> Response:
        poll = poll_get(viewer=request.user, pk=pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        poll_vote(poll=poll, member=request.user, option_ids=serializer.validated_data["option_ids"])
        return Response(poll_body(poll_state(viewer=request.user, poll=_fresh(poll))))


class PollVoteWithdrawApi(Api):
    """Take your vote back (until the poll closes). Doing it twice changes nothing."""

    @extend_schema(tags=TAGS, request=None, responses=with_errors({204: None}, 401, 403, 404, 409))
    def delete(self, request: Request, pk: int) -> Response:
        poll_vote_withdraw(poll=poll_get(viewer=request.user, pk=pk), member=request.user)
        return Response(status=204)


def _fresh(poll):
    """The counts after the vote (they were updated in the database with F())."""
    poll.refresh_from_db(fields=["voter_count"])
    return poll
