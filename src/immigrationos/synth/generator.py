"""Generate a synthetic population, its eight source extracts and the ground truth.

Output under ``out_dir``: ``extracts/<source>.csv`` in each source contract's layout, and
``truth/`` with ``records.csv`` (record to true person), ``persons.csv`` (true status,
priority category, protection, lifecycle and defects per person), ``meta.json`` and
``overstay_calibration.csv``. The same arguments always give byte-identical files.
"""

from __future__ import annotations

import csv
import json
import logging
import random
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from immigrationos.progress import Progress
from immigrationos.synth import calibration
from immigrationos.synth.defects import IdentityWriter
from immigrationos.synth.errors import InvalidArgumentError
from immigrationos.synth.identity import MAX_PERSONS, DefectCounter
from immigrationos.synth.people import PERSON_COLUMNS, person_build, person_identity, person_row
from immigrationos.synth.population import population_plan
from immigrationos.synth.rates import DefectRates, profile_rates
from immigrationos.synth.relatives import relative_pool
from immigrationos.synth.writer import ExtractWriter

logger = logging.getLogger(__name__)

GENERATOR_VERSION = "1.0"
# Out-of-country overstays in the FY2024 cohort depart up to 240 days after their stay
# ended, so every cohort outcome is settled only from this as-of date on.
EARLIEST_AS_OF = calibration.FY_END + timedelta(days=366)
# Dates are drawn decades around the as-of date; past 2100 some would leave date's range.
LATEST_AS_OF = date(2100, 12, 31)
PROGRESS_STEP = 1000
# Below this size the smallest calibrated group (Visa Waiver in-country, 0.43%) expects fewer
# than about ten overstays, so its rate says little.
CALIBRATION_MIN_PERSONS = 20_000


@dataclass(frozen=True)
class SynthSummary:
    """Counts and timings of one generator run, and the overstay calibration table."""

    persons: int
    seed: int
    profile: str
    as_of: date
    out_dir: Path
    record_counts: dict[str, int]
    defect_opportunities: dict[str, int]
    defects_injected: dict[str, int]
    rates: DefectRates
    status_counts: dict[str, int]
    calibration: list[calibration.CalibrationRow]
    elapsed_seconds: float

    def render(self) -> str:
        """Return the printed summary: records, defects, statuses, calibration, time."""
        lines = [
            f"synthetic population: {self.persons} persons, seed {self.seed}, "
            f"profile {self.profile}, as of {self.as_of.isoformat()}",
            f"written to {self.out_dir} in {self.elapsed_seconds:.1f} s",
            "",
            "records per source",
        ]
        for source, count in self.record_counts.items():
            lines.append(f"  {source:<12} {count:>9}")
        lines.append(f"  {'total':<12} {sum(self.record_counts.values()):>9}")

        lines += ["", "defects injected (injected / opportunities, configured rate)"]
        for kind in self.rates.defect_kinds:
            injected = self.defects_injected.get(kind, 0)
            chances = self.defect_opportunities.get(kind, 0)
            realised = injected / chances if chances else 0.0
            lines.append(
                f"  {kind:<26} {injected:>8} / {chances:>9} = {realised:7.2%}"
                f"  (configured {getattr(self.rates, kind):.2%})"
            )

        lines += ["", "true status on the as-of date"]
        for status, count in sorted(self.status_counts.items()):
            lines.append(f"  {status:<28} {count:>8}")

        lines += [
            "",
            f"overstay calibration, {calibration.FY_LABEL} cohort (air and sea admissions whose "
            f"stay ended {calibration.FY_START}..{calibration.FY_END})",
        ]
        table = [calibration.TABLE_COLUMNS, *(row.cells() for row in self.calibration)]
        widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
        for row in table:
            lines.append(
                "  " + "  ".join(cell.rjust(width) for cell, width in zip(row, widths, strict=True))
            )
        if self.persons < CALIBRATION_MIN_PERSONS:
            lines.append(
                f"  note: with fewer than {CALIBRATION_MIN_PERSONS:,} persons the groups hold too "
                "few admissions for these rates to be compared with the targets"
            )
        return "\n".join(lines)


def generate(
    *,
    persons: int,
    seed: int,
    out_dir: Path,
    profile: str = "default",
    as_of: date,
    progress: Progress,
) -> SynthSummary:
    """Write a population of ``persons`` under ``out_dir`` and return its summary.

    Raises InvalidArgumentError for ``persons`` outside 1 to ``MAX_PERSONS``, an unknown
    ``profile`` or an ``as_of`` outside ``EARLIEST_AS_OF`` to ``LATEST_AS_OF``.
    """
    rates = profile_rates(profile=profile)
    if not 1 <= persons <= MAX_PERSONS:
        raise InvalidArgumentError(
            f"invalid persons {persons!r}: expected 1 to {MAX_PERSONS}, the largest population "
            "whose passport numbers stay unique"
        )
    if not EARLIEST_AS_OF <= as_of <= LATEST_AS_OF:
        raise InvalidArgumentError(
            f"invalid as-of date {as_of.isoformat()!r}: expected {EARLIEST_AS_OF.isoformat()} "
            f"to {LATEST_AS_OF.isoformat()}, so that every FY2024 cohort admission has its "
            "outcome and every drawn date is valid"
        )
    started = time.perf_counter()
    logger.info("synth start: persons=%s seed=%s profile=%s", persons, seed, profile)

    master = random.Random(seed)
    offsets = (master.randrange(10**7), master.randrange(10**8), master.randrange(10**7))
    salt = master.randrange(10**8)
    plan = population_plan(persons=persons, rng=master)
    relatives = relative_pool(
        plan=plan,
        seed=seed,
        identity_of=lambda index: person_identity(planned=plan[index], seed=seed, offsets=offsets),
    )
    counter = DefectCounter()
    identity = IdentityWriter(rates=rates, counter=counter)
    statuses: Counter[str] = Counter()
    cohort: list[tuple[str, str]] = []

    with ExitStack() as stack, progress.stage("synth", total=persons) as stage:
        writer = ExtractWriter(out_dir=out_dir, salt=salt, stack=stack)
        persons_path = out_dir / "truth" / "persons.csv"
        persons_handle = stack.enter_context(
            persons_path.open("w", encoding="utf-8", newline="", buffering=1 << 20)
        )
        persons_csv = csv.writer(persons_handle, lineterminator="\n")
        persons_csv.writerow(PERSON_COLUMNS)
        for planned in plan:
            person, truth, records = person_build(
                planned=planned,
                seed=seed,
                as_of=as_of,
                identity=identity,
                offsets=offsets,
                relatives=relatives,
            )
            for record in records:
                writer.write(source=record.source, row=record.row, person_id=person.person_id)
            persons_csv.writerow(person_row(person=person, planned=planned, truth=truth))
            statuses[truth.status] += 1
            if truth.cohort_group:
                cohort.append((truth.cohort_group, truth.cohort_outcome))
            if (planned.index + 1) % PROGRESS_STEP == 0:
                stage.advance(PROGRESS_STEP)
        stage.advance(persons % PROGRESS_STEP)

    rows = calibration.calibration_table(outcomes=cohort)
    truth_dir = out_dir / "truth"
    (truth_dir / "overstay_calibration.csv").write_text(
        calibration.calibration_csv(rows=rows), encoding="utf-8", newline=""
    )
    meta = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "persons": persons,
        "profile": profile,
        "as_of": as_of.isoformat(),
        "defect_rates": rates.as_dict(),
        "record_counts": writer.counts,
        "defect_opportunities": dict(sorted(counter.opportunities.items())),
        "defects_injected": dict(sorted(counter.injected.items())),
    }
    (truth_dir / "meta.json").write_text(
        json.dumps(meta, indent=2, sort_keys=False) + "\n", encoding="utf-8", newline=""
    )
    elapsed = time.perf_counter() - started
    logger.info("synth done: persons=%s records=%s", persons, sum(writer.counts.values()))
    return SynthSummary(
        persons=persons,
        seed=seed,
        profile=profile,
        as_of=as_of,
        out_dir=out_dir,
        record_counts=dict(writer.counts),
        defect_opportunities=dict(counter.opportunities),
        defects_injected=dict(counter.injected),
        rates=rates,
        status_counts=dict(statuses),
        calibration=rows,
        elapsed_seconds=elapsed,
    )
