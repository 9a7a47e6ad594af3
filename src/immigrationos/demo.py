"""The demo: a synthetic population run through the whole pipeline, then the web UI.

The demo starts from an empty staging store and, on the embedded default, an empty SQLite
operational store, so that a second ``make demo`` with another population size does not mix
two populations. It never touches a PostgreSQL database named by DATABASE_URL beyond
loading into it.
"""

from __future__ import annotations

import os
from datetime import date

from immigrationos import paths
from immigrationos.progress import TerminalProgress


def _reset_embedded_stores() -> None:
    targets = [paths.staging_path()]
    if not os.environ.get("DATABASE_URL"):
        targets.append(paths.operational_sqlite_path())
    for target in targets:
        for suffix in ("", ".wal", "-wal", "-shm", "-journal"):
            candidate = target.with_name(target.name + suffix)
            if candidate.exists():
                candidate.unlink()


def run_demo(
    *, persons: int, seed: int, as_of: date, host: str, port: int, serve_ui: bool = True
) -> int:
    """Generate ``persons`` synthetic persons, run the pipeline, create accounts and serve.

    Returns the process exit code: 1 when the pipeline failed, else 0 after the server stops.
    """
    from immigrationos.evaluation import evaluate, render_evaluation
    from immigrationos.pipeline import run_pipeline
    from immigrationos.synth.generator import generate

    home = paths.data_home()
    synth_dir = home / "synth"
    progress = TerminalProgress()
    print(f"ImmigrationOS demo: {persons:,} synthetic persons, seed {seed}, as of {as_of}")
    print(f"Data folder: {home}")
    _reset_embedded_stores()

    summary = generate(
        persons=persons,
        seed=seed,
        out_dir=synth_dir,
        profile="default",
        as_of=as_of,
        progress=progress,
    )
    print(summary.render())
    result = run_pipeline(extracts_dir=synth_dir / "extracts", as_of=as_of, progress=progress)
    if not result.ok:
        print("\n".join(result.reports))
    print(result.render())
    if not result.ok:
        return 1

    from immigrationos import staging

    con = staging.connect(paths.staging_path(), read_only=True)
    try:
        print(render_evaluation(evaluate(con=con, truth_dir=synth_dir / "truth")))
    finally:
        con.close()

    from immigrationos.events.demo_feed import demo_feed_start
    from immigrationos.web.accounts import demo_accounts_create

    inbox = home / "events" / "inbox"
    if serve_ui:
        backfill = demo_feed_start(extracts_dir=synth_dir / "extracts", inbox=inbox, seed=seed)
        print(
            f"\nDeparture feed: {backfill} events from the last hour, then new events every "
            f"few seconds, dropped into {inbox} and applied by the drop-folder watcher."
        )

    accounts = demo_accounts_create()
    print("\nDemo accounts (passwords, and the partner's API token, are shown only now):")
    for username, password in accounts.items():
        print(f"  {username:<16} {password}")
    if not serve_ui:
        return 0

    from immigrationos.site.serve import serve

    serve(host=host, port=port)
    return 0
