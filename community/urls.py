from django.contrib import admin
from django.urls import include, path

from community import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.health, name="health"),
    path("accounts/", include("allauth.urls")),
    path("members/", include("members.urls")),
    path("", include("content.urls")),
    path("moderation/", include("moderation.urls")),
    path("privacy/", include("privacy.urls")),
    path("admin/dashboard/", include("community.dashboard.urls")),  # before the admin's own URLs
    path("admin/", admin.site.urls),
    path("api/", include("community.api_urls")),
]
