from django.urls import path

from content.views import polls

urlpatterns = [
    path("p/<int:pk>/poll/", polls.poll_show, name="poll_show"),
    path("p/<int:pk>/poll/vote/", polls.poll_vote_view, name="poll_vote"),
    path("p/<int:pk>/poll.csv", polls.poll_csv, name="poll_csv"),
]
