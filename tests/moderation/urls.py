"""Until community/urls.py includes moderation.urls, the view tests route through this urlconf."""

from django.urls import include, path

from community.urls import urlpatterns as site_urlpatterns

urlpatterns = [*site_urlpatterns, path("moderation/", include("moderation.urls"))]
