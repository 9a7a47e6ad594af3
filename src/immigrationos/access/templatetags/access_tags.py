"""Template tags that show person fields through the masking service."""

from __future__ import annotations

from typing import Any

from django import template

from immigrationos.access.masking import value_display
from immigrationos.access.policy import ROUTE_POLICY

register = template.Library()


@register.simple_tag(takes_context=True)
def masked(context: template.Context, field_name: str, value: Any) -> str:
    """Render ``value`` of ``field_name``, or the mask when the viewer's role hides it."""
    request = context.get("request")
    access = getattr(request, "access", None)
    return value_display(access=access, field_name=field_name, value=value)


@register.filter
def can_open(request: Any, route_name: str) -> bool:
    """Return whether the signed-in user's role may open the page route ``route_name``, so
    navigation lists only what the user can open. The middleware still enforces access."""
    access = getattr(request, "access", None)
    policy = ROUTE_POLICY.get(route_name)
    if access is None or policy is None:
        return False
    return policy.public or access.role in policy.roles
