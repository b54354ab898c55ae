"""Strict readers for environment variables.

django-environ parses URLs well but is lenient elsewhere (``DEBUG=maybe`` reads as False). A deployment
with a mistyped variable must refuse to start and say which variable is wrong, so every reader here
raises ``ImproperlyConfigured`` naming the variable and the value it could not read.
"""

import os
from collections.abc import Callable
from typing import Any

import environ
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}

_parser = environ.Env()


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def _fail(name: str, value: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"Environment variable {name}={value!r} is invalid: expected {expected}.")


def env_str(name: str, default: str) -> str:
    value = _raw(name)
    return default if value is None else value


def env_required(name: str, why: str) -> str:
    value = _raw(name)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} must be set: {why}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise _fail(name, value, "one of true/false, yes/no, on/off, 1/0")


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise _fail(name, value, "a whole number") from None
    if minimum is not None and number < minimum:
        raise _fail(name, value, f"a whole number of at least {minimum}")
    if maximum is not None and number > maximum:
        raise _fail(name, value, f"a whole number of at most {maximum}")
    return number


def env_choice(name: str, default: str, choices: list[str]) -> str:
    value = _raw(name)
    if value is None:
        return default
    if value.strip().lower() not in choices:
        raise _fail(name, value, "one of " + ", ".join(choices))
    return value.strip().lower()


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def _env_url(
    name: str, parse: Callable[[str], dict[str, Any]], schemes: dict[str, str], expected: str
) -> dict[str, Any] | None:
    value = _raw(name)
    if value is None:
        return None
    if value.partition("://")[0] not in schemes:
        raise _fail(name, value, expected)
    try:
        config = parse(value)
    except Exception:  # django-environ raises several types for a malformed URL
        raise _fail(name, value, expected) from None
    return config


def env_database(name: str) -> dict[str, Any] | None:
    return _env_url(
        name,
        _parser.db_url_config,
        environ.Env.DB_SCHEMES,
        "a database URL such as postgres://user:password@host:5432/name",
    )


def env_email(name: str) -> dict[str, Any] | None:
    return _env_url(
        name,
        _parser.email_url_config,
        environ.Env.EMAIL_SCHEMES,
        "an email URL such as smtp+tls://user:password@host:587 or consolemail://",
    )


def env_redis_url(name: str) -> str | None:
    value = _raw(name)
    if value is None:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise _fail(name, value, "a Redis URL such as redis://host:6379/0")
    return value
