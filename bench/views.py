from django.http import HttpRequest, HttpResponse


def fixed_string(request: HttpRequest) -> HttpResponse:
    """P1's baseline: no query and no template of its own, so what it costs is the middleware stack
    (session, member, language, activity, CSP ...) and gunicorn."""
    return HttpResponse("ok", content_type="text/plain")
