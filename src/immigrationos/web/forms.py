"""Forms for search and the case list filters."""

from __future__ import annotations

from django import forms


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Name, date of birth (YYYY-MM-DD), A-number or passport number",
        max_length=200,
        required=False,
        strip=True,
    )


class CaseFilterForm(forms.Form):
    state = forms.ChoiceField(label="State", required=False)
    tier = forms.TypedChoiceField(label="Tier", required=False, coerce=int, empty_value=None)
    office = forms.ChoiceField(label="Office", required=False)

    def __init__(self, *args: object, choices: dict[str, list[tuple[str, str]]], **kwargs: object):
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        everything = [("", "All")]
        self.fields["state"].choices = everything + choices["states"]  # type: ignore[attr-defined]
        self.fields["tier"].choices = everything + choices["tiers"]  # type: ignore[attr-defined]
        self.fields["office"].choices = everything + choices["offices"]  # type: ignore[attr-defined]
