from django.urls import path

from content.views.search import search_page

urlpatterns = [
    path("search/", search_page, name="search"),
]
