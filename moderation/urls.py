from django.urls import path

from moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("items/<int:pk>/claim/", views.item_claim, name="claim"),
    path("items/<int:pk>/decide/", views.item_decide, name="decide"),
    path("items/<int:pk>/release/", views.item_release, name="release"),
    path("items/<int:pk>/sweep/", views.item_sweep, name="sweep"),
    path("report/<str:kind>/<int:object_id>/", views.report, name="report"),
]
urlpatterns += [
    path("decisions/", views.decisions, name="decisions"),
    path("decisions/<int:pk>/appeal/", views.appeal_new, name="appeal_new"),
    path("appeal/<str:token>/", views.appeal_by_link, name="appeal_link"),
    path("appeals/", views.appeals, name="appeals"),
    path("appeals/<int:pk>/", views.appeal_detail, name="appeal"),
]
