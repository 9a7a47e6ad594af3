"""Template tags of the review pages that other pages include."""

from __future__ import annotations

from typing import Any

from django import template

from immigrationos.access.roles import user_role_get
from immigrationos.cases.merges import changes_since_last_load, person_changes_get
from immigrationos.cases.review_decisions import REVERSER_ROLES

register = template.Library()


@register.inclusion_tag("web/review_person_changes.html", takes_context=True)
def review_person_changes(context: template.Context, person: Any, records: Any) -> dict[str, Any]:
    """Render a person's merges and splits, with the supervisor's split and reverse forms."""
    request = context.get("request")
    user = getattr(request, "user", None)
    changes = person_changes_get(person_id=person.person_id)
    newer = changes_since_last_load(changes)
    return {
        "status_outdated_by": newer,
        "request": request,
        "messages": context.get("messages", ()),
        "csrf_token": context.get("csrf_token"),
        "person": person,
        "records": list(records),
        "changes": changes,
        "may_reverse": user is not None and user_role_get(user=user) in REVERSER_ROLES,
    }
