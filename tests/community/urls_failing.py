from django.db import InterfaceError, OperationalError
from django.urls import path

from community.urls import handler500  # noqa: F401 (the site's own error page)
from community.urls import urlpatterns as site_urlpatterns


def fail(request):
    raise RuntimeError("a deliberate failure to render the 500 page")


def database_gone(request):
    raise OperationalError("connection to server at 127.0.0.1, port 54329 failed: Connection refused")


def connection_closed(request):
    raise InterfaceError("connection already closed")


urlpatterns = [
    path("fail/", fail),
    path("database-gone/", database_gone),
    path("connection-closed/", connection_closed),
    path("api/v1/fail/", fail),
    path("api/v1/database-gone/", database_gone),
    *site_urlpatterns,
]
