"""The page (or JSON) a request gets when the server failed: handler500 in community/urls.py.

A database that does not answer (restarting, failing over, out of connections) is not a bug: the
request gets 503 with Retry-After, a styled page that says to try again in a moment, or the API's
JSON error with the code "unavailable". Anything else is a bug and stays a 500. Neither page touches
the database or needs a request context (the failure may be in a context processor).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import requires_csrf_token

from community.api import error_body

API_PREFIX = "/api/"
RETRY_AFTER_SECONDS = 5


def _database_unavailable() -> bool:
    """The exception being handled (Django calls handler500 inside its `except`) says the database
    did not answer: the connection was refused, reset or closed under the request."""
    return isinstance(sys.exc_info()[1], OperationalError | InterfaceError)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    unavailable = _database_unavailable()
    status = 503 if unavailable else 500
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if unavailable else {}
    if request.path.startswith(API_PREFIX):
        if unavailable:
            body = error_body(
                code="unavailable",
                message=_("The service is briefly unavailable. Try again in a few seconds."),
            )
        else:
            body = error_body(code="server_error", message=_("Something went wrong on our side."))
        return JsonResponse(body, status=status, headers=headers)
    template = loader.get_template("503.html" if unavailable else "500.html")
    return HttpResponse(template.render({"LANGUAGE_CODE": get_language()}), status=status, headers=headers)
