from django.urls import path

from content.views import events as views

urlpatterns = [
    path("events/", views.events_upcoming, name="event_list"),
    path("s/<slug:slug>/events/", views.space_events, name="space_event_list"),
    path("s/<slug:slug>/events/new/", views.event_new, name="event_create"),
    path("e/<int:pk>/", views.event_detail, name="event_detail"),
    path("e/<int:pk>/edit/", views.event_edit, name="event_edit"),
    path("e/<int:pk>/delete/", views.event_remove, name="event_delete"),
    path("e/<int:pk>/rsvp/", views.event_rsvp, name="event_rsvp"),
    path("e/<int:pk>/event.ics", views.event_ical, name="event_ical"),
    path("calendar/reset/", views.calendar_reset, name="calendar_token_reset"),
    path("calendar/<str:token>.ics", views.calendar_feed, name="calendar_feed"),
]
