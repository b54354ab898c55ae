from django.contrib import admin
from django.urls import include, path

from community import goals_views, views

# A database that does not answer gets a styled 503 (JSON under /api/); any other failure a 500.
handler500 = "community.errors.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("how-we-are-doing/", goals_views.goals_public, name="goals_public"),
    path("accounts/", include("allauth.urls")),
    path("members/", include("members.urls")),
    path("", include("content.urls")),
    path("moderation/", include("moderation.urls")),
    path("privacy/", include("privacy.urls")),
    path("admin/dashboard/", include("community.dashboard.urls")),  # before the admin's own URLs
    path("admin/", admin.site.urls),
    path("api/", include("community.api_urls")),
]
