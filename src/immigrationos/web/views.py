"""Page views: parse the request, call one selector, audit the read, render."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record, audited_read
from immigrationos.cases import search as person_search_module
from immigrationos.cases import selectors
from immigrationos.cases.models import Case, Person
from immigrationos.web.forms import CaseFilterForm, SearchForm


class SignInView(auth_views.LoginView):
    template_name = "web/login.html"
    redirect_authenticated_user = True


@login_not_required
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Report that the process is up; the body carries no data."""
    return JsonResponse({"status": "ok"})


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "web/dashboard.html", {"dashboard": selectors.dashboard_get()})


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    try:
        result = person_search_module.person_search_run(query=query)
    except ValueError:
        result = person_search_module.SearchResult(
            kind="dob",
            hits=[],
            message=f"{query!r} is not a valid date; enter a date of birth as YYYY-MM-DD.",
        )
    kind, hits, error = result.kind, result.hits, result.message
    if kind != "empty":
        # The query text itself may be a name, so only its kind and the count are kept.
        audit_record(
            request=request,
            action="person_search",
            object_type="person",
            object_ids=[hit.person.person_id for hit in hits],
            outcome=Outcome.FAILED if error else Outcome.OK,
            details={"query_kind": kind, "result_count": len(hits)},
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
    try:
        detail = audited_read(
            request=request,
            action="person_view",
            object_type="person",
            object_id=person_id,
            read=lambda: selectors.person_detail_get(person_id=person_id),
        )
    except Person.DoesNotExist:
        raise Http404("No person with this id.") from None
    return render(request, "web/person.html", {"detail": detail})


@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    page = selectors.review_queue_page_get(page=request.GET.get("page"))
    # The page names persons and their records, so it is a read of person data: the event
    # lists the persons shown.
    shown = sorted({person.person_id for row in page for person in row.persons})
    audit_record(
        request=request,
        action="review_queue_view",
        object_type="person",
        object_ids=shown,
        outcome=Outcome.OK,
    )
    return render(request, "web/review.html", {"page": page})


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET, choices=selectors.case_filter_choices())
    filters = selectors.CaseFilters()
    if form.is_valid():
        filters = selectors.CaseFilters(
            state=form.cleaned_data["state"] or "",
            tier=form.cleaned_data["tier"],
            office=form.cleaned_data["office"] or "",
        )
    page = selectors.case_page_get(filters=filters, page=request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "filter_query": query.urlencode()}
    return render(request, "web/cases.html", context)


@require_GET
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    try:
        detail = audited_read(
            request=request,
            action="case_view",
            object_type="case",
            object_id=str(case_id),
            read=lambda: selectors.case_detail_get(case_id=case_id),
        )
    except Case.DoesNotExist:
        raise Http404("No case with this id.") from None
    return render(request, "web/case.html", {"detail": detail})
