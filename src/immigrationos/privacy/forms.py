"""Forms for the disclosure accounting and amendment pages."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from immigrationos.privacy.models import AmendmentStatus


def _ids(text: str) -> list[str]:
    """Split ids given one per line or separated by commas or spaces."""
    return [part for part in text.replace(",", " ").split() if part]


class DisclosureLookupForm(forms.Form):
    person = forms.CharField(label="Person id", max_length=64, required=True, strip=True)


class AmendmentFileForm(forms.Form):
    person_id = forms.CharField(label="Person id", max_length=64, strip=True)
    record_uids = forms.CharField(
        label="Record ids to correct (one per line; leave empty if unknown)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    requested_change = forms.CharField(
        label="What is wrong, and what should the record say",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    received_on = forms.DateField(
        label="Date the request was received (YYYY-MM-DD)", initial=timezone.localdate
    )

    def clean_record_uids(self) -> list[str]:
        return _ids(self.cleaned_data.get("record_uids", ""))

    def clean_received_on(self) -> object:
        received = self.cleaned_data["received_on"]
        if received > timezone.localdate():
            raise forms.ValidationError(
                f"{received} is in the future: enter the date the request arrived."
            )
        return received


class AmendmentDecideForm(forms.Form):
    status = forms.ChoiceField(
        label="Decision",
        choices=[
            (choice, label)
            for choice, label in AmendmentStatus.choices
            if choice != AmendmentStatus.OPEN
        ],
    )
    reasons = forms.CharField(
        label="Reasons (sent to the requester)",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    corrected_record_uids = forms.CharField(
        label="Corrected record ids (one per line; none for a denial)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_corrected_record_uids(self) -> list[str]:
        return _ids(self.cleaned_data.get("corrected_record_uids", ""))
