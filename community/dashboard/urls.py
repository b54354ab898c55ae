from django.contrib import admin
from django.urls import path

from community.dashboard import views

app_name = "dashboard"
urlpatterns = [
    # admin_view: staff only (others go to the admin's sign-in), CSRF and never-cache like the admin
    path("", admin.site.admin_view(views.dashboard), name="index"),
]
