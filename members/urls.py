from django.urls import path

from members import views

app_name = "members"
urlpatterns = [
    path("language/", views.language_switch, name="language"),
    path("preferences/", views.preferences, name="preferences"),
]
