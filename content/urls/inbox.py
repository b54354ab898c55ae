from django.urls import path

from content.views import inbox

urlpatterns = [
    path("inbox/", inbox.inbox, name="inbox"),
    path("inbox/<int:pk>/", inbox.inbox_open, name="inbox_open"),
    path("inbox/read/", inbox.inbox_read_all, name="inbox_read_all"),
    path("inbox/bell/", inbox.inbox_bell, name="inbox_bell"),
]
