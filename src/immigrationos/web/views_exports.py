"""Export views: a case summary as PDF and the filtered case list as CSV.

Each export writes exactly one audit event before any byte of the file leaves, so an export
whose event cannot be stored is rejected: AuditWriteError reaches AuditMiddleware, which
returns 503 with no data.

These exports are not disclosures, so ``privacy.services.disclosure_record`` is not called.
The file goes to a staff member of the agency who may already see the same data on the case
page, and the Privacy Act's accounting of disclosures (5 U.S.C. 552a(c)) covers disclosures
outside the agency. The audit event records the internal use. Sending the file on to
another agency is a disclosure, which the sender must record.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from immigrationos.access.context import request_access
from immigrationos.access.scope import case_queryset_scope
from immigrationos.access.views import not_found_page
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.cases import exports, selectors
from immigrationos.cases.models import Case
from immigrationos.web.forms import case_filters_parse

PDF_CONTENT_TYPE = "application/pdf"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def _download_headers(response: HttpResponse | StreamingHttpResponse, *, filename: str) -> None:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    # NoStoreMiddleware adds the same header to every page. It is set here too, so that a
    # download does not depend on the middleware order.
    response["Cache-Control"] = "no-store"


@require_GET
def case_summary_pdf(request: HttpRequest, case_id: int) -> HttpResponse:
    """Send one case's summary as a PDF attachment, after auditing the export."""
    # AccessMiddleware has already returned 404 for a case outside the user's offices.
    access = request_access(request)
    try:
        summary = exports.case_summary_get(case_id=case_id)
    except Case.DoesNotExist:
        audit_record(
            request=request,
            action="case_summary_export",
            object_type="case",
            object_ids=[str(case_id)],
            outcome=Outcome.FAILED,
            details={"format": "pdf", "row_count": 0},
        )
        return not_found_page(request, object_type="case")

    purposes: dict[str, str] = settings.IMMIGRATIONOS_PURPOSES
    header = exports.ExportHeader(
        generated_by=access.username,
        role=access.role or "no role",
        generated_at=timezone.now(),
        purpose=purposes.get(access.purpose or "", access.purpose or "none"),
    )
    document = exports.case_summary_pdf_build(summary=summary, access=access, header=header)

    audit_record(
        request=request,
        action="case_summary_export",
        object_type="case",
        object_ids=[str(case_id)],
        outcome=Outcome.OK,
        details={"format": "pdf", "row_count": 1, "sections": summary.section_counts()},
    )
    response = HttpResponse(document, content_type=PDF_CONTENT_TYPE)
    _download_headers(response, filename=f"case-{case_id}-summary.pdf")
    return response


def _filters_detail(filters: selectors.CaseFilters | None, request: HttpRequest) -> dict[str, Any]:
    # The filters are the user's own input, so the audit event may store them. An invalid
    # query is stored as sent, for the auditor.
    if filters is None:
        return {key: request.GET.get(key, "") for key in ("state", "tier", "office")}
    return {"state": filters.state, "tier": filters.tier, "office": filters.office}


@require_GET
def cases_csv(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    """Stream the cases matching the case list filters as a CSV attachment.

    Rejects invalid filters, and a result of more than ``case_export_max_rows`` cases, with
    a page that explains how to narrow the export. Both rejections are audited.
    """
    access = request_access(request)
    form, filters = case_filters_parse(request.GET, access=access)
    limit = exports.case_export_max_rows()
    detail: dict[str, Any] = {"format": "csv", "filters": _filters_detail(filters, request)}

    if filters is None:
        audit_record(
            request=request,
            action="case_list_export",
            object_type="case",
            outcome=Outcome.FAILED,
            details={**detail, "row_count": 0, "rejected": "invalid filters"},
        )
        context = {"form": form, "limit": limit, "matched": None}
        return render(request, "web/cases_export_rejected.html", context, status=400)

    cases = case_queryset_scope(cases=selectors.case_list(filters=filters), access=access)
    # One more than the limit, to tell "exactly at the limit" from "over it".
    case_ids = list(cases.values_list("pk", flat=True)[: limit + 1])
    if len(case_ids) > limit:
        matched = cases.count()
        audit_record(
            request=request,
            action="case_list_export",
            object_type="case",
            outcome=Outcome.DENIED,
            details={**detail, "row_count": 0, "matched": matched, "limit": limit},
        )
        context = {"form": form, "limit": limit, "matched": matched}
        return render(request, "web/cases_export_rejected.html", context, status=400)

    audit_record(
        request=request,
        action="case_list_export",
        object_type="case",
        object_ids=[str(case_id) for case_id in case_ids],
        outcome=Outcome.OK,
        details={**detail, "row_count": len(case_ids)},
    )
    response = StreamingHttpResponse(
        exports.case_csv_lines(case_ids=case_ids, access=access), content_type=CSV_CONTENT_TYPE
    )
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    _download_headers(response, filename=f"cases-{stamp}.csv")
    return response
