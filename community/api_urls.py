"""/api/: version 1 of the REST API, its OpenAPI schema and its docs. One APIView per operation;
route() puts the operations of one URL together by HTTP method."""

from csp.decorators import csp_update
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request

from community.api import PublicApi, route
from content.api import comments, events, polls, posts, questions, reactions, spaces
from members import api as members
from moderation import api as moderation
from privacy import api as privacy


class NotFoundApi(PublicApi):
    """Any other address under /api/: a JSON 404, never the HTML page."""

    schema = None  # not an operation
    throttle_classes = []

    def initial(self, request: Request, *args, **kwargs) -> None:
        raise exceptions.NotFound()


v1 = [
    path("auth/token/", route(post=members.AuthTokenCreateApi, delete=members.AuthTokenRevokeApi)),
    path("spaces/", route(get=spaces.SpaceListApi)),
    path("spaces/<slug:slug>/", route(get=spaces.SpaceDetailApi)),
    path("spaces/<slug:slug>/join/", route(post=spaces.SpaceJoinApi)),
    path("spaces/<slug:slug>/leave/", route(post=spaces.SpaceLeaveApi)),
    path("spaces/<slug:slug>/notifications/", route(put=spaces.SpaceNotificationLevelApi)),
    path("spaces/<slug:slug>/requests/", route(get=spaces.SpaceRequestListApi)),
    path("spaces/<slug:slug>/requests/<int:member_id>/", route(post=spaces.SpaceRequestDecideApi)),
    path("spaces/<slug:slug>/invitations/", route(post=spaces.SpaceInviteApi)),
    path("spaces/<slug:slug>/posts/", route(get=posts.SpaceFeedApi, post=posts.PostCreateApi)),
    path("spaces/<slug:slug>/events/", route(get=events.SpaceEventListApi, post=events.EventCreateApi)),
    path("feed/", route(get=posts.HomeFeedApi)),
    path(
        "posts/<int:pk>/",
        route(get=posts.PostDetailApi, patch=posts.PostEditApi, delete=posts.PostDeleteApi),
    ),
    path("posts/<int:pk>/pin/", route(put=posts.PostPinApi)),
    path("posts/<int:pk>/promotional/", route(put=posts.PostPromotionalApi)),
    path("posts/<int:pk>/comments/", route(get=comments.CommentListApi, post=comments.CommentCreateApi)),
    path("posts/<int:pk>/reactions/", route(post=reactions.PostReactionToggleApi)),
    path(
        "comments/<int:pk>/",
        route(get=comments.CommentDetailApi, patch=comments.CommentEditApi, delete=comments.CommentDeleteApi),
    ),
    path("comments/<int:pk>/reactions/", route(post=reactions.CommentReactionToggleApi)),
    path(
        "posts/<int:pk>/accepted-answer/",
        route(
            get=questions.AcceptedAnswerGetApi,
            post=questions.AcceptedAnswerSetApi,
            delete=questions.AcceptedAnswerWithdrawApi,
        ),
    ),
    path("questions/unanswered/", route(get=questions.UnansweredListApi)),
    path("posts/<int:pk>/poll/", route(get=polls.PostPollDetailApi, post=polls.PostPollCreateApi)),
    path("polls/<int:pk>/", route(get=polls.PollDetailApi)),
    path("polls/<int:pk>/vote/", route(post=polls.PollVoteApi, delete=polls.PollVoteWithdrawApi)),
    path("events/", route(get=events.EventListApi)),
    path(
        "events/<int:pk>/",
        route(get=events.EventDetailApi, patch=events.EventEditApi, delete=events.EventDeleteApi),
    ),
    path("events/<int:pk>/rsvp/", route(put=events.EventRsvpApi)),
    path("members/<int:pk>/", route(get=members.MemberProfileApi)),
    path("members/<int:pk>/posts/", route(get=posts.MemberFeedApi)),
    path("me/", route(get=members.MeDetailApi, patch=members.MeUpdateApi)),
    path("me/blocks/", route(get=members.BlockListApi, post=members.BlockAddApi)),
    path("me/blocks/<int:member_id>/", route(delete=members.BlockRemoveApi)),
    path("me/mutes/", route(get=members.MuteListApi, post=members.MuteAddApi)),
    path("me/mutes/<int:member_id>/", route(delete=members.MuteRemoveApi)),
    path("moderation/queue/", route(get=moderation.ReviewQueueApi)),
    path("moderation/items/<int:pk>/", route(get=moderation.ReviewItemDetailApi)),
    path("moderation/items/<int:pk>/claim/", route(post=moderation.ReviewItemClaimApi)),
    path("moderation/items/<int:pk>/release/", route(post=moderation.ReviewItemReleaseApi)),
    path("moderation/items/<int:pk>/decide/", route(post=moderation.ReviewItemDecideApi)),
    path(
        "moderation/complaints/", route(get=moderation.ComplaintListApi, post=moderation.ComplaintCreateApi)
    ),
    path("moderation/complaints/desk/", route(get=moderation.ComplaintDeskApi)),
    path("moderation/complaints/<int:pk>/", route(get=moderation.ComplaintDetailApi)),
    path("moderation/complaints/<int:pk>/replies/", route(post=moderation.ComplaintReplyApi)),
    path("consents/", route(get=privacy.ConsentListApi)),
    path("consents/<slug:purpose>/grant/", route(post=privacy.ConsentGrantApi)),
    path("consents/<slug:purpose>/withdraw/", route(post=privacy.ConsentWithdrawApi)),
]

# Swagger UI's own stylesheet comes with a small inline <style> block; allow inline styles on this one
# page only. Scripts stay 'self': the page and its init script are separate files (the split view).
docs = csp_update({"style-src": ["'unsafe-inline'"]})(
    SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[AllowAny])
)

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(permission_classes=[AllowAny]), name="api-schema"),
    path("docs/", docs, name="api-docs"),
    re_path(r"^", NotFoundApi.as_view()),
]
