"""Status names and the rules that assign them, each with its legal source.

Precedence, highest first, when several rules apply on the same date (``PRECEDENCE``):
citizen > lawful_permanent_resident > removed > self_departed > final_order >
voluntary_departure_period > removal_proceedings > protected > pending_application >
the stay-based statuses (in_status, overstay, potential_overstay_unconfirmed, departed).
A status granted by law (citizenship, permanent residence) outranks enforcement history, an
executed or final order outranks a pending application, and protections outrank the stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

IN_STATUS: Final = "in_status"
PENDING_APPLICATION: Final = "pending_application"
POTENTIAL_OVERSTAY_UNCONFIRMED: Final = "potential_overstay_unconfirmed"
OVERSTAY: Final = "overstay"
DEPARTED: Final = "departed"
REMOVAL_PROCEEDINGS: Final = "removal_proceedings"
FINAL_ORDER: Final = "final_order"
REMOVED: Final = "removed"
SELF_DEPARTED: Final = "self_departed"
VOLUNTARY_DEPARTURE_PERIOD: Final = "voluntary_departure_period"
LAWFUL_PERMANENT_RESIDENT: Final = "lawful_permanent_resident"
CITIZEN: Final = "citizen"
PROTECTED: Final = "protected"
UNKNOWN: Final = "unknown"

STATUSES: Final = (
    CITIZEN,
    LAWFUL_PERMANENT_RESIDENT,
    REMOVED,
    SELF_DEPARTED,
    FINAL_ORDER,
    VOLUNTARY_DEPARTURE_PERIOD,
    REMOVAL_PROCEEDINGS,
    PROTECTED,
    PENDING_APPLICATION,
    IN_STATUS,
    OVERSTAY,
    POTENTIAL_OVERSTAY_UNCONFIRMED,
    DEPARTED,
    UNKNOWN,
)
PRECEDENCE: Final = STATUSES[:9]

# Flags carried on results and periods.
FLAG_UNCONFIRMED: Final = "unconfirmed"
FLAG_DEPARTURE_NOT_RECORDED: Final = "departure_not_recorded"
FLAG_DEPARTURE_INFERRED: Final = "departure_inferred"
FLAG_LAND_NO_EXIT_DATA: Final = "land_no_exit_data"
FLAG_LEAP_DAY_ADJUSTED: Final = "leap_day_adjusted"
FLAG_EXTENSION_PENDING: Final = "extension_pending"
FLAG_ASYLUM_PENDING: Final = "asylum_pending"
FLAG_TPS: Final = "tps"
FLAG_DEFERRED_ACTION: Final = "deferred_action"
FLAG_APPLICATION_PENDING: Final = "application_pending"
FLAG_CITIZENSHIP_CLAIM_PENDING: Final = "citizenship_claim_pending"
FLAG_PRIOR_DEPARTURE_NOT_RECORDED: Final = "prior_departure_not_recorded"
# A record of presence in the country (a filing, an arrest) after a recorded departure with
# no new arrival: the departure, the link or the absence of an arrival record is wrong.
FLAG_DISPUTED: Final = "disputed"
FLAG_LOW_CONFIDENCE_DEPARTURE: Final = "low_confidence_departure"
# A person whose status a reviewer must decide, for example a citizenship claim through a
# parent that rests on a name only. The priority policy treats the person as protected.
FLAG_NEEDS_REVIEW: Final = "needs_review"
FLAG_POSSIBLE_CITIZEN: Final = "possible_citizen"
FLAG_PAROLE: Final = "parole"
FLAG_EXTENSION_NOT_AVAILABLE: Final = "extension_not_available"
FLAG_FRIVOLOUS_APPLICATION: Final = "frivolous_application"
# In history only: the period's status rests on a record dated after the period began.
FLAG_RETROACTIVE_EXTENSION: Final = "retroactive_extension"
FLAG_CONFIRMED_LATER: Final = "confirmed_by_later_record"
# INA 240B(d)(1): failing to leave within a voluntary departure period brings a civil
# penalty and 10 years of ineligibility for several forms of relief.
FLAG_VD_CIVIL_PENALTY: Final = "vd_civil_penalty"
FLAG_VD_RELIEF_BAR: Final = "vd_relief_bar_10_year"

# Inadmissibility bars for unlawful presence, INA 212(a)(9)(B)(i)(I) and (II).
BAR_3_YEAR: Final = "3_year"
BAR_10_YEAR: Final = "10_year"


@dataclass(frozen=True)
class Rule:
    """A status rule: its stable id, the status it assigns and the law it implements."""

    rule_id: str
    status: str
    citation: str
    text: str


def _rules(*rules: Rule) -> dict[str, Rule]:
    return {rule.rule_id: rule for rule in rules}


RULES: Final = _rules(
    Rule("naturalised", CITIZEN, "INA 316; INA 337", "N-400 naturalisation approved"),
    Rule(
        "citizenship_certified",
        CITIZEN,
        "INA 320; INA 341(a)",
        "certificate of citizenship (N-600) approved",
    ),
    Rule(
        "derived_citizenship",
        CITIZEN,
        "INA 320(a)",
        "citizen by law through a parent's naturalisation: under 18, a permanent resident and "
        "in that parent's custody on the date the last condition was met",
    ),
    Rule(
        "adjusted_to_lpr",
        LAWFUL_PERMANENT_RESIDENT,
        "INA 245(a)",
        "I-485 adjustment of status approved",
    ),
    # NOTE: the court extract does not state which relief was granted; cancellation of
    # removal, which confers permanent residence, is assumed.
    Rule(
        "cancellation_of_removal",
        LAWFUL_PERMANENT_RESIDENT,
        "INA 240A(b)",
        "relief from removal granted by the immigration court",
    ),
    Rule("removed", REMOVED, "INA 241(a)", "removal executed by the enforcement agency"),
    Rule(
        "self_removal",
        SELF_DEPARTED,
        "8 CFR 241.7",
        "departure after a final order, which executes the order",
    ),
    Rule(
        "order_in_absentia",
        FINAL_ORDER,
        "8 CFR 1003.39; 8 CFR 1241.1(e)",
        "removal ordered in absentia, final when entered",
    ),
    Rule(
        "order_appeal_waived", FINAL_ORDER, "8 CFR 1241.1(b)", "removal ordered and appeal waived"
    ),
    Rule(
        "order_appeal_dismissed",
        FINAL_ORDER,
        "8 CFR 1241.1(a)",
        "removal ordered and the appeal dismissed",
    ),
    Rule(
        "order_no_appeal",
        FINAL_ORDER,
        "8 CFR 1003.38(b); 8 CFR 1241.1(c)",
        "removal ordered and no appeal filed within 30 days",
    ),
    Rule(
        "vd_overstayed",
        FINAL_ORDER,
        "INA 240B(d); 8 CFR 1240.26(d); 8 CFR 1241.1(f)",
        "voluntary departure deadline passed with no departure: the alternate order of "
        "removal takes effect, with a civil penalty and a 10-year bar to relief",
    ),
    Rule(
        "voluntary_departure",
        VOLUNTARY_DEPARTURE_PERIOD,
        "INA 240B(a)(2), (b)(2); 8 CFR 1240.26",
        "voluntary departure granted (up to 120 days before the end of proceedings, up to "
        "60 days at the end), deadline not yet passed",
    ),
    Rule(
        "nta_pending",
        REMOVAL_PROCEEDINGS,
        "INA 240; 8 CFR 1003.14",
        "notice to appear filed, no final order",
    ),
    Rule("asylum_pending", PROTECTED, "INA 208", "asylum application (I-589) pending"),
    # An asylee has a lawful status of its own (INA 208(c)), so the stay is not at issue.
    Rule("asylum_granted", IN_STATUS, "INA 208", "asylum application (I-589) granted"),
    Rule(
        "tps_valid", PROTECTED, "INA 244", "temporary protected status (I-821) approved and valid"
    ),
    Rule(
        "deferred_action_valid",
        PROTECTED,
        "8 CFR 236.21-236.25",
        "deferred action (I-821D) approved and valid",
    ),
    Rule(
        "parole_valid",
        PROTECTED,
        "INA 212(d)(5)(A); 8 CFR 212.5",
        "paroled into the country (I-94 class PAROLE or an approved I-131 parole), parole "
        "not yet expired",
    ),
    Rule(
        "adjustment_pending",
        PENDING_APPLICATION,
        "INA 245(a)",
        "adjustment of status (I-485) pending",
    ),
    Rule(
        "protection_pending",
        PENDING_APPLICATION,
        "INA 244",
        "TPS or deferred action request pending",
    ),
    Rule(
        "admitted_until", IN_STATUS, "8 CFR 214.1(a)(4)", "within the admit-until date of the I-94"
    ),
    Rule(
        "visa_waiver_90_days",
        IN_STATUS,
        "INA 217(a)(1); 8 CFR 217.2",
        "Visa Waiver admission, 90 days, no extension or change of status",
    ),
    Rule(
        "visa_waiver_satisfactory_departure",
        IN_STATUS,
        "8 CFR 217.3(a)",
        "Visa Waiver stay prolonged by satisfactory departure, up to 30 days",
    ),
    Rule(
        "duration_of_status_f",
        IN_STATUS,
        "8 CFR 214.2(f)(5)(i), (iv)",
        "F student: programme or OPT end plus 60 days",
    ),
    Rule(
        "duration_of_status_j",
        IN_STATUS,
        "8 CFR 214.2(j)(1)(ii)",
        "J exchange visitor: programme end plus 30 days",
    ),
    Rule(
        "duration_of_status_m",
        IN_STATUS,
        "8 CFR 214.2(m)(5)",
        "M student: programme end plus 30 days",
    ),
    Rule(
        "duration_of_status",
        IN_STATUS,
        "8 CFR 214.1(a)(4)",
        "admitted for duration of status with no fixed end date",
    ),
    Rule(
        "extension_pending_timely",
        PENDING_APPLICATION,
        "8 CFR 214.1(c)(4); INA 212(a)(9)(B)(iv)",
        "admit-until date passed, but an extension or change of status filed on time is "
        "pending, which keeps the stay authorised",
    ),
    Rule(
        "extension_approved",
        IN_STATUS,
        "INA 248; 8 CFR 214.1(c)(4)",
        "extension or change of status approved, valid until its new date and counted from "
        "the end of the previous stay",
    ),
    Rule(
        "stay_expired_unconfirmed",
        POTENTIAL_OVERSTAY_UNCONFIRMED,
        "INA 237(a)(1)(B)",
        "authorised stay ended and no departure recorded; nothing later shows presence",
    ),
    Rule(
        "stay_expired_presence",
        OVERSTAY,
        "INA 237(a)(1)(B)",
        "authorised stay ended and a later record shows the person present",
    ),
    Rule("departed", DEPARTED, "", "departure recorded for the current stay"),
    Rule(
        "voluntary_departure_complied",
        DEPARTED,
        "8 CFR 1240.26",
        "departed within the voluntary departure period",
    ),
    Rule(
        "departure_inferred",
        UNKNOWN,
        "INA 212(a)(9)(B)",
        "a later arrival proves a departure that was not recorded; overstay unknown",
    ),
    Rule(
        "ds_without_student_record",
        UNKNOWN,
        "8 CFR 214.2(f)(5)(i)",
        "admitted for duration of status but no student record is linked",
    ),
    Rule(
        "admit_until_missing",
        UNKNOWN,
        "8 CFR 214.1(a)(4)",
        "the I-94 has no admit-until date and the class gives none",
    ),
    Rule(
        "no_status_evidence",
        UNKNOWN,
        "",
        "no admission, application, court or enforcement record decides the status",
    ),
)
