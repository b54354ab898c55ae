"""The site's URLs plus the unsubscribe page, until content/urls/__init__.py includes it."""

from django.urls import include, path

from community.urls import urlpatterns as site_urlpatterns

urlpatterns = [path("", include("content.urls.delivery")), *site_urlpatterns]
