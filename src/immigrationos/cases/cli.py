"""The ``immigrationos cases`` subcommands.

Django is imported inside the handlers, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from typing import Any


def _cmd_escalate(args: argparse.Namespace) -> int:
    from immigrationos.site.setup import django_setup

    django_setup()
    from immigrationos.cases.workflow import cases_escalate

    count = cases_escalate(today=args.today)
    day = args.today.isoformat() if args.today is not None else "today"
    print(f"escalated {count} overdue case{'s' if count != 1 else ''} (as of {day})")
    return 0


def cases_parser_add(commands: Any, *, as_of_type: Callable[[str], date]) -> None:
    """Add ``cases escalate`` to the ``immigrationos`` subcommands."""
    cases = commands.add_parser("cases", help="case workflow jobs for a scheduler")
    actions = cases.add_subparsers(dest="cases_command", required=True, metavar="ACTION")

    escalate = actions.add_parser(
        "escalate",
        help="notify the office's supervisors, and the case's officer, of each open case past "
        "its due day; a case is escalated once per state, so a scheduler may run this as "
        "often as it likes (daily is enough: due days are whole days)",
    )
    escalate.add_argument(
        "--today",
        type=as_of_type,
        default=None,
        help="the day to count overdue from, YYYY-MM-DD (default: today in the site's time zone)",
    )
    escalate.set_defaults(handler=_cmd_escalate)
