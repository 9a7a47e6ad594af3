"""Template filters that describe a case proposal's origin and evidence in words.

``CaseProposal.origin`` and ``CaseProposal.evidence`` hold machine keys, such as
``citizenship_claim:2`` or ``status:departed:2026-11-30``, which the services write so that a
rerun raises nothing new. These filters turn the known forms into sentences and fall back to
the raw key for any other form.
"""

from __future__ import annotations

from typing import Any

from django import template

from immigrationos.cases.models import CaseProposal, CitizenshipClaim
from immigrationos.labels import code_label
from immigrationos.workflow.transitions import TRANSITIONS_BY_NAME

register = template.Library()

_CLAIM_PREFIX = "citizenship_claim:"
_STATUS_PREFIX = "status:"


@register.filter
def proposal_action(proposal: CaseProposal) -> str:
    """Return the label of the transition ``proposal`` proposes, or its code if unknown."""
    transition = TRANSITIONS_BY_NAME.get(proposal.kind)
    return transition.label if transition is not None else proposal.kind


@register.filter
def proposal_origin(proposal: CaseProposal) -> str:
    """Describe what raised ``proposal``, as "raised when ..." or "raised by ..."."""
    origin = proposal.origin
    if origin.startswith(_CLAIM_PREFIX) and origin[len(_CLAIM_PREFIX) :].isdigit():
        claim_id = int(origin[len(_CLAIM_PREFIX) :])
        claim = CitizenshipClaim.objects.select_related("decided_by").filter(pk=claim_id).first()
        if claim is not None and claim.decided_by is not None:
            return (
                f"raised when supervisor {claim.decided_by.get_username()} upheld "
                f"citizenship claim {claim_id}"
            )
        return f"raised when citizenship claim {claim_id} was upheld"
    if origin.startswith(_STATUS_PREFIX):
        status, _, since = origin[len(_STATUS_PREFIX) :].partition(":")
        text = f"raised by the pipeline when the person's status became {code_label(status)}"
        if since and since != "None":
            text += f" on {since}"
        return text
    return f"raised by {origin}"


@register.filter
def proposal_evidence(proposal: CaseProposal) -> str:
    """Describe the evidence ``proposal`` rests on, or return "" when it names none."""
    evidence: dict[str, Any] = proposal.evidence if isinstance(proposal.evidence, dict) else {}
    if not evidence:
        return ""
    parts: list[str] = []
    if "citizenship_claim_id" in evidence:
        parts.append(f"citizenship claim {evidence['citizenship_claim_id']}")
    if evidence.get("status"):
        status_text = f"status {code_label(evidence['status'])}"
        since = _status_since(proposal)
        if since:
            status_text += f" since {since}"
        if evidence.get("rule_id"):
            status_text += f" by rule {evidence['rule_id']}"
        parts.append(status_text)
    records = evidence.get("records") or evidence.get("record_uids")
    if records:
        parts.append("records: " + ", ".join(str(record) for record in records))
    known = {"citizenship_claim_id", "status", "rule_id", "records", "record_uids"}
    for key, value in evidence.items():
        if key not in known and value not in (None, "", [], {}):
            parts.append(f"{key.replace('_', ' ')} {value}")
    return ", ".join(parts)


def _status_since(proposal: CaseProposal) -> str:
    # A status proposal's origin is "status:<status>:<first day of the status period>".
    if not proposal.origin.startswith(_STATUS_PREFIX):
        return ""
    since = proposal.origin[len(_STATUS_PREFIX) :].partition(":")[2]
    return "" if since == "None" else since
