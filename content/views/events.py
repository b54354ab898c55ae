"""Event pages: lists, detail with the RSVP box, create/edit/delete, RSVP (htmx partial or redirect),
iCal downloads and the personal calendar feed. Anything the viewer may not read is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from content.exceptions import NotAllowed, NotFound, RSVPClosed
from content.forms.events import EventForm
from content.ical import event_to_ical, member_calendar
from content.models import Event, RSVPStatus, Space
from content.selectors.events import (
    calendar_member_by_token,
    calendar_token_of,
    event_attendees,
    event_get,
    event_list,
    event_online_url_visible,
    event_rsvp_open,
    event_waitlist,
    rsvp_waitlist_position,
)
from content.selectors.visibility import spaces_readable
from content.services.events import (
    EventInvalid,
    calendar_token_reset,
    event_can_manage,
    event_create,
    event_delete,
    event_update,
    event_url,
    rsvp_set,
)

EVENTS_PER_PAGE = 20
ATTENDEES_SHOWN = 50


def _viewer_timezone(request: HttpRequest) -> str | None:
    """Members see times in their own time zone; visitors in each event's own."""
    return request.user.timezone if request.user.is_authenticated else None


def _space_or_404(request: HttpRequest, slug: str) -> Space:
    space = spaces_readable(viewer=request.user).filter(slug=slug).first()
    if space is None:
        raise Http404
    return space


def _event_or_404(request: HttpRequest, pk: int) -> Event:
    try:
        return event_get(viewer=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc


def _list_page(request: HttpRequest, *, space: Space | None) -> HttpResponse:
    page = Paginator(event_list(viewer=request.user, space=space), EVENTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    viewer_tz = _viewer_timezone(request)
    for event in page.object_list:
        event.display_tz = viewer_tz or event.timezone
    context = {
        "space": space,
        "page": page,
        "calendar_token": calendar_token_of(member=request.user),
    }
    return render(request, "content/events/list.html", context)


def events_upcoming(request: HttpRequest) -> HttpResponse:
    return _list_page(request, space=None)


def space_events(request: HttpRequest, slug: str) -> HttpResponse:
    return _list_page(request, space=_space_or_404(request, slug))


def _rsvp_context(request: HttpRequest, event: Event, *, error: str = "") -> dict[str, object]:
    status = event.viewer_rsvp
    return {
        "event": event,
        "display_tz": _viewer_timezone(request) or event.timezone,
        "rsvp_status": status,
        "rsvp_open": event_rsvp_open(event=event),
        "waitlist_position": rsvp_waitlist_position(event=event, member=request.user)
        if status == RSVPStatus.WAITLISTED
        else None,
        "online_url_visible": event_online_url_visible(event=event, viewer=request.user, rsvp_status=status),
        "rsvp_error": error,
    }


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    context = _rsvp_context(request, event)
    context["can_manage"] = event_can_manage(event=event, member=request.user)
    if request.user.is_authenticated:
        context["attendees"] = list(event_attendees(event=event)[:ATTENDEES_SHOWN])
    if context["can_manage"]:
        context["waitlist"] = list(event_waitlist(event=event)[:ATTENDEES_SHOWN])
    return render(request, "content/events/detail.html", context)


@login_required
def event_new(request: HttpRequest, slug: str) -> HttpResponse:
    space = _space_or_404(request, slug)
    form = EventForm(request.POST or None, default_timezone=request.user.timezone)
    if request.method == "POST" and form.is_valid():
        try:
            event = event_create(organiser=request.user, space=space, **form.cleaned_data)
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from exc
        except EventInvalid as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("Your event is published."))
            return redirect(event_url(event))
    return render(request, "content/events/form.html", {"form": form, "space": space, "event": None})


@login_required
def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    if not event_can_manage(event=event, member=request.user):
        raise PermissionDenied
    form = EventForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        try:
            event_update(event=event, by=request.user, **form.cleaned_data)
        except EventInvalid as exc:
            form.add_error(exc.field, exc.message)
        else:
            messages.success(request, _("The event is updated."))
            return redirect(event_url(event))
    context = {"form": form, "space": event.space, "event": event}
    return render(request, "content/events/form.html", context)


@require_POST
@login_required
def event_remove(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    try:
        event_delete(event=event, by=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from exc
    messages.success(request, _("The event is deleted."))
    return redirect("content:space_event_list", slug=event.space.slug)


@require_POST
@login_required
def event_rsvp(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    going = request.POST.get("going") == "1"
    error = ""
    try:
        rsvp_set(event=event, member=request.user, going=going)
    except RSVPClosed as exc:
        error = exc.message
    except NotAllowed as exc:
        error = exc.message
    if request.htmx:
        fresh = _event_or_404(request, pk)
        return render(request, "content/events/_rsvp.html", _rsvp_context(request, fresh, error=error))
    if error:
        messages.error(request, error)
    return redirect(event_url(event))


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def event_ical(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event_or_404(request, pk)
    visible = event_online_url_visible(event=event, viewer=request.user, rsvp_status=event.viewer_rsvp)
    return _ics_response(event_to_ical(event, include_online_url=visible), f"event-{event.pk}.ics")


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No login: calendar programs fetch this URL on their own. The secret token is the key."""
    member = calendar_member_by_token(token=token)
    if member is None:
        raise Http404
    response = HttpResponse(member_calendar(member), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    return response


@require_POST
@login_required
def calendar_reset(request: HttpRequest) -> HttpResponse:
    calendar_token_reset(member=request.user)
    messages.success(request, _("Your calendar link is ready. Any older link no longer works."))
    return redirect("content:event_list")
