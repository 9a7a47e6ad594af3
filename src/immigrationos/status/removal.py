"""Removal rules: proceedings, final orders, voluntary departure and executed removals."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from immigrationos.status import rules as r
from immigrationos.status.dates import ONE_DAY
from immigrationos.status.facts import StatusResult, _Facts, _result
from immigrationos.status.records import CourtCase

# 8 CFR 1003.38(b): an appeal must reach the Board within 30 days of the decision.
APPEAL_PERIOD = timedelta(days=30)
# INA 240B(a)(2)(A): at most 120 days when granted before the end of proceedings, and
# INA 240B(b)(2) at most 60 days at the end. The court extract does not say which, so only
# a period over 120 days is flagged, as a likely data error.
VOLUNTARY_DEPARTURE_MAX = timedelta(days=120)


def _removed(facts: _Facts) -> StatusResult | None:
    removals = [e for e in facts.enforcement if e.kind == "removal"]
    for event in sorted(removals, key=lambda e: e.event_date, reverse=True):
        if not facts.arrived_after(event.event_date):
            return _result("removed", event.event_date, [event.uid])
    return None


def _court(facts: _Facts) -> StatusResult | None:
    """Apply the latest removal case: final order, voluntary departure or proceedings."""
    if not facts.courts:
        return None
    case = facts.courts[-1]
    if case.decision in {"relief", "termination"}:
        return None
    if case.decision == "voluntary_departure" and case.vd_deadline is not None:
        return _voluntary_departure(facts, case, case.vd_deadline)
    final = _final_order(case, facts.day)
    if final is None:
        flags = []
        if case.decision == "removal":
            flags.append("appeal_pending" if case.appeal == "pending" else "appeal_period_open")
        return _result("nta_pending", case.nta_date, [case.uid], flags)
    rule_id, final_date = final
    return _after_final_order(facts, case, rule_id, final_date)


def _final_order(case: CourtCase, day: date) -> tuple[str, date] | None:
    """Return the final-order rule and date of a removal decision, or None if not final.

    8 CFR 1241.1: final when the appeal is waived or dismissed, when no appeal is filed in
    the 30 days allowed by 8 CFR 1003.38(b), and at once when ordered in absentia.
    """
    if case.decision != "removal" or case.decision_date is None:
        return None
    if case.in_absentia:
        return "order_in_absentia", case.decision_date
    if case.appeal == "waived":
        return "order_appeal_waived", case.decision_date
    if case.appeal == "dismissed":
        return "order_appeal_dismissed", case.appeal_decision_date or case.decision_date
    if case.appeal in {"pending", "sustained"}:
        return None
    final_date = case.decision_date + APPEAL_PERIOD
    return ("order_no_appeal", final_date) if day >= final_date else None


def _voluntary_departure(facts: _Facts, case: CourtCase, deadline: date) -> StatusResult:
    """Apply 8 CFR 1240.26: leave by the deadline, or the alternate order becomes final."""
    granted = case.decision_date or case.nta_date
    for departure in facts.departures:
        if granted <= departure.departure_date <= deadline and not facts.returned_after(departure):
            return _result(
                "voluntary_departure_complied",
                departure.departure_date,
                [case.uid, departure.uid],
            )
    if facts.day <= deadline:
        flags = ["vd_period_beyond_limit"] if deadline - granted > VOLUNTARY_DEPARTURE_MAX else []
        return _result("voluntary_departure", granted, [case.uid], flags, valid_until=deadline)
    # A departure after the deadline executes the alternate order (self_removal). The
    # penalty and the bar to relief remain either way.
    result = _after_final_order(facts, case, "vd_overstayed", deadline + ONE_DAY)
    penalties = {r.FLAG_VD_CIVIL_PENALTY, r.FLAG_VD_RELIEF_BAR}
    return replace(result, flags=tuple(sorted({*result.flags, *penalties})))


def _after_final_order(
    facts: _Facts, case: CourtCase, rule_id: str, final_date: date
) -> StatusResult:
    departure = facts.departure_since(final_date)
    if departure is not None:
        return _result("self_removal", departure.departure_date, [case.uid, departure.uid])
    # A departure recorded during the proceedings, with no return, suggests the person is
    # abroad although the order is outstanding, so a reviewer should see it.
    earlier = facts.departure_since(case.nta_date)
    if earlier is not None:
        return _result(rule_id, final_date, [case.uid, earlier.uid], ["departed_before_order"])
    return _result(rule_id, final_date, [case.uid])
