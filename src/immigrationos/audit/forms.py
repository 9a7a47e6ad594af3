"""The auditor's search form over audit events."""

from __future__ import annotations

from django import forms


class AuditSearchForm(forms.Form):
    username = forms.CharField(label="User", max_length=150, required=False)
    person = forms.CharField(label="Person id", max_length=64, required=False)
    case = forms.IntegerField(label="Case id", min_value=1, required=False)
    purpose = forms.CharField(label="Purpose", max_length=200, required=False)
    action = forms.CharField(label="Action", max_length=64, required=False)
    start = forms.DateField(label="From (YYYY-MM-DD)", required=False)
    end = forms.DateField(label="To (YYYY-MM-DD, inclusive)", required=False)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError(f"From {start} is after To {end}: swap the dates.")
        return cleaned
