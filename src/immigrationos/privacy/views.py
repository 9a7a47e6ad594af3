"""Pages for the disclosure accounting and for amendment requests.

Staff file amendment requests; privacy officers list disclosures per person and decide
requests. Each page audits what it shows or changes.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from immigrationos.access.scope import person_in_scope
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.cases.models import SourceRecord
from immigrationos.privacy import services
from immigrationos.privacy.errors import PrivacyError
from immigrationos.privacy.forms import (
    AmendmentDecideForm,
    AmendmentFileForm,
    DisclosureLookupForm,
)
from immigrationos.privacy.models import AmendmentRequest


@require_GET
def disclosures(request: HttpRequest) -> HttpResponse:
    form = DisclosureLookupForm(request.GET or None)
    rows = None
    if form.is_valid():
        person_id = form.cleaned_data["person"]
        rows = services.disclosure_list_for_person(person_id=person_id)
        audit_record(
            request=request,
            action="disclosure_accounting_view",
            object_type="person",
            object_ids=[person_id],
            details={"disclosure_count": len(rows)},
        )
    return render(request, "web/privacy_disclosures.html", {"form": form, "rows": rows})


@require_http_methods(["GET", "POST"])
def amendment_new(request: HttpRequest) -> HttpResponse:
    form = AmendmentFileForm(request.POST or None)
    filed = None
    if request.method == "POST" and form.is_valid() and _person_reachable(request, form):
        try:
            filed = services.amendment_request_file(
                person_id=form.cleaned_data["person_id"],
                record_uids=form.cleaned_data["record_uids"],
                requested_change=form.cleaned_data["requested_change"],
                received_on=form.cleaned_data["received_on"],
                request=request,
            )
        except PrivacyError as exc:
            form.add_error(None, str(exc))
        else:
            form = AmendmentFileForm()
    return render(request, "web/privacy_amendment_new.html", {"form": form, "filed": filed})


def _person_reachable(request: HttpRequest, form: AmendmentFileForm) -> bool:
    # The person id arrives in the form body, out of reach of the URL-based scope check.
    person_id = form.cleaned_data["person_id"]
    access = getattr(request, "access", None)
    if access is not None and not person_in_scope(person_id=person_id, access=access):
        _amendment_denial_record(request, person_id=person_id, reason="out_of_scope")
        form.add_error("person_id", f"No person {person_id!r} in your offices' cases.")
        return False
    # A record of another person would reach that person's records, and the notices to their
    # recipients, through a person the user may see. Unknown ids are kept, because the
    # requester may name a record that was purged.
    foreign = sorted(
        SourceRecord.objects.filter(record_uid__in=form.cleaned_data["record_uids"])
        .exclude(person_id=person_id)
        .values_list("record_uid", flat=True)
    )
    if foreign:
        _amendment_denial_record(request, person_id=person_id, reason="record_of_other_person")
        form.add_error(
            "record_uids",
            f"{', '.join(foreign)} are not records of person {person_id!r}; name only that "
            "person's records, or file a separate request for the other person.",
        )
        return False
    return True


def _amendment_denial_record(request: HttpRequest, *, person_id: str, reason: str) -> None:
    audit_record(
        request=request,
        action="amendment_file",
        object_type="person",
        object_ids=[person_id],
        outcome=Outcome.DENIED,
        details={"reason": reason},
    )


@require_GET
def amendments(request: HttpRequest) -> HttpResponse:
    rows = services.amendment_list(status=request.GET.get("status", ""))
    audit_record(
        request=request,
        action="amendment_list_view",
        object_type="person",
        object_ids=sorted({row.person_id for row in rows}),
        details={"count": len(rows)},
    )
    return render(request, "web/privacy_amendments.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def amendment_detail(request: HttpRequest, tracking_number: str) -> HttpResponse:
    try:
        amendment = services.amendment_get(tracking_number=tracking_number)
    except AmendmentRequest.DoesNotExist:
        raise Http404(f"No amendment request {tracking_number!r}.") from None
    form = AmendmentDecideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.amendment_request_decide(
                tracking_number=tracking_number,
                status=form.cleaned_data["status"],
                reasons=form.cleaned_data["reasons"],
                corrected_record_uids=form.cleaned_data["corrected_record_uids"],
                request=request,
            )
        except PrivacyError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("web:amendment", tracking_number=tracking_number)
    audit_record(
        request=request,
        action="amendment_view",
        object_type="person",
        object_ids=[amendment.person_id],
        details={"tracking_number": tracking_number},
    )
    context = {"amendment": amendment, "form": form, "notices": amendment.notices.all()}
    return render(request, "web/privacy_amendment.html", context)
