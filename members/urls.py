from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("language/", views.language_switch, name="language"),
    path("preferences/", views.preferences, name="preferences"),
    path("blocks/", views.blocks, name="blocks"),
    path("<int:pk>/", views.profile, name="profile"),
    path("<int:pk>/avatar.svg", views.avatar_default, name="avatar_default"),
    path("<int:pk>/avatar/<slug:version>.webp", views.avatar, name="avatar"),
    path("<int:pk>/block/", views.relation, {"action": "block"}, name="block"),
    path("<int:pk>/unblock/", views.relation, {"action": "unblock"}, name="unblock"),
    path("<int:pk>/mute/", views.relation, {"action": "mute"}, name="mute"),
    path("<int:pk>/unmute/", views.relation, {"action": "unmute"}, name="unmute"),
    path("guardian/<str:token>/", views.guardian, name="guardian"),
]
