"""Template tags of the review pages that other pages include."""

from __future__ import annotations

from typing import Any

from django import template

from immigrationos.access.roles import user_role_get
from immigrationos.cases.models import IdentityChange, PipelineRun
from immigrationos.cases.review_decisions import REVERSER_ROLES

register = template.Library()


@register.inclusion_tag("web/review_person_changes.html", takes_context=True)
def review_person_changes(context: template.Context, person: Any, records: Any) -> dict[str, Any]:
    """Render a person's merges and splits, with the supervisor's split and reverse forms."""
    request = context.get("request")
    user = getattr(request, "user", None)
    person_id = person.person_id
    # NOTE: person ids sit in JSON lists, so each person page reads and filters every change.
    # Not timed with more than a few changes.
    changes = [
        change
        for change in IdentityChange.objects.select_related("changed_by", "reversed_by")
        if person_id in change.person_ids_before or person_id in change.person_ids_after
    ]
    last_load = (
        PipelineRun.objects.filter(loaded_at__isnull=False)
        .order_by("-loaded_at")
        .values_list("loaded_at", flat=True)
        .first()
    )
    # Status and priority come from the last pipeline run, so a change made since is not in
    # them yet.
    # A reversal always follows its change, so the later of the two is the reversal time.
    newer = [
        change
        for change in changes
        if last_load is None or (change.reversed_at or change.changed_at) > last_load
    ]
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
