from django.urls import path

from content.views import polls

urlpatterns = [
    # The new-post page with its optional poll section. Listed before content.urls.posts, so it answers
    # on post_create's address (reverse("content:post_create") still names that address).
    path("s/<slug:slug>/new/", polls.post_new, name="post_new"),
    path("p/<int:pk>/poll/", polls.poll_show, name="poll_show"),
    path("p/<int:pk>/poll/vote/", polls.poll_vote_view, name="poll_vote"),
    path("p/<int:pk>/poll.csv", polls.poll_csv, name="poll_csv"),
]
