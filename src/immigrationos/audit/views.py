"""The auditor's page: search audit events and see whether the chain is whole."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from immigrationos.audit.chain import chain_verify
from immigrationos.audit.forms import AuditSearchForm
from immigrationos.audit.selectors import AuditFilters, audit_event_page_get
from immigrationos.audit.services import audit_record


@require_GET
def audit_events(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET)
    filters = AuditFilters()
    if form.is_valid():
        filters = AuditFilters(**form.cleaned_data)
    # Viewing the log is itself audited, before any event is shown.
    audit_record(
        request=request,
        action="audit_log_view",
        object_type="audit_event",
        details={
            "filters": {
                name: str(value) for name, value in vars(filters).items() if value not in ("", None)
            },
            "page": request.GET.get("page", "1"),
        },
    )
    # An invalid search shows its errors and no events, rather than every event unfiltered.
    searched = any(name != "page" for name in request.GET)
    page = (
        None
        if searched and not form.is_valid()
        else audit_event_page_get(filters=filters, page=request.GET.get("page"))
    )
    # NOTE: the chain is walked in full on every view, so with millions of events this page
    # gets slow. Then `immigrationos audit verify` on a schedule is the better check.
    chain = chain_verify()
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "chain": chain, "filter_query": query.urlencode()}
    return render(request, "web/audit_events.html", context)
