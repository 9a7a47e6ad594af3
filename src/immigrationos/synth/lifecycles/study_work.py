"""Students and exchange visitors (F, M, J) and temporary workers (H-1B, L-1)."""

from __future__ import annotations

from datetime import date, timedelta

from immigrationos.synth import calibration
from immigrationos.synth.identity import random_date
from immigrationos.synth.lifecycles.common import (
    DAY,
    STUDENT_GRACE_DAYS,
    Life,
    add_trip,
    air_or_sea,
    avoid_cohort,
    in_cohort_window,
    leave,
    visa_for,
)


def student(life: Life) -> None:
    """Draw a programme, its admission for duration of status and what followed."""
    rng = life.rng
    visa_class = rng.choices(("F1", "J1", "M1"), weights=(70, 25, 5))[0]
    grace = timedelta(days=STUDENT_GRACE_DAYS[visa_class])
    years = {"F1": (2, 4), "J1": (1, 2), "M1": (1, 1)}[visa_class]
    length = timedelta(days=365 * rng.randint(*years) - rng.randint(0, 60))
    opt = visa_class == "F1" and rng.random() < 0.35
    practical = timedelta(days=365 if opt else 0)

    if life.plan.cohort_outcome:
        authorised_end = random_date(rng, calibration.FY_START, calibration.FY_END)
        program_end = authorised_end - grace - practical
        program_start = program_end - length
    else:
        program_start = life.days_ago(60, 8 * 365)
        program_end = program_start + length
        authorised_end = program_end + practical + grace
        if in_cohort_window(authorised_end):
            shift = (calibration.FY_END - authorised_end) + timedelta(days=30)
            program_start, program_end = program_start + shift, program_end + shift
            authorised_end += shift
    admitted = program_start - timedelta(days=rng.randint(3, 25))
    visa_for(life, visa_class=visa_class, before=admitted, years=5)
    mode, port = air_or_sea(rng)
    # F-1 and J-1 students are admitted for duration of status (D/S). M-1 students are
    # admitted until the programme end plus 30 days (8 CFR 214.2(m)(5)).
    stay = (program_end + grace - admitted).days if visa_class == "M1" else None
    add_trip(
        life,
        admitted=admitted,
        stay_days=stay,
        admission_class=visa_class,
        mode=mode,
        port=port,
        departed=None,
    )

    row: dict[str, object] = {
        "visa_class": visa_class,
        "program_start": program_start,
        "program_end": program_end,
        "opt_end": program_end + practical if opt else None,
    }
    if life.plan.cohort_outcome:
        _student_cohort(life, row=row, authorised_end=authorised_end, mode=mode)
        return
    if authorised_end >= life.as_of:
        life.out.student(row={**row, "student_status": "active"}, on=program_start)
        life.set_status("in_status", admitted)
        return

    draw = rng.random()
    terminated = random_date(rng, program_start + timedelta(days=60), program_end)
    if in_cohort_window(terminated):
        # A termination ends the stay that day, and only planned cohort members may have a
        # stay ending in FY2024, so this student completes the programme and leaves instead.
        draw = max(draw, 0.18)
    if draw < 0.08:
        life.out.student(
            row={
                **row,
                "opt_end": None,
                "student_status": "terminated",
                "termination_date": terminated,
                "termination_reason": "failure to enroll",
            },
            on=program_start,
        )
        if terminated < life.as_of and rng.random() < 0.5:
            left = terminated + timedelta(days=rng.randint(5, 120))
            leave(life, on=min(left, life.as_of))
        else:
            # A student who fails to maintain status gets no period to prepare for departure
            # (8 CFR 214.2(f)(5)(iv)), so the stay ends at termination.
            life.set_status("overstay", terminated + DAY)
        return
    life.out.student(row={**row, "student_status": "completed"}, on=program_start)
    if draw < 0.18:
        decided = authorised_end - timedelta(days=rng.randint(10, 90))
        valid_until = decided + timedelta(days=3 * 365)
        if in_cohort_window(valid_until):
            # Only planned cohort members may have an authorised stay ending in FY2024.
            valid_until = calibration.FY_END + timedelta(days=30)
        life.out.benefit(
            form="I-129",
            filed=decided - timedelta(days=rng.randint(30, 120)),
            decision="approved",
            decided=decided,
            new_class="H1B",
            valid_until=valid_until,
            timely=True,
        )
        if valid_until < life.as_of:
            # The H-1B ran out before the as-of date: the worker left before its end.
            leave(life, on=valid_until - timedelta(days=rng.randint(1, 60)))
            return
        life.set_status("in_status", min(decided, life.as_of))
        return
    leave(life, on=authorised_end - timedelta(days=rng.randint(1, 50)))


def _student_cohort(life: Life, *, row: dict[str, object], authorised_end: date, mode: str) -> None:
    rng = life.rng
    outcome = life.plan.cohort_outcome
    life.truth.cohort_group = life.plan.cohort_group
    life.truth.cohort_outcome = outcome
    life.out.student(row={**row, "student_status": "completed"}, on=row["program_start"])  # type: ignore[arg-type]
    if outcome == "timely":
        leave(life, on=authorised_end - timedelta(days=rng.randint(0, 40)), mode=mode)
    elif outcome == "out_of_country":
        leave(life, on=authorised_end + timedelta(days=rng.randint(1, 240)), mode=mode)
    else:
        life.set_status("overstay", authorised_end + DAY)


def worker(life: Life) -> None:
    """Draw an H-1B or L-1 worker with petitions and extensions (I-129)."""
    rng = life.rng
    visa_class = rng.choices(("H1B", "L1A", "L1B"), weights=(75, 10, 15))[0]
    petition_days = 3 * 365
    admitted = avoid_cohort(life.days_ago(30, 7 * 365), petition_days, as_of=life.as_of)
    visa_for(life, visa_class=visa_class, before=admitted, years=3)
    mode, port = air_or_sea(rng)
    until = admitted + timedelta(days=petition_days)
    add_trip(
        life,
        admitted=admitted,
        stay_days=petition_days,
        admission_class=visa_class,
        mode=mode,
        port=port,
        departed=None,
    )
    life.set_status("in_status", admitted)

    while until < life.as_of + timedelta(days=120):
        filed = until - timedelta(days=rng.randint(30, 170))
        if filed > life.as_of:
            break
        draw = rng.random()
        if draw < 0.15:
            leave(life, on=min(until - timedelta(days=rng.randint(1, 60)), life.as_of))
            return
        decided = filed + timedelta(days=rng.randint(15, 240))
        if decided > life.as_of or draw < 0.25:
            life.out.benefit(form="I-129", filed=filed, timely=True)
            if until < life.as_of:
                # A timely extension lets work continue for 240 days while it is pending
                # (8 CFR 274a.12(b)(20)).
                life.set_status("pending_application", until + DAY, "pending_application")
            return
        new_until = until + timedelta(days=petition_days)
        if in_cohort_window(new_until):
            # Only planned cohort members may have an authorised stay ending in FY2024.
            new_until = calibration.FY_END + timedelta(days=30)
        life.out.benefit(
            form="I-129",
            filed=filed,
            decision="approved",
            decided=decided,
            new_class=visa_class,
            valid_until=new_until,
            timely=True,
        )
        until = new_until
