"""Forms for search and the case list filters."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from immigrationos.access.context import AccessContext
from immigrationos.cases.selectors import CaseFilters, case_filter_choices


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


def case_filters_parse(
    query: QueryDict, *, access: AccessContext
) -> tuple[CaseFilterForm, CaseFilters | None]:
    """Parse the case list filters from ``query``, offering only the user's offices.

    Returns None for the filters when the form is invalid; each caller decides what that
    means (the list page shows every case, an export refuses).
    """
    choices = case_filter_choices()
    choices["offices"] = [
        (code, label) for code, label in choices["offices"] if access.office_allowed(code)
    ]
    form = CaseFilterForm(query, choices=choices)
    if not form.is_valid():
        return form, None
    filters = CaseFilters(
        state=form.cleaned_data["state"] or "",
        tier=form.cleaned_data["tier"],
        office=form.cleaned_data["office"] or "",
    )
    return form, filters
