"""All content pages, one module per topic; names live in the `content` namespace."""

from django.urls import include, path

app_name = "content"
urlpatterns = [
    path("", include("content.urls.spaces")),
    path("", include("content.urls.polls")),
    path("", include("content.urls.posts")),
    path("", include("content.urls.questions")),
    path("", include("content.urls.events")),
    path("", include("content.urls.search")),
    path("", include("content.urls.inbox")),
    path("", include("content.urls.delivery")),
]
