"""Forms of the case page: transitions, notes, attachments, proposals, citizenship claims
and watching."""

from __future__ import annotations

from django import forms

from immigrationos.cases.attachments import DESCRIPTION_MAX_CHARS
from immigrationos.cases.workflow import NOTE_MAX_CHARS

REASON_MAX_CHARS = 2000


class TransitionForm(forms.Form):
    """A transition request; ``version`` is the case version the page showed."""

    transition = forms.CharField(max_length=64)
    version = forms.IntegerField(min_value=1)
    reason = forms.CharField(required=False, max_length=REASON_MAX_CHARS, strip=True)
    justification = forms.CharField(required=False, max_length=REASON_MAX_CHARS, strip=True)


class NoteForm(forms.Form):
    # Not stripped, so that text the service rejects is shown back exactly as typed.
    text = forms.CharField(max_length=NOTE_MAX_CHARS, strip=False)


class AttachmentForm(forms.Form):
    file = forms.FileField(allow_empty_file=True)
    description = forms.CharField(required=False, max_length=DESCRIPTION_MAX_CHARS, strip=True)


class ProposalDecideForm(forms.Form):
    proposal_id = forms.IntegerField(min_value=1)
    decision = forms.ChoiceField(choices=[("accept", "Accept"), ("reject", "Reject")])
    version = forms.IntegerField(min_value=1)
    reason = forms.CharField(required=False, max_length=REASON_MAX_CHARS, strip=True)


class CitizenshipClaimForm(forms.Form):
    source = forms.CharField(required=False, max_length=200, strip=True)
    statement = forms.CharField(required=False, max_length=REASON_MAX_CHARS, strip=True)


class CitizenshipDecideForm(forms.Form):
    claim_id = forms.IntegerField(min_value=1)
    decision = forms.ChoiceField(
        choices=[("upheld", "Upheld"), ("not_substantiated", "Not substantiated")]
    )
    evidence = forms.CharField(required=False, max_length=REASON_MAX_CHARS, strip=True)
    reason = forms.CharField(required=False, max_length=REASON_MAX_CHARS, strip=True)


class WatchForm(forms.Form):
    watch = forms.BooleanField(required=False)
