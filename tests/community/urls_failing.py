from django.urls import path

from community.urls import urlpatterns as site_urlpatterns


def fail(request):
    raise RuntimeError("a deliberate failure to render the 500 page")


urlpatterns = [path("fail/", fail), *site_urlpatterns]
