"""The filter form of the departures page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from immigrationos.events.models import Outcome, Verification
from immigrationos.events.selectors import ARRIVAL, DEPARTURE, EventFilters
from immigrationos.labels import code_label
from immigrationos.sources.contracts import EVIDENCE_KINDS, MODES

_ALL = [("", "All")]
PORT_MAX_CHARS = 16


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class DepartureFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[*_ALL, (DEPARTURE, "Departures"), (ARRIVAL, "Arrivals")],
    )
    port = forms.CharField(label="Port", required=False, max_length=PORT_MAX_CHARS, strip=True)
    mode = forms.ChoiceField(
        label="Mode", required=False, choices=[*_ALL, *((mode, mode) for mode in MODES)]
    )
    evidence_kind = forms.ChoiceField(
        label="Evidence",
        required=False,
        choices=[*_ALL, *((kind, code_label(kind)) for kind in EVIDENCE_KINDS)],
    )
    outcome = forms.ChoiceField(label="Outcome", required=False, choices=[*_ALL, *Outcome.choices])
    verification = forms.ChoiceField(
        label="Verification", required=False, choices=[*_ALL, *Verification.choices]
    )
    date_from = forms.DateField(
        label="From (date at the port)", required=False, widget=_DateInput()
    )
    date_to = forms.DateField(label="To (date at the port)", required=False, widget=_DateInput())

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start is not None and end is not None and start > end:
            self.add_error(
                "date_to", f"The end date {end:%Y-%m-%d} is before the start date; swap them."
            )
        return cleaned


def departure_filters_parse(query: QueryDict) -> tuple[DepartureFilterForm, EventFilters]:
    """Parse the departures page filters from ``query``.

    A field with an invalid value is left out of the filters and shows its error on the
    form. The valid fields still apply.
    """
    form = DepartureFilterForm(query)
    form.is_valid()
    data = form.cleaned_data
    filters = EventFilters(
        kind=data.get("kind") or "",
        port=data.get("port") or "",
        mode=data.get("mode") or "",
        evidence_kind=data.get("evidence_kind") or "",
        outcome=data.get("outcome") or "",
        verification=data.get("verification") or "",
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    return form, filters
