"""Measure the audit log: appending events to the hash chain and verifying the chain.

Run it against a throwaway data folder, because it writes real audit events that the
append-only triggers keep:

    IMMIGRATIONOS_HOME=/tmp/audit-bench python bench/audit.py --events 10000

With DATABASE_URL set it measures PostgreSQL instead of SQLite. It ends by printing one JSON
line with ``per_event_ms`` and ``verify_seconds``.
"""

from __future__ import annotations

import argparse
import json
import os
import time


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000, help="audit events to append")
    args = parser.parse_args()

    from immigrationos.site.setup import django_setup, migrate

    django_setup()
    migrate()
    from immigrationos.audit.chain import chain_verify
    from immigrationos.audit.services import audit_record

    started = time.perf_counter()
    for number in range(args.events):
        audit_record(
            request=None,
            action="bench_append",
            object_type="person",
            object_ids=[f"P{number}"],
            details={"number": number},
        )
    append_seconds = time.perf_counter() - started

    started = time.perf_counter()
    result = chain_verify()
    verify_seconds = time.perf_counter() - started

    figures = {
        "store": "postgresql" if os.environ.get("DATABASE_URL") else "sqlite",
        "events": args.events,
        "per_event_ms": round(append_seconds / args.events * 1000, 3),
        "verify_seconds": round(verify_seconds, 3),
        "events_checked": result.checked,
        "chain_whole": result.ok,
        "load_average_1min": round(os.getloadavg()[0], 2),
    }
    print(json.dumps(figures))
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
