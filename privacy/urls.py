from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.centre, name="centre"),
    path("consents/<slug:purpose>/", views.consent_decide, name="consent"),
    path("accept/", views.reconsent_accept, name="accept"),
    path("export/", views.export_request_view, name="export_request"),
    path("export/<int:archive_id>/", views.export_status, name="export_status"),
    path("export/<int:archive_id>/download/", views.export_file, name="export_download"),
    path("delete/", views.deletion, name="deletion"),
    path("delete/cancel/", views.deletion_cancel_view, name="deletion_cancel"),
    path("requests/", views.data_requests, name="requests"),
    path("requests/<int:request_id>/", views.data_request_detail, name="request"),
    path("policies/", views.policy_index, name="policies"),
    path("policies/<slug:kind>/", views.policy_detail, name="policy"),
    path("policies/<slug:kind>/<slug:label>/", views.policy_detail, name="policy_version"),
]
