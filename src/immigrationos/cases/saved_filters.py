"""Saved filters: a user's named query strings for the case list and the work queue."""

from __future__ import annotations

from typing import Final

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils import timezone

from immigrationos.cases.errors import CasesError
from immigrationos.cases.models import SavedFilter

# The pages a filter can be saved for, with the route each link opens.
SAVED_FILTER_PAGES: Final = {"cases": "web:cases", "queue": "web:queue"}
# Parameters that are not part of a filter: the page number, and the form's own fields.
_NOT_FILTER_KEYS: Final = frozenset({"page", "csrfmiddlewaretoken", "name", "next"})
QUERY_MAX_CHARS: Final = 1000
NAME_MAX_CHARS: Final = 100


class SavedFilterInvalid(CasesError):
    """A saved filter's page, name or query is not valid."""


def saved_filter_query_clean(query: str) -> str:
    """Return ``query`` re-encoded without the page number and the form's own fields.

    Re-encoding means the stored text is always a well-formed query string, whatever was
    posted. Raises SavedFilterInvalid when the result is longer than the stored column.
    """
    params = QueryDict(query.lstrip("?"), mutable=True)
    for key in _NOT_FILTER_KEYS:
        params.pop(key, None)
    for key in [key for key, values in params.lists() if not any(values)]:
        params.pop(key)
    cleaned = params.urlencode()
    if len(cleaned) > QUERY_MAX_CHARS:
        raise SavedFilterInvalid(
            f"the filter is {len(cleaned)} characters long; at most {QUERY_MAX_CHARS} are kept"
        )
    return cleaned


def saved_filters_get(*, user: User, page: str) -> QuerySet[SavedFilter]:
    """Return ``user``'s filters for ``page``, by name."""
    return SavedFilter.objects.filter(user=user, page=page).order_by("name", "id")


def saved_filter_save(*, user: User, page: str, name: str, query: str) -> SavedFilter:
    """Save ``query`` under ``name`` for ``user``; a filter of the same name is replaced."""
    if page not in SAVED_FILTER_PAGES:
        raise SavedFilterInvalid(
            f"unknown page {page!r}; use one of {', '.join(sorted(SAVED_FILTER_PAGES))}"
        )
    name = name.strip()
    if not name:
        raise SavedFilterInvalid("the filter name is missing; type a name to save it under")
    if len(name) > NAME_MAX_CHARS:
        raise SavedFilterInvalid(f"the filter name is longer than {NAME_MAX_CHARS} characters")
    saved, _ = SavedFilter.objects.update_or_create(
        user=user,
        page=page,
        name=name,
        defaults={"query": saved_filter_query_clean(query), "created_at": timezone.now()},
    )
    return saved


def saved_filter_delete(*, user: User, filter_id: int) -> SavedFilter | None:
    """Delete ``user``'s filter ``filter_id`` and return it, or None when the user has no
    filter with that id (another user's filter is never deleted)."""
    saved = SavedFilter.objects.filter(user=user, pk=filter_id).first()
    if saved is None:
        return None
    saved.delete()
    return saved
