"""Doing a create once, however often it is asked for (issue 9, R6).

A member double-clicks "Publish", a phone retries a POST whose answer was lost: the same request comes
twice, sometimes at the same moment. `once()` runs the action for the first and hands every repeat the
first one's result:

- the result is remembered in PostgreSQL (community.models.IdempotencyRecord) under (member, scope, key)
  for a while (10 minutes for a form's submission token, 24 hours for the API's `Idempotency-Key`),
  written in the same transaction as the action, so it exists exactly when what it records does. Not in
  Redis: a result remembered there was lost when Redis stopped, restarted or evicted the key, and a
  retried API POST during an outage created a second event or complaint (nothing else in the database
  tells them apart). The price is one indexed SELECT and one INSERT per keyed request (bench figures in
  the commit that moved it);
- two requests at the same moment are put one after the other by a PostgreSQL advisory lock on that
  key, held until the first one's transaction ends (SQLite, the embedded profile, begins every
  transaction IMMEDIATE, which already lets one writer in at a time), so the second finds the first's
  record instead of creating again;
- `fallback` is the older net for forms while Redis is down (a post: same author, same text, a moment
  ago): asked only when no record exists and Redis is paused.

The same key with a different request is a mistake of the client: IdempotencyKeyReused (422 in the API).
Records past their time are deleted every hour (idempotency_records_purge, community.tasks).
"""

import functools
import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from community.models import IdempotencyRecord
from community.redis_outage import redis_paused

T = TypeVar("T")

FORM_TTL = 10 * 60
API_TTL = 24 * 3600
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")  # printable ASCII without spaces, like a header token
PURGE_BATCH = 5000


class IdempotencyKeyReused(Exception):
    """The key was first used for a different request."""


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _lock(name: str) -> None:
    """Waits until no other transaction holds `name`; holds it until this transaction ends."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return  # SQLite: the IMMEDIATE transaction already is the lock (see the module's docstring)
    number = int.from_bytes(bytes.fromhex(name[:16]), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [number])


def once(
    *,
    scope: str,
    owner_id: int,
    key: str,
    request_hash: str = "",
    ttl: int,
    action: Callable[[], T],
    remember: Callable[[T], Any] = lambda result: result,
    recall: Callable[[Any], T | None] = lambda value: value,
    fallback: Callable[[], T | None] | None = None,
) -> T:
    """The action's result, run only for the first request with this key.

    `remember` turns the result into the JSON value the record keeps (None: keep nothing, e.g. a
    refusal); `recall` turns it back (None: it no longer exists, run again). Must be the outermost
    transaction: the lock and the record are only as good as the commit that follows.

    Queries: the lock, the record's SELECT, then either what `recall` reads (a repeat) or the action
    and the record's INSERT (the first request)."""
    key_hash = _digest(key)
    with transaction.atomic():
        _lock(_digest(scope, str(owner_id), key))  # a request at the same moment waits here
        record = (
            IdempotencyRecord.objects.filter(member_id=owner_id, scope=scope, key_hash=key_hash)
            .only("request_hash", "result", "expires_at")
            .first()
        )
        if record is not None and record.expires_at > timezone.now():
            if record.request_hash != request_hash:
                raise IdempotencyKeyReused()
            result = recall(record.result)
            if result is not None:
                return result
        elif fallback is not None and redis_paused():
            result = fallback()
            if result is not None:
                return result
        result = action()
        value = remember(result)
        if value is not None:
            now = timezone.now()
            fields = {
                "request_hash": request_hash,
                "result": value,
                "created_at": now,
                "expires_at": now + timedelta(seconds=ttl),
            }
            if record is None:
                IdempotencyRecord.objects.create(member_id=owner_id, scope=scope, key_hash=key_hash, **fields)
            else:  # expired, or what it made is gone: the key starts over
                IdempotencyRecord.objects.filter(pk=record.pk).update(**fields)
    return result


def idempotency_records_purge(*, now: datetime | None = None) -> int:
    """Deletes the records past their time, in batches of PURGE_BATCH (one short transaction each, so
    a backlog never holds locks long). Returns how many went."""
    cutoff = now or timezone.now()
    deleted = 0
    while True:
        ids = list(
            IdempotencyRecord.objects.filter(expires_at__lte=cutoff).values_list("pk", flat=True)[
                :PURGE_BATCH
            ]
        )
        if not ids:
            return deleted
        deleted += IdempotencyRecord.objects.filter(pk__in=ids).delete()[0]


# --- The API: `Idempotency-Key` on create endpoints -------------------------------------------------

IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    # what KEY_PATTERN accepts, so that a client following the schema never gets a 400 for its key
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Any unique string (a UUID is best), up to 255 printable characters. Sending the same request "
        "again with the same key within 24 hours creates nothing new: the answer is the first one "
        "(same status and body, with the header `Idempotent-Replayed: true`). The same key with a "
        "different request is refused (422 `idempotency_key_reused`). Keys belong to the member."
    ),
)


class IdempotencyKeyInvalid(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "idempotency_key_invalid"
    default_detail = _("The Idempotency-Key header must be 1 to 255 printable characters without spaces.")


class IdempotencyKeyReusedError(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "idempotency_key_reused"
    default_detail = _(
        "This Idempotency-Key was already used for a different request. Use a new key for a new request."
    )


def _remember_response(response: Response) -> dict | None:
    if not 200 <= response.status_code < 300:
        return None  # a refusal changed nothing: trying again may work
    data = json.loads(json.dumps(response.data, cls=JSONEncoder))
    return {"status": response.status_code, "data": data}


def _replay(value: dict) -> Response:
    return Response(value["data"], status=value["status"], headers={"Idempotent-Replayed": "true"})


def idempotent(method: Callable[..., Response]) -> Callable[..., Response]:
    """On an APIView's create method: honour `Idempotency-Key` (and list it in the schema)."""

    @functools.wraps(method)
    def wrapper(view: Any, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get("Idempotency-Key")
        if key is None or not request.user.is_authenticated:
            return method(view, request, *args, **kwargs)
        if not KEY_PATTERN.fullmatch(key):
            raise IdempotencyKeyInvalid()
        body = json.dumps(request.data, sort_keys=True, cls=JSONEncoder)
        try:
            return once(
                scope="api",
                owner_id=request.user.pk,
                key=key,
                request_hash=_digest(request.method or "", request.path, body),
                ttl=API_TTL,
                action=lambda: method(view, request, *args, **kwargs),
                remember=_remember_response,
                recall=_replay,
            )
        except IdempotencyKeyReused:
            raise IdempotencyKeyReusedError() from None

    return extend_schema(parameters=[IDEMPOTENCY_KEY])(wrapper)
