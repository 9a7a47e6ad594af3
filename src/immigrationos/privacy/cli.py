"""The ``immigrationos retention`` subcommand.

Django is imported inside the handler, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from immigrationos.privacy.retention import RetentionPlan

_IDS_SHOWN = 20


def _cmd_retention(args: argparse.Namespace) -> int:
    from immigrationos.site.setup import django_setup

    django_setup()
    from immigrationos.privacy.retention import retention_periods, retention_plan, retention_run

    as_of = args.as_of or date.today()
    if args.dry_run:
        plan = retention_plan(as_of=as_of)
    else:
        # The staging store goes first: were the operational purge to fail afterwards, a
        # second run would still find the records there and finish the job.
        staged = _staging_purge(retention_plan(as_of=as_of))
        plan = retention_run(as_of=as_of)
        print(f"staging store: purged {staged} records")
    verb = "would purge" if args.dry_run else "purged"
    sources, audit_days, disclosure_days = retention_periods()
    periods = ", ".join(f"{source} {days:,}" for source, days in sorted(sources.items()))
    print(
        f"retention periods in days: {periods or 'none set for any source'}; audit events "
        f"{audit_days:,}; disclosure accountings {disclosure_days:,}"
    )
    print(f"retention as of {as_of.isoformat()}: {verb} {plan.record_count()} source records")
    for source, uids in sorted(plan.records.items()):
        printed = uids if args.all_ids else uids[:_IDS_SHOWN]
        more = "" if len(printed) == len(uids) else f" (and {len(uids) - len(printed)} more)"
        print(f"  {source}: {len(uids)}: {', '.join(printed)}{more}")
    for source, count in sorted(plan.held_records.items()):
        print(f"  {source}: {count} held, because the person has an open case")
    if plan.audit_through_seq is None:
        print("audit events: none past their period")
    else:
        print(f"audit events: {plan.audit_count}, through #{plan.audit_through_seq}")
    ids = ", ".join(str(pk) for pk in plan.disclosure_ids) or "none"
    print(f"disclosure accountings: {len(plan.disclosure_ids)}: {ids}")
    return 0


def _staging_purge(plan: RetentionPlan) -> int:
    """Delete the plan's records from the staging store, if there is one; return the count."""
    from immigrationos import staging
    from immigrationos.paths import staging_path

    path = staging_path()
    if not path.exists():
        return 0
    con = staging.connect(path)
    try:
        uids = [uid for uids in plan.records.values() for uid in uids]
        return staging.records_purge(con=con, record_uids=uids)
    finally:
        con.close()


def retention_parser_add(commands: Any, *, as_of_type: Any) -> None:
    """Add ``retention`` to the ``immigrationos`` subcommands."""
    retention = commands.add_parser(
        "retention", help="purge source records, audit events and disclosures past retention"
    )
    retention.add_argument(
        "--dry-run", action="store_true", help="list what would be purged and change nothing"
    )
    retention.add_argument(
        "--as-of",
        type=as_of_type,
        help="judge periods as of this date, YYYY-MM-DD (default: today)",
    )
    retention.add_argument(
        "--all-ids", action="store_true", help=f"print every id, not the first {_IDS_SHOWN}"
    )
    retention.set_defaults(handler=_cmd_retention)
