"""Every route of the site, walked from `get_resolver()`, with its path filled with real values.

Shared by the CSRF matrix (S6) and the authorisation matrix (S3): `walk(patterns, values_for)` yields a
Route per URL pattern; `values_for(pattern)` gives the value of each path argument the pattern names."""

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver
from django.urls.resolvers import RegexPattern, RoutePattern

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class Route:
    pattern: str  # the route as written, e.g. "p/<int:pk>/"
    path: str  # filled with real values, e.g. "/p/12/"
    callback: object
    name: str = ""  # "namespace:name" as reverse() knows it; empty for an unnamed route

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")


def _fill_regex(regex: str, values: dict[str, str]) -> str:
    """A path for a regex route: each named group replaced by its value, anchors dropped."""
    out, i = [], 0
    while i < len(regex):
        match = re.compile(r"\(\?P<(\w+)>").match(regex, i)
        if match:
            depth, j = 1, match.end()
            while depth:
                depth += {"(": 1, ")": -1}.get(regex[j], 0) if regex[j - 1] != "\\" else 0
                j += 1
            out.append(values[match.group(1)])
            i = j
            continue
        if regex[i] not in "^$":
            out.append(regex[i])
        i += 1
    return "".join(out).replace("\\", "")


def _fill(pattern, values: dict[str, str]) -> str:
    if isinstance(pattern, RoutePattern):
        return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], str(pattern))
    assert isinstance(pattern, RegexPattern), pattern
    return _fill_regex(pattern._regex, values)


def walk(
    patterns,
    values_for: Callable[[str], dict[str, str]],
    prefix_pattern: str = "",
    prefix_path: str = "/",
    namespace: str = "",
) -> Iterator[Route]:
    for entry in patterns:
        values = values_for(prefix_pattern + str(entry.pattern))
        pattern = prefix_pattern + str(entry.pattern)
        path = prefix_path + _fill(entry.pattern, values)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from walk(entry.url_patterns, values_for, pattern, path, inner)
        else:
            assert isinstance(entry, URLPattern)
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            yield Route(pattern=pattern, path=path, callback=entry.callback, name=name)
