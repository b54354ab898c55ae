"""The project's URLs plus privacy's, until community/urls.py includes privacy.urls."""

from django.urls import include, path

from community.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *[p for p in project_urlpatterns if getattr(p, "namespace", None) != "privacy"],
    path("privacy/", include("privacy.urls")),
]
