"""Forms of the work queue, claim and assignment, bulk actions, saved filters, notifications
and override review."""

from __future__ import annotations

from django import forms

from immigrationos.cases.bulk_actions import BULK_ACTIONS
from immigrationos.cases.saved_filters import NAME_MAX_CHARS, SAVED_FILTER_PAGES

REASON_MAX_CHARS = 2000


class QueueFilterForm(forms.Form):
    state = forms.ChoiceField(label="State", required=False)
    tier = forms.TypedChoiceField(label="Tier", required=False, coerce=int, empty_value=None)
    overdue = forms.BooleanField(label="Overdue only", required=False)
    priority_review = forms.BooleanField(label="Flagged for priority review only", required=False)

    def __init__(
        self,
        *args: object,
        states: list[tuple[str, str]],
        tiers: list[int],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        everything = [("", "All")]
        self.fields["state"].choices = everything + states  # type: ignore[attr-defined]
        self.fields["tier"].choices = everything + [  # type: ignore[attr-defined]
            (str(tier), f"Tier {tier}") for tier in tiers
        ]


class CaseActionForm(forms.Form):
    """Fields every claim, release and assignment posts.

    ``version`` is the case version the page showed; ``next`` is where to go back to.
    """

    version = forms.IntegerField(min_value=1)
    next = forms.CharField(required=False, max_length=2000)
    reason = forms.CharField(
        label="Reason (optional)", required=False, max_length=REASON_MAX_CHARS, strip=True
    )


class CaseAssignForm(CaseActionForm):
    assignee = forms.IntegerField(label="Assign to (required)", min_value=1)


class BulkActionForm(forms.Form):
    action = forms.ChoiceField(label="Action", choices=list(BULK_ACTIONS.items()))
    assignee = forms.IntegerField(label="Officer (for assign)", required=False, min_value=1)
    reason = forms.CharField(
        label="Reason (required to flag or close)",
        required=False,
        max_length=REASON_MAX_CHARS,
        strip=True,
    )
    next = forms.CharField(required=False, max_length=2000)


class SavedFilterForm(forms.Form):
    page = forms.ChoiceField(choices=[(page, page) for page in SAVED_FILTER_PAGES])
    name = forms.CharField(label="Save this filter as", max_length=NAME_MAX_CHARS, strip=True)
    # Longer than the stored column on purpose: the service strips the page number and
    # rejects what is still too long with a message.
    query = forms.CharField(required=False, max_length=4000)


class NotificationsReadForm(forms.Form):
    all = forms.BooleanField(required=False)
    next = forms.CharField(required=False, max_length=2000)


class OverrideReviewForm(forms.Form):
    note = forms.CharField(
        label="What the review found",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        strip=True,
    )
