from django.urls import path

from moderation import complaint_views, correction_views, ip_notice_views, views

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

# Complaints desk (LEGAL L19) and IP notices (LEGAL L22)
urlpatterns += [
    path("complaints/", complaint_views.complaint_desk_view, name="complaint_desk"),
    path("complaints/new/", complaint_views.complaint_new, name="complaint_new"),
    path("complaints/mine/", complaint_views.complaints_mine, name="complaints_mine"),
    path("complaints/mine/<int:pk>/", complaint_views.complaint_mine, name="complaint_mine"),
    path("complaints/<int:pk>/", complaint_views.complaint_desk_detail, name="complaint_desk_detail"),
    path("complaints/<int:pk>/close/", complaint_views.complaint_desk_close, name="complaint_desk_close"),
    path("ip-notice/", ip_notice_views.ip_notice_new, name="ip_notice_new"),
    path("ip-notice/<int:pk>/counter/", ip_notice_views.ip_notice_counter_view, name="ip_notice_counter"),
    path(
        "ip-notice/<str:token>/escalate/", ip_notice_views.ip_notice_escalate_view, name="ip_notice_escalate"
    ),
]

# Correction notes (issue 10): the moderators' form, from the post page or a review item, and the
# author's page to read the note and reply
urlpatterns += [
    path("items/<int:pk>/correction/", correction_views.item_correction, name="item_correction"),
    path("posts/<int:pk>/correction/", correction_views.post_correction, name="post_correction"),
    path(
        "posts/<int:pk>/correction/withdraw/",
        correction_views.post_correction_withdraw,
        name="post_correction_withdraw",
    ),
    path("corrections/<int:pk>/", correction_views.correction_detail, name="correction"),
]
