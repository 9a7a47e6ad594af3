"""Walk every URL pattern of the site and build a URL for each with sample arguments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, reverse

WEB_NAMESPACE = "web"


@dataclass(frozen=True)
class Route:
    """A named URL pattern: its policy key, full view name and argument names."""

    key: str
    view_name: str
    params: tuple[str, ...]


def _walk(patterns: list[Any], namespaces: tuple[str, ...]) -> list[Route]:
    routes: list[Route] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            routes += _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            if not pattern.name:
                raise AssertionError(f"URL pattern {pattern.pattern!s} has no name")
            view_name = ":".join((*namespaces, pattern.name))
            key = pattern.name if namespaces == (WEB_NAMESPACE,) else view_name
            params = tuple(pattern.pattern.regex.groupindex)
            routes.append(Route(key=key, view_name=view_name, params=params))
    return routes


def routes_all() -> list[Route]:
    """Return every named route of the site's URL configuration."""
    return _walk(get_resolver().url_patterns, ())


def route_url(route: Route, samples: dict[str, object]) -> str:
    """Return the URL of ``route`` with its arguments taken from ``samples``."""
    missing = [name for name in route.params if name not in samples]
    if missing:
        raise AssertionError(
            f"route {route.key!r} takes {missing}; add a sample value for it in the test"
        )
    return reverse(route.view_name, kwargs={name: samples[name] for name in route.params})
