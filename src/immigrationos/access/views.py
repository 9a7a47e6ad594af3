"""Pages to choose a purpose of use, break glass, and review break-glass windows."""

from __future__ import annotations

import logging
from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from immigrationos.access.break_glass import (
    BreakGlassError,
    break_glass_acknowledge,
    break_glass_review_list,
    break_glass_start,
)
from immigrationos.access.context import AccessContext, purposes_for, request_access
from immigrationos.access.grants import office_grant_create, office_grant_revoke
from immigrationos.access.models import OfficeGrant
from immigrationos.access.policy import PURPOSE_SESSION_KEY
from immigrationos.audit.models import Outcome
from immigrationos.audit.services import audit_record
from immigrationos.cases.models import Office

logger = logging.getLogger(__name__)


class PurposeForm(forms.Form):
    purpose = forms.ChoiceField(label="Purpose of use", widget=forms.RadioSelect)

    def __init__(self, *args: object, role: str | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = list(purposes_for(role).items())
        self.fields["purpose"].choices = choices  # type: ignore[attr-defined]


class OfficeGrantForm(forms.Form):
    username = forms.CharField(label="Officer or supervisor (username)", max_length=150)
    office = forms.ChoiceField(label="Office")
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))
    days = forms.IntegerField(label="Days", min_value=1, max_value=90, initial=7)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["office"].choices = [  # type: ignore[attr-defined]
            (office.code, f"{office.name} ({office.code})") for office in Office.objects.all()
        ]


class BreakGlassForm(forms.Form):
    justification = forms.CharField(
        label="Justification: the emergency, and the case or person it concerns",
        widget=forms.Textarea(attrs={"rows": 4}),
        strip=True,
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and allowed else fallback


def not_found_page(request: HttpRequest, *, object_type: str) -> HttpResponse:
    """Render the 404 page for a person or case that is missing or outside the user's
    offices. Both look the same, so guessing ids learns nothing. An office-scoped user is
    offered break-glass."""
    access: AccessContext | None = getattr(request, "access", None)
    context = {
        "object_type": object_type,
        "can_break_glass": access is not None and access.office_scoped,
        "next": request.get_full_path(),
    }
    return render(request, "access/not_found.html", context, status=404)


@require_http_methods(["GET", "POST"])
def purpose_choose(request: HttpRequest) -> HttpResponse:
    """Show and store the purpose of use for the rest of the session."""
    next_url = _safe_next(request, reverse("web:dashboard"))
    current = request.session.get(PURPOSE_SESSION_KEY)
    access = getattr(request, "access", None)
    form = PurposeForm(
        request.POST or None,
        initial={"purpose": current},
        role=access.role if access is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        purpose = form.cleaned_data["purpose"]
        request.session[PURPOSE_SESSION_KEY] = purpose
        audit_record(
            request=request,
            action="purpose_set",
            outcome=Outcome.OK,
            purpose=purpose,
            details={"previous": current or ""},
        )
        return HttpResponseRedirect(next_url)
    return render(request, "access/purpose.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
def break_glass_request(request: HttpRequest) -> HttpResponse:
    """Open a break-glass window after the user types a justification."""
    access = request_access(request)
    next_url = _safe_next(request, reverse("web:cases"))
    form = BreakGlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            glass = break_glass_start(
                access=access, justification=form.cleaned_data["justification"]
            )
        except BreakGlassError as exc:
            logger.info("break-glass request by user id %s rejected: %s", access.user.pk, exc)
            form.add_error("justification", str(exc))
        else:
            # The event keeps only the id, because the justification is free text in its own row.
            audit_record(
                request=request,
                action="break_glass_start",
                object_type="break_glass",
                object_ids=[glass.id],
                outcome=Outcome.OK,
                details={"break_glass_id": glass.id, "expires_at": glass.expires_at.isoformat()},
            )
            return HttpResponseRedirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "minutes": settings.IMMIGRATIONOS_BREAK_GLASS_MINUTES,
        "min_length": settings.IMMIGRATIONOS_BREAK_GLASS_MIN_JUSTIFICATION,
    }
    return render(request, "access/break_glass_request.html", context)


@require_http_methods(["GET"])
def break_glass_list(request: HttpRequest) -> HttpResponse:
    """List the break-glass windows this supervisor reviews, unreviewed first."""
    windows = list(break_glass_review_list(access=request_access(request))[:200])
    windows.sort(key=lambda glass: glass.reviewed_at is not None)
    audit_record(
        request=request,
        action="break_glass_list_view",
        object_type="break_glass",
        object_ids=[glass.id for glass in windows],
        outcome=Outcome.OK,
    )
    return render(request, "access/break_glass_list.html", {"windows": windows})


@require_POST
def break_glass_review(request: HttpRequest, break_glass_id: str) -> HttpResponse:
    """Acknowledge one break-glass window with a review note."""
    outcome = Outcome.OK
    try:
        break_glass_acknowledge(
            access=request_access(request),
            break_glass_id=break_glass_id,
            note=request.POST.get("note", ""),
        )
    except BreakGlassError as exc:
        logger.info("review of break-glass %s failed: %s", break_glass_id, exc)
        outcome = Outcome.FAILED
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Break-glass {break_glass_id} marked as reviewed.")
    audit_record(
        request=request,
        action="break_glass_review",
        object_type="break_glass",
        object_ids=[break_glass_id],
        outcome=outcome,
    )
    return HttpResponseRedirect(reverse("web:break_glass_list"))


@require_http_methods(["GET", "POST"])
def office_grants(request: HttpRequest) -> HttpResponse:
    """List office grants and grant a user another office's cases for some days."""
    form = OfficeGrantForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = get_user_model().objects.filter(username=form.cleaned_data["username"]).first()
        if user is None:
            form.add_error("username", f"no user {form.cleaned_data['username']!r}")
        else:
            try:
                grant = office_grant_create(
                    user=user,
                    office_code=form.cleaned_data["office"],
                    granted_by=request.user,  # type: ignore[arg-type]
                    reason=form.cleaned_data["reason"],
                    duration=timedelta(days=form.cleaned_data["days"]),
                )
            except ValueError as exc:
                logger.info("office grant by user id %s rejected: %s", request.user.pk, exc)
                form.add_error(None, str(exc))
            else:
                messages.success(request, f"Office grant {grant.pk} created.")
                return HttpResponseRedirect(reverse("web:office_grants"))
    now = timezone.now()
    grants = OfficeGrant.objects.select_related("user", "granted_by").order_by("-granted_at")
    context = {
        "form": form,
        "active": list(grants.filter(expires_at__gt=now)),
        "ended": list(grants.filter(expires_at__lte=now)[:50]),
    }
    return render(request, "access/office_grants.html", context)


@require_POST
def office_grant_end(request: HttpRequest, grant_id: int) -> HttpResponse:
    """End an office grant now."""
    try:
        office_grant_revoke(grant_id=grant_id, revoked_by=request.user)  # type: ignore[arg-type]
    except OfficeGrant.DoesNotExist:
        messages.error(request, f"no office grant {grant_id!r}")
    except ValueError as exc:
        logger.info("ending office grant %s failed: %s", grant_id, exc)
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Office grant {grant_id} ended.")
    return HttpResponseRedirect(reverse("web:office_grants"))
