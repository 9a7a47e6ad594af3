"""The ``immigrationos audit`` subcommands: verify the chain, anchor its head and restrict
the application's database role.

Django is imported inside the handlers, so building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


def _read_log(read: Callable[[], T]) -> T:
    """Call ``read``, turning a database error into an AuditError with the next step."""
    from django.db import DatabaseError

    from immigrationos.audit.errors import AuditError

    try:
        return read()
    except DatabaseError as exc:
        raise AuditError(
            f"cannot read the audit log: {exc}. If the store is new, run "
            "`immigrationos manage migrate` first."
        ) from exc


def _cmd_verify(args: argparse.Namespace) -> int:
    from immigrationos.site.setup import django_setup

    django_setup()
    from immigrationos.audit.chain import anchor_parse, chain_verify
    from immigrationos.audit.errors import AuditAnchorError

    anchor: dict[str, Any] | None = None
    if args.anchor:
        path = Path(args.anchor)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise AuditAnchorError(
                f"anchor file {str(path)!r} not found; write one with `immigrationos audit "
                "anchor --out FILE`"
            ) from exc
        anchor = anchor_parse(text, source=str(path))

    report = _read_log(lambda: chain_verify(anchor=anchor))
    if report.ok and report.checked == 0:
        print(f"audit chain whole: no events after #{report.head_seq}")
        return 0
    if report.ok:
        anchored = f", anchor #{anchor['seq']} matches" if anchor is not None else ""
        print(
            f"audit chain whole: {report.checked} events, #{report.first_seq} to "
            f"#{report.head_seq}, head hash {report.head_hash}{anchored}"
        )
        return 0
    print(
        f"audit chain broken at event #{report.broken_seq} (id {report.broken_id}): "
        f"{report.reason}. {report.checked} events before it verified.",
        file=sys.stderr,
    )
    return 1


def _cmd_anchor(args: argparse.Namespace) -> int:
    from immigrationos.site.setup import django_setup

    django_setup()
    from immigrationos.audit.chain import chain_anchor

    text = json.dumps(_read_log(chain_anchor), sort_keys=True) + "\n"
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote the audit chain head to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def _cmd_restrict_role(args: argparse.Namespace) -> int:
    from immigrationos.site.setup import django_setup

    django_setup()
    from django.db import connection

    from immigrationos.audit.errors import AuditError
    from immigrationos.audit.triggers import app_role_restrict

    if connection.vendor != "postgresql":
        raise AuditError(
            f"restrict-role needs PostgreSQL, but the store is {connection.vendor!r}; set "
            "DATABASE_URL to the PostgreSQL store and connect as the tables' owner"
        )
    try:
        restricted = _read_log(lambda: app_role_restrict(connection, role=args.role))
    except ValueError as exc:
        raise AuditError(str(exc)) from exc
    if not restricted:
        print(
            f"role {args.role!r} owns the audit tables, so revoking changes nothing; create a "
            "separate application role",
            file=sys.stderr,
        )
        return 1
    print(f"role {args.role!r} may now only SELECT and INSERT audit rows")
    return 0


def audit_parser_add(commands: Any) -> None:
    """Add ``audit verify``, ``audit anchor`` and ``audit restrict-role`` to the
    ``immigrationos`` subcommands."""
    audit = commands.add_parser(
        "audit", help="verify or anchor the audit log's hash chain, or restrict the app role"
    )
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")

    verify = actions.add_parser(
        "verify",
        help="walk the chain; exit 0 when whole, 1 naming the first broken event",
    )
    verify.add_argument(
        "--anchor",
        metavar="FILE",
        help="also check that the head recorded in FILE (by `audit anchor`) is unchanged",
    )
    verify.set_defaults(handler=_cmd_verify)

    anchor = actions.add_parser(
        "anchor", help="print the chain head (seq, hash, time) as JSON, to keep off the database"
    )
    anchor.add_argument("--out", metavar="FILE", help="write the JSON to FILE instead")
    anchor.set_defaults(handler=_cmd_anchor)

    restrict = actions.add_parser(
        "restrict-role",
        help="PostgreSQL: let ROLE only SELECT and INSERT audit rows; run as the tables' owner",
    )
    restrict.add_argument("role", metavar="ROLE", help="the application's database role")
    restrict.set_defaults(handler=_cmd_restrict_role)
