"""The case states, the transitions between them, and the safeguards that refuse them.

Every change of a case's state is one of ``TRANSITIONS``. ``transition_refusals`` returns why
a transition may not be made now. The case page lists the same refusals beside each action,
so what a user sees is what the service enforces.

Enforcement transitions (assign for action, record the action, removal pending) are refused
while the person is protected, has an open or upheld citizenship claim, has an identity in
review, or rests on a link below the automatic threshold. A supervisor may override the
refusals marked ``overridable`` with a written justification. A lasting protection
(citizen, permanent resident) and a citizenship claim are never overridable: the first is
the law, and the second is lifted only by a supervisor's decision on the claim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

LEAD: Final = "lead"
VETTING: Final = "vetting"
ASSIGNED: Final = "assigned"
ACTIONED: Final = "actioned"
IN_PROCEEDINGS: Final = "in_proceedings"
FINAL_ORDER: Final = "final_order"
REMOVAL_PENDING: Final = "removal_pending"
CLOSED: Final = "closed"

OPEN_STATES: Final = (
    LEAD,
    VETTING,
    ASSIGNED,
    ACTIONED,
    IN_PROCEEDINGS,
    FINAL_ORDER,
    REMOVAL_PENDING,
)

OFFICER: Final = "officer"
SUPERVISOR: Final = "supervisor"
CASE_ROLES: Final = frozenset({OFFICER, SUPERVISOR})

# Protections no override lifts (INA 101(a)(20) and citizenship).
LASTING_PROTECTIONS: Final = frozenset({"citizen", "lawful_permanent_resident"})

# The shortest written justification accepted for an override, in characters.
JUSTIFICATION_MIN_CHARS: Final = 20


@dataclass(frozen=True)
class Transition:
    """One allowed change of state.

    ``reason_required``: the user must say why (the text goes into the case history).
    ``enforcement``: the safeguards apply. ``needs_assignee``: an officer must work the case.
    ``needs_final_order``: the person's derived status must be a final order of removal.
    """

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str] = CASE_ROLES
    closed_reason: str = ""
    reason_required: bool = True
    enforcement: bool = False
    needs_assignee: bool = False
    needs_final_order: bool = False


_CLOSABLE = OPEN_STATES

TRANSITIONS: Final[tuple[Transition, ...]] = (
    Transition("start_vetting", "Start vetting", (LEAD,), VETTING, reason_required=False),
    Transition("return_to_lead", "Return to leads", (VETTING,), LEAD),
    Transition(
        "assign_for_action",
        "Assign for action",
        (VETTING,),
        ASSIGNED,
        enforcement=True,
        needs_assignee=True,
    ),
    Transition(
        "record_action",
        "Record the action taken",
        (ASSIGNED,),
        ACTIONED,
        enforcement=True,
        needs_assignee=True,
    ),
    Transition("start_proceedings", "Record proceedings started", (ACTIONED,), IN_PROCEEDINGS),
    Transition(
        "record_final_order", "Record a final order", (ACTIONED, IN_PROCEEDINGS), FINAL_ORDER
    ),
    Transition(
        "removal_pending",
        "Mark removal pending",
        (ACTIONED, FINAL_ORDER),
        REMOVAL_PENDING,
        enforcement=True,
        needs_assignee=True,
        needs_final_order=True,
    ),
    Transition(
        "close_removed",
        "Close: removed",
        (FINAL_ORDER, REMOVAL_PENDING),
        CLOSED,
        closed_reason="removed",
    ),
    Transition(
        "close_self_departed",
        "Close: self-departed",
        _CLOSABLE,
        CLOSED,
        closed_reason="self_departed",
    ),
    Transition(
        "close_status_obtained",
        "Close: status obtained",
        _CLOSABLE,
        CLOSED,
        closed_reason="status_obtained",
    ),
    Transition(
        "close_not_removable",
        "Close: not removable",
        _CLOSABLE,
        CLOSED,
        closed_reason="not_removable",
    ),
    Transition(
        "close_identity_error",
        "Close: identity error",
        _CLOSABLE,
        CLOSED,
        closed_reason="identity_error",
    ),
    Transition(
        "close_deprioritised",
        "Close: deprioritised",
        _CLOSABLE,
        CLOSED,
        roles=frozenset({SUPERVISOR}),
        closed_reason="deprioritised",
    ),
    Transition("reopen", "Reopen", (CLOSED,), VETTING, roles=frozenset({SUPERVISOR})),
)

TRANSITIONS_BY_NAME: Final = {transition.name: transition for transition in TRANSITIONS}


@dataclass(frozen=True)
class CaseFacts:
    """The facts the safeguards check, read from the case, its person and the actor."""

    state: str
    actor_role: str
    actor_id: int | None
    assignee_id: int | None
    person_protected: bool = False
    protection: str = ""
    open_citizenship_claims: int = 0
    upheld_citizenship_claims: int = 0
    identity_in_review: bool = False
    # The weakest link joining the person's records; None for a single-record person.
    min_link_probability: float | None = None
    link_threshold: float = 0.99
    person_merged_into: str = ""
    # A reviewer merged or split the person after the last pipeline run, so the status and
    # priority the case rests on are out of date.
    identity_changed_since_run: bool = False
    # The person's derived status and its flags, for transitions that need a final order.
    person_status: str = ""
    person_status_flags: tuple[str, ...] = ()
    # A departure reported by the event path and waiting for an officer: "verified" or
    # "unverified", with the departure's date; empty when none waits.
    departure_reported: str = ""
    departure_date: str = ""


@dataclass(frozen=True)
class Refusal:
    """A reason a transition may not be made now; ``code`` is stable for tests and logs."""

    code: str
    message: str
    overridable: bool = False


@dataclass(frozen=True)
class ActionCheck:
    """A transition with the refusals that apply to it now (none: allowed)."""

    transition: Transition
    refusals: tuple[Refusal, ...] = field(default=())

    @property
    def allowed(self) -> bool:
        return not self.refusals

    @property
    def overridable(self) -> bool:
        """Whether a supervisor's justification would lift every refusal."""
        return bool(self.refusals) and all(refusal.overridable for refusal in self.refusals)


def written_length(text: str) -> int:
    """Return the number of characters in ``text`` that are not whitespace."""
    return sum(not character.isspace() for character in text)


def transition_get(name: str) -> Transition:
    """Return the transition called ``name``; raise KeyError naming the known ones."""
    try:
        return TRANSITIONS_BY_NAME[name]
    except KeyError:
        known = ", ".join(TRANSITIONS_BY_NAME)
        raise KeyError(f"unknown case transition {name!r}; known: {known}") from None


def safeguard_refusals(facts: CaseFacts) -> list[Refusal]:
    """Return the safeguards that refuse any enforcement step on this person now."""
    refusals: list[Refusal] = []
    if facts.person_protected:
        protection = facts.protection or "unspecified"
        lasting = protection in LASTING_PROTECTIONS
        refusals.append(
            Refusal(
                "protected",
                f"the person is protected ({protection})"
                + ("; no override applies" if lasting else ""),
                overridable=not lasting,
            )
        )
    if facts.open_citizenship_claims:
        refusals.append(
            Refusal(
                "citizenship_claim_open",
                "a claim of US citizenship is open; a supervisor must decide it with evidence",
            )
        )
    if facts.upheld_citizenship_claims:
        refusals.append(
            Refusal("citizenship_upheld", "a supervisor upheld the person's claim of citizenship")
        )
    if facts.identity_in_review:
        refusals.append(
            Refusal(
                "identity_in_review",
                "the person's identity has a link waiting in the review queue",
                overridable=True,
            )
        )
    if facts.min_link_probability is not None and facts.min_link_probability < facts.link_threshold:
        refusals.append(
            Refusal(
                "weak_link",
                f"the identity rests on a link of probability {facts.min_link_probability:.3f}, "
                f"below the automatic threshold {facts.link_threshold:.3f}",
                overridable=True,
            )
        )
    if facts.identity_changed_since_run:
        refusals.append(
            Refusal(
                "identity_changed",
                "a reviewer merged or split the person's records after the last pipeline run, "
                "so status and priority are out of date until the next run",
            )
        )
    if facts.departure_reported:
        verified = facts.departure_reported == "verified"
        refusals.append(
            Refusal(
                "departure_reported",
                f"a {'verified' if verified else 'reported, not yet verified,'} departure on "
                f"{facts.departure_date or 'an unknown date'} waits for an officer's decision; "
                "confirm the person is still in the country before acting",
                overridable=True,
            )
        )
    if facts.person_merged_into:
        refusals.append(
            Refusal(
                "person_merged",
                f"the person was merged into {facts.person_merged_into}; work that person's case",
            )
        )
    return refusals


def transition_refusals(transition: Transition, facts: CaseFacts) -> list[Refusal]:
    """Return every reason ``transition`` may not be made now; empty means allowed."""
    refusals: list[Refusal] = []
    if facts.actor_role not in transition.roles:
        roles = " or ".join(sorted(transition.roles))
        article = "an" if roles[0] in "aeiou" else "a"
        refusals.append(Refusal("role", f"only {article} {roles} may {transition.label.lower()}"))
    if facts.state not in transition.sources:
        refusals.append(Refusal("state", f"not allowed from {facts.state.replace('_', ' ')}"))
    if transition.needs_assignee and facts.assignee_id is None:
        refusals.append(
            Refusal(
                "no_assignee",
                "no officer works this case; claim it or have a supervisor assign it",
            )
        )
    if transition.needs_final_order:
        refusals.extend(final_order_refusals(facts))
    if transition.enforcement:
        refusals.extend(safeguard_refusals(facts))
    return refusals


# Status flags that mean an order exists but is not final (8 CFR 1241.1): an appeal is
# pending, or the 30 days to file one have not run out.
ORDER_NOT_FINAL_FLAGS: Final = frozenset({"appeal_pending", "appeal_period_open"})


def final_order_refusals(facts: CaseFacts) -> list[Refusal]:
    """Return why the records do not show a final order of removal, if they do not.

    An order under appeal, or still open to one, is not final, and no override lifts that.
    Any other status may lag a court's order, so a supervisor may override with the order's
    details in the justification.
    """
    if facts.person_status == "final_order":
        return []
    pending = sorted(ORDER_NOT_FINAL_FLAGS & set(facts.person_status_flags))
    status = (facts.person_status or "unknown").replace("_", " ")
    if pending:
        flags = ", ".join(flag.replace("_", " ") for flag in pending)
        return [
            Refusal(
                "order_not_final",
                f"the removal order is not final ({flags}); removal waits for the appeal",
            )
        ]
    return [
        Refusal(
            "no_final_order",
            f"the records show no final order of removal (status {status})",
            overridable=True,
        )
    ]


def actions_check(facts: CaseFacts) -> list[ActionCheck]:
    """Return every transition out of the current state with its refusals, in table order."""
    return [
        ActionCheck(transition, tuple(transition_refusals(transition, facts)))
        for transition in TRANSITIONS
        if facts.state in transition.sources
    ]


def override_allowed(
    refusals: list[Refusal], *, actor_role: str, justification: str
) -> Refusal | None:
    """Return why an override of ``refusals`` is not accepted, or None when it is."""
    if actor_role != SUPERVISOR:
        return Refusal("override_role", "only a supervisor may override a safeguard")
    fixed = [refusal for refusal in refusals if not refusal.overridable]
    if fixed:
        return Refusal(
            "override_not_allowed",
            "no override lifts: " + "; ".join(refusal.message for refusal in fixed),
        )
    if written_length(justification) < JUSTIFICATION_MIN_CHARS:
        return Refusal(
            "justification",
            f"write a justification of at least {JUSTIFICATION_MIN_CHARS} characters, not "
            "counting spaces",
        )
    return None
