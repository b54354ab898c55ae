from django.urls import path

from content.views import spaces

urlpatterns = [
    path("s/", spaces.space_list, name="space_list"),
    path("s/<slug:slug>/", spaces.space_detail, name="space_detail"),
    path("s/<slug:slug>/join/", spaces.space_join_view, name="space_join"),
    path("s/<slug:slug>/leave/", spaces.space_leave_view, name="space_leave"),
    path("s/<slug:slug>/notifications/", spaces.space_notifications, name="space_notifications"),
    path("s/<slug:slug>/members/", spaces.space_members_manage, name="space_members_manage"),
]
