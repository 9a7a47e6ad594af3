"""Page views: parse the request, call one selector, audit the read, render."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from immigrationos.access.context import request_access
from immigrationos.access.masking import MASK, row_has_masked, search_kind_rejection
from immigrationos.access.scope import case_queryset_scope, persons_in_scope
from immigrationos.access.views import not_found_page
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record, audited_read
from immigrationos.cases import search as person_search_module
from immigrationos.cases import selectors
from immigrationos.cases.merges import person_alias_resolve
from immigrationos.cases.models import Person
from immigrationos.cases.relations import person_relations_get, relations_visible
from immigrationos.cases.workflow import citizenship_claims_for
from immigrationos.web.forms import SearchForm, case_filters_parse
from immigrationos.web.views_departures import departures_live_context, live_panel_allowed


class SignInView(auth_views.LoginView):
    """Password sign-in (locked out by django-axes), with a single sign-on link when enabled."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["oidc_enabled"] = settings.IMMIGRATIONOS_OIDC_ENABLED
        context["sso_failed"] = self.request.GET.get("sso") == "failed"
        context["sign_in_notice"] = settings.IMMIGRATIONOS_SIGN_IN_NOTICE
        return context


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report that the process is up; the body carries no data."""
    return JsonResponse({"status": "ok"})


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    access = request_access(request)
    offices = sorted(access.office_codes) if access.office_scoped else None
    context: dict[str, Any] = {
        "dashboard": selectors.dashboard_get(office_codes=offices),
        "offices": offices,
    }
    # The live departures panel names persons, so it renders (and is audited) only once a
    # purpose of use is chosen. Without one the panel links to the purpose page.
    if live_panel_allowed(access) and access.purpose is not None:
        context.update(departures_live_context(request))
    return render(request, "web/dashboard.html", context)


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    access = request_access(request)
    # A role that sees a field masked may not search by it.
    rejection = search_kind_rejection(access=access, kind=person_search_module.query_kind(query))
    outcome = Outcome.OK
    if rejection is not None:
        kind = person_search_module.query_kind(query)
        result = person_search_module.SearchResult(kind=kind, hits=[], message=rejection)
        outcome = Outcome.DENIED
    else:
        try:
            result = person_search_module.person_search_run(query=query)
        except ValueError:
            result = person_search_module.SearchResult(
                kind="dob",
                hits=[],
                message=f"{query!r} is not a valid date; enter a date of birth as YYYY-MM-DD.",
            )
        if result.message:
            outcome = Outcome.FAILED
    kind, error = result.kind, result.message

    # Persons outside an office-scoped user's offices are left out of the results.
    visible = persons_in_scope(
        person_ids=[hit.person.person_id for hit in result.hits], access=access
    )
    hits = [hit for hit in result.hits if hit.person.person_id in visible]
    if kind != "empty":
        # The query is the user's own input, kept so an auditor can see what was looked for;
        # nothing copied out of the matching records is stored.
        audit_record(
            request=request,
            action="person_search",
            object_type="person",
            object_ids=[hit.person.person_id for hit in hits],
            outcome=outcome,
            details={
                "query": query,
                "query_kind": kind,
                "result_count": len(hits),
                "hidden_out_of_scope": len(result.hits) - len(hits),
            },
        )
    context = {
        "form": form,
        "query": query,
        "kind": kind,
        "kind_label": person_search_module.QUERY_KIND_LABELS.get(kind, kind),
        "hits": hits,
        "error": error,
        "truncated": result.truncated,
        "limit": person_search_module.SEARCH_LIMIT,
    }
    template = "web/_search_results.html" if request.htmx else "web/search.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@require_GET
def person_detail(request: HttpRequest, person_id: str) -> HttpResponse:
    # AccessMiddleware has already returned 404 for a person outside the user's offices.
    access = request_access(request)
    merged_into = person_alias_resolve(person_id=person_id)
    if merged_into is not None:
        # A reviewer merged this person into another; the old id stays as an alias.
        return redirect("web:person", person_id=merged_into)
    try:
        detail = audited_read(
            request=request,
            action="person_view",
            object_type="person",
            object_id=person_id,
            read=lambda: selectors.person_detail_get(person_id=person_id),
        )
    except Person.DoesNotExist:
        return not_found_page(request, object_type="person")
    cases = [case for case in detail.cases if access.office_allowed(case.office_id)]
    timeline = [
        # Source fields outside the fixed identity columns are shown as one line, so a line
        # with any masked field is withheld whole.
        dataclasses.replace(entry, details=f"details {MASK}")
        if entry.record is not None
        and isinstance(entry.record.attrs, dict)
        and row_has_masked(access=access, row=entry.record.attrs)
        else entry
        for entry in detail.timeline
    ]
    # A review item that pairs this person with one outside the user's offices would show
    # that person's name, so it is left out, as it is on the review queue.
    paired = [ref.person_id for row in detail.reviews for ref in row.persons]
    visible = persons_in_scope(person_ids=paired, access=access)
    reviews = [
        row for row in detail.reviews if all(ref.person_id in visible for ref in row.persons)
    ]
    shown = dataclasses.replace(detail, cases=cases, timeline=timeline, reviews=reviews)
    # Related persons are part of this person's record, so the one audit event above covers
    # them.
    relations = person_relations_get(person_id=person_id, records=detail.records)
    related_ids = [relation.person_id for relation in relations if relation.person_id]
    related, related_hidden = relations_visible(
        relations=relations,
        visible_person_ids=persons_in_scope(person_ids=related_ids, access=access),
    )
    claims = list(
        citizenship_claims_for(person_id=person_id)
        .select_related("recorded_by", "decided_by")
        .order_by("-recorded_at", "-id")
    )
    context = {
        "claims": claims,
        "claims_open": [claim for claim in claims if claim.status == "open"],
        "claims_upheld": [claim for claim in claims if claim.status == "upheld"],
        "detail": shown,
        "cases_hidden": len(detail.cases) - len(cases),
        "related": related,
        "related_hidden": related_hidden,
    }
    return render(request, "web/person.html", context)


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    access = request_access(request)
    form, parsed = case_filters_parse(request.GET, access=access)
    # An invalid filter shows every case the user may see.
    filters = parsed if parsed is not None else selectors.CaseFilters()
    cases = case_queryset_scope(cases=selectors.case_list(filters=filters), access=access)
    page = Paginator(cases, selectors.CASES_PER_PAGE).get_page(request.GET.get("page"))
    # The list names each case's person, so it is a read of person data.
    audit_record(
        request=request,
        action="case_list_view",
        object_type="case",
        object_ids=[str(case.pk) for case in page],
        outcome=Outcome.OK,
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "filter_query": query.urlencode()}
    return render(request, "web/cases.html", context)
