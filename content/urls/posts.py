from django.urls import path

from content.views import polls, posts

urlpatterns = [
    # the new-post page, with its optional poll section
    path("s/<slug:slug>/new/", polls.post_new, name="post_create"),
    path("p/<int:pk>/", posts.post_detail, name="post_detail"),
    path("p/<int:pk>/edit/", posts.post_edit_view, name="post_edit"),
    path("p/<int:pk>/revisions/", posts.post_revisions, name="post_revisions"),
    path("p/<int:pk>/delete/", posts.post_delete_view, name="post_delete"),
    path("p/<int:pk>/moderate/", posts.post_moderate, name="post_moderate"),
    path("p/<int:pk>/react/", posts.post_react, name="post_react"),
    path("p/<int:pk>/comment/", posts.comment_create_view, name="comment_create"),
    path("c/<int:pk>/edit/", posts.comment_edit_view, name="comment_edit"),
    path("c/<int:pk>/delete/", posts.comment_delete_view, name="comment_delete"),
    path("c/<int:pk>/react/", posts.comment_react, name="comment_react"),
    path("members/<int:pk>/posts/", posts.member_posts, name="member_posts"),
]
