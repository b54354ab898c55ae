"""What every API module shares: the JSON error shape, method routing, cursor pages, schema helpers.

Every error is `{"error": {"code", "message", "fields"?, "retry_at"?}}`: a stable code for programs, a
sentence for people, the fields for validation errors and, when known, when to try again.
"""

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.drainage import has_override, set_override
from drf_spectacular.openapi import AutoSchema
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from content.exceptions import ContentError
from members.exceptions import MemberError

# --- Errors -------------------------------------------------------------------------------------


def error_body(
    *,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
    retry_at: datetime | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": str(message)}
    if fields:
        error["fields"] = fields
    if retry_at is not None:
        error["retry_at"] = retry_at.isoformat()
    return {"error": error}


def _messages(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [message for value in detail.values() for message in _messages(value)]
    if isinstance(detail, list | tuple):
        return [message for value in detail for message in _messages(value)]
    return [str(detail)]


def _fields(detail: Any) -> dict[str, list[str]]:
    """DRF's nested error detail as {"field": [...], "parent.child": [...]}."""
    if not isinstance(detail, dict):
        return {"non_field_errors": _messages(detail)}
    fields: dict[str, list[str]] = {}
    for name, value in detail.items():
        if isinstance(value, dict):
            for inner, messages in _fields(value).items():
                fields[f"{name}.{inner}"] = messages
        else:
            fields[str(name)] = _messages(value)
    return fields


def _retry_at(wait: float | None) -> datetime | None:
    return timezone.now() + timedelta(seconds=wait) if wait else None


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """REST_FRAMEWORK["EXCEPTION_HANDLER"]. Anything not listed here is a bug and stays a 500."""
    headers: dict[str, str] = {}
    if isinstance(exc, ContentError):
        field = getattr(exc, "field", None)  # EventInvalid names the field its message belongs to
        body = error_body(
            code=exc.code,
            message=exc.message,
            fields={field: [exc.message]} if field else None,
            retry_at=exc.retry_at,
        )
        if exc.retry_at is not None:
            seconds = max(0, int((exc.retry_at - timezone.now()).total_seconds()) + 1)
            headers["Retry-After"] = str(seconds)
        return Response(body, status=exc.status, headers=headers)
    if isinstance(exc, MemberError):
        return Response(error_body(code=exc.code, message=exc.message), status=exc.status)
    if isinstance(exc, Http404):
        return Response(error_body(code="not_found", message=_("Not found.")), status=404)
    if isinstance(exc, PermissionDenied):
        message = str(exc) or _("You are not allowed to do this.")
        return Response(error_body(code="permission_denied", message=message), status=403)
    if not isinstance(exc, exceptions.APIException):
        return None
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, exceptions.ValidationError):
        body = error_body(
            code="invalid",
            message=_("Some fields are not valid; see `fields`."),
            fields=_fields(exc.detail),
        )
        return Response(body, status=status.HTTP_400_BAD_REQUEST, headers=headers)
    if isinstance(exc, exceptions.Throttled):
        retry_at = _retry_at(exc.wait)
        if exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait) + 1)
        body = error_body(
            code="throttled",
            message=_("Too many requests. Please slow down and try again later."),
            retry_at=retry_at,
        )
        return Response(body, status=exc.status_code, headers=headers)
    code = exc.get_codes() if not isinstance(exc.detail, dict | list) else exc.default_code
    message = " ".join(_messages(exc.detail))
    return Response(error_body(code=str(code), message=message), status=exc.status_code, headers=headers)


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, for programs: invalid, not_found, posting_limit, ...")
    message = serializers.CharField(help_text="A sentence for people, in the member's language.")
    fields = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text="Validation errors by field.",
    )
    retry_at = serializers.DateTimeField(required=False, help_text="When trying again will work.")


class ErrorSerializer(serializers.Serializer):
    error = ErrorDetailSerializer()


def with_errors(ok: dict[int, Any], *codes: int) -> dict[int, Any]:
    """The responses of an operation for @extend_schema: its own and the error bodies it can send."""
    return {**ok, **dict.fromkeys(codes, ErrorSerializer)}


# --- Views ----------------------------------------------------------------------------------------


class ApiSchema(AutoSchema):
    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        """A throttled operation (REST_FRAMEWORK's DEFAULT_THROTTLE_CLASSES) can answer 429: say so.
        (Here rather than in get_response_serializers, which @extend_schema replaces.)"""
        bodies = super()._get_response_bodies(direction)
        if direction == "response" and self.view.get_throttles() and "429" not in bodies:
            bodies["429"] = self._get_response_for_code(ErrorSerializer, "429", direction=direction)
        return bodies

    def get_operation_id(self) -> str:
        """The view's name: PostCreateApi -> post_create (unique, and stable for generated clients)."""
        name = self.view.__class__.__name__.removesuffix("Api")
        return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class Api(APIView):
    """Base of every API view. Names the nested InputSerializer / OutputSerializer after the view in
    the schema (PostCreateApi.InputSerializer -> PostCreateInput), so no two components collide."""

    schema = ApiSchema()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        stem = cls.__name__.removesuffix("Api")
        for nested in ("InputSerializer", "OutputSerializer"):
            serializer = cls.__dict__.get(nested)
            if (
                serializer is None
                or serializer.__name__ != nested
                or has_override(serializer, "component_name")
            ):
                continue
            set_override(serializer, "component_name", stem + nested.removesuffix("Serializer"))


class PublicApi(Api):
    """Readable without signing in; the selectors decide what a visitor sees."""

    permission_classes = [AllowAny]


def route(**operations: type[APIView]) -> Callable[..., HttpResponse]:
    """One URL, one APIView per HTTP method: `route(get=PostDetailApi, patch=PostEditApi)`.

    Django resolves a URL to one view; this sends each method to its own operation. The schema sees each
    operation on its own (schema_split_routes)."""
    views = {method.upper(): cls.as_view() for method, cls in operations.items()}
    allowed = ", ".join([*views, "OPTIONS"])
    first = next(iter(views.values()))

    def view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        handler = views.get(request.method or "", first)  # another method: a JSON 405 from DRF
        response = handler(request, *args, **kwargs)
        if request.method not in views:
            response["Allow"] = allowed
        return response

    # Only for the schema enumerator, which needs an APIView listing the methods of this URL.
    listing = type("Route", (APIView,), dict.fromkeys(operations, APIView.options))
    view.cls = listing  # type: ignore[attr-defined]
    view.initkwargs = {}  # type: ignore[attr-defined]
    view.routes = views  # type: ignore[attr-defined]
    view.csrf_exempt = True  # type: ignore[attr-defined]  # DRF's SessionAuthentication checks CSRF
    return view


def schema_split_routes(endpoints: list[tuple]) -> list[tuple]:
    """SPECTACULAR_SETTINGS["PREPROCESSING_HOOKS"]: a route() URL becomes one endpoint per operation."""
    result = []
    for path, path_regex, method, callback in endpoints:
        routes = getattr(callback, "routes", None)
        result.append((path, path_regex, method, routes[method] if routes else callback))
    return result


# --- Pages ----------------------------------------------------------------------------------------


def next_url(request: Request, cursor: str | None) -> str | None:
    """The current URL with `after=<cursor>`, or None on the last page."""
    if not cursor:
        return None
    query = request.query_params.copy()
    query["after"] = cursor
    return request.build_absolute_uri(request.path) + "?" + urlencode(query)


class CursorPage(CursorPagination):
    """Keyset pages for lists that are not feeds (events, spaces, blocks): `?after=` and a `next` URL,
    never OFFSET. Views set `ordering`."""

    cursor_query_param = "after"
    page_size = 30
    ordering = ("-id",)

    def get_paginated_response(self, data: list) -> Response:
        return Response({"results": data, "next": self.get_next_link()})


def paginate(
    request: Request, queryset: Any, *, ordering: tuple[str, ...], view: APIView
) -> tuple[list, Any]:
    paginator = CursorPage()
    paginator.ordering = ordering
    return paginator.paginate_queryset(queryset, request, view=view), paginator


def page_serializer(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The schema of a page: {"results": [item], "next": URL or null}."""
    page = type(
        name,
        (serializers.Serializer,),
        {
            "results": item(many=True),
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
        },
    )
    set_override(page, "component_name", name)
    return page
