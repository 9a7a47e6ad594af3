"""The ``immigrationos`` command.

Each subcommand parses its arguments, calls one service and prints its report. Imports are
made inside the handlers so that ``immigrationos --help`` stays fast and a pure command
(``synth``) never loads Django.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from immigrationos.progress import TerminalProgress

DEFAULT_SEED = 20261204


def _as_of(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"invalid date {value!r}: expected YYYY-MM-DD, for example 2026-12-04"
        ) from exc


def _cmd_synth(args: argparse.Namespace) -> int:
    from immigrationos.synth.generator import generate

    summary = generate(
        persons=args.persons,
        seed=args.seed,
        out_dir=Path(args.out),
        profile=args.profile,
        as_of=args.as_of,
        progress=TerminalProgress(),
    )
    print(summary.render())
    return 0


def _cmd_synth_events(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from immigrationos.synth.events import EventOptions, events_generate, events_write
    from immigrationos.synth.travellers import population_read

    population = population_read(extracts_dir=Path(args.extracts))
    options = EventOptions(
        count=args.count,
        seed=args.seed,
        start=args.start,
        interval=timedelta(seconds=args.interval),
        unknown_share=args.unknown_share,
        arrival_share=args.arrival_share,
        defect_rate=args.defect_rate,
    )
    generated = events_generate(population=population, options=options)
    truth = Path(args.truth) if args.truth else None
    events_write(generated=generated, out=Path(args.out), truth=truth)
    print(generated.summary())
    print(f"written to {args.out}" + (f", truth to {args.truth}" if args.truth else ""))
    return 0


def _instant(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise argparse.ArgumentTypeError(
            f"invalid time {value!r}: expected ISO 8601 with a UTC offset, for example "
            "2026-12-04T08:00:00+00:00"
        )
    return parsed


def _share(value: str) -> float:
    try:
        share = float(value)
    except ValueError:
        share = -1.0
    if not 0.0 <= share <= 1.0:
        raise argparse.ArgumentTypeError(f"invalid share {value!r}: expected 0 to 1")
    return share


def _cmd_ingest(args: argparse.Namespace) -> int:
    from immigrationos import paths, staging
    from immigrationos.sources.ingest import ingest_directory

    con = staging.connect(paths.staging_path())
    report = ingest_directory(con=con, extracts_dir=Path(args.dir), progress=TerminalProgress())
    print(report.render())
    return 0 if report.ok else 1


def _quarantine_export_audit(*, path: str, source: str | None, total: int) -> None:
    import getpass

    from immigrationos.site.setup import django_setup

    # The audit models need Django's settings, so they are imported after the set-up.
    django_setup()
    from immigrationos.audit.services import audit_record

    audit_record(
        request=None,
        username=getpass.getuser(),
        action="quarantine_export",
        object_type="quarantine",
        details={"file": str(Path(path).resolve()), "source": source or "", "entries": total},
    )


def _cmd_quarantine(args: argparse.Namespace) -> int:
    from immigrationos import paths, staging
    from immigrationos.sources.contracts import CONTRACTS
    from immigrationos.sources.quarantine import quarantine_csv_write, quarantine_list

    if args.source is not None and args.source not in CONTRACTS:
        print(
            f"error: unknown source {args.source!r}; use one of {', '.join(CONTRACTS)}",
            file=sys.stderr,
        )
        return 2

    con = staging.connect(paths.staging_path(), read_only=True)
    try:
        limit = None if args.csv else args.limit
        total, entries = quarantine_list(con=con, source=args.source, limit=limit)
    finally:
        con.close()
    if args.csv:
        # The entries carry rejected values (A-numbers, dates of birth), so the export is
        # audited before the file is written; a failed audit write stops it.
        _quarantine_export_audit(path=args.csv, source=args.source, total=total)
        with Path(args.csv).open("w", encoding="utf-8", newline="") as out:
            quarantine_csv_write(entries=entries, out=out)
        print(f"{total:,} quarantine entries written to {args.csv}")
        return 0
    for entry in entries:
        # Row reasons already start with the file, row and line; file reasons do not.
        if entry.reason.startswith(f"{entry.file} "):
            print(entry.reason)
            continue
        where = f"{entry.file} line {entry.line}" if entry.line else entry.file
        print(f"{where}: {entry.reason}")
    shown = len(entries)
    noun = "entry" if total == 1 else "entries"
    print(f"{total:,} quarantine {noun}" + (f", first {shown:,} shown" if shown < total else ""))
    return 0


def _cmd_link(args: argparse.Namespace) -> int:
    from immigrationos import paths, staging
    from immigrationos.linkage.incremental import link_run
    from immigrationos.pipeline import review_constraints_export

    con = staging.connect(paths.staging_path())
    # Reviewer decisions live in the operational store; linkage reads them from staging.
    review_constraints_export(con)
    mode = "auto"
    if args.incremental:
        mode = "incremental"
    elif args.full:
        mode = "full"
    report = link_run(con=con, progress=TerminalProgress(), mode=mode)
    print(report.render())
    return 0


def _cmd_derive(args: argparse.Namespace) -> int:
    from immigrationos import paths, staging
    from immigrationos.status.derive import derive_all

    con = staging.connect(paths.staging_path())
    report = derive_all(
        con=con, as_of=args.as_of, progress=TerminalProgress(), workers=args.workers
    )
    print(report.render())
    return 0


def _cmd_report_overstay(args: argparse.Namespace) -> int:
    from immigrationos import paths, staging
    from immigrationos.status.report import report_csv, report_json, report_text
    from immigrationos.status.report_query import overstay_report_build

    con = staging.connect(paths.staging_path(), read_only=True)
    try:
        report = overstay_report_build(con=con, fy=args.fy)
    finally:
        con.close()
    if args.csv:
        Path(args.csv).write_text(report_csv(report), encoding="utf-8", newline="")
        print(f"overstay report FY{report.fy} written to {args.csv}")
        return 0
    print(json.dumps(report_json(report), sort_keys=True) if args.json else report_text(report))
    return 0


def _cmd_prioritise(args: argparse.Namespace) -> int:
    from immigrationos import paths, staging
    from immigrationos.policy.prioritise import prioritise_all

    con = staging.connect(paths.staging_path())
    policy = Path(args.policy) if args.policy else None
    report = prioritise_all(con=con, policy_path=policy, progress=TerminalProgress())
    print(report.render())
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from immigrationos.pipeline import run_pipeline

    result = run_pipeline(
        extracts_dir=Path(args.input), as_of=args.as_of, progress=TerminalProgress()
    )
    for report in result.reports:
        print(report)
    print(result.render())
    return 0 if result.ok else 1


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from immigrationos import paths, staging
    from immigrationos.evaluation import evaluate, render_evaluation

    if args.dataset:
        from immigrationos.linkage.benchmarks.febrl import febrl_evaluate, febrl_render

        result = febrl_evaluate(name=args.dataset)
        print(json.dumps(result, sort_keys=True) if args.json else febrl_render(result))
        return 0
    con = staging.connect(paths.staging_path(), read_only=True)
    figures = evaluate(con=con, truth_dir=Path(args.truth))
    print(json.dumps(figures, sort_keys=True) if args.json else render_evaluation(figures))
    return 0


def _cmd_serve(args: argparse.Namespace) -> int:
    from immigrationos.site.serve import serve

    serve(host=args.host, port=args.port)
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from immigrationos.demo import run_demo

    return run_demo(
        persons=args.persons,
        seed=args.seed,
        as_of=args.as_of,
        host=args.host,
        port=args.port,
        serve_ui=not args.no_serve,
    )


def _cmd_manage(args: argparse.Namespace) -> int:
    from immigrationos.site.setup import manage

    return manage(args.rest)


def _cmd_stream(args: argparse.Namespace) -> int:
    from immigrationos.site.setup import django_setup

    django_setup()
    from immigrationos.events.stream import StreamSettings

    if args.replay:
        from immigrationos.events.replay import replay_run

        replayed = replay_run(
            path=Path(args.replay),
            rate=args.rate,
            settings=StreamSettings.from_settings(url=args.nats),
            keep_sent_at=args.keep_sent_at,
        )
        print(replayed.render())
        return 0
    if args.drop_dir:
        from immigrationos.events.filedrop import drop_watch
        from immigrationos.events.stream import store_check

        drop_dir = Path(args.drop_dir)
        if drop_dir.is_dir():
            # Checked after the folder, so that a mistyped folder is named first.
            store_check()
        dropped = drop_watch(directory=drop_dir, batch=args.batch, idle_exit=args.idle_exit)
        print(dropped.render())
        return 0

    from immigrationos.events.stream import ConsumeOptions, stream_consume

    consumed = stream_consume(
        settings=StreamSettings.from_settings(url=args.nats),
        options=ConsumeOptions(
            batch=args.batch,
            idle_exit=args.idle_exit,
            max_events=args.max_events,
            log_every=args.log_every,
        ),
    )
    print(consumed.render())
    return 0


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"invalid count {value!r}: expected a whole number >= 1")
    return number


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not number > 0:
        raise argparse.ArgumentTypeError(f"invalid value {value!r}: expected a number above 0")
    return number


def _stream_parser_add(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stream = commands.add_parser(
        "stream",
        help="apply departure and arrival events from NATS JetStream or a drop folder, "
        "or replay an event file onto the stream",
        description="By default, consume the events stream (IMMIGRATIONOS_EVENTS_STREAM, "
        "subject IMMIGRATIONOS_EVENTS_SUBJECT) with the durable consumer "
        "IMMIGRATIONOS_EVENTS_DURABLE, acknowledging each event after its effects commit. "
        "See docs/events.md.",
    )
    mode = stream.add_mutually_exclusive_group()
    mode.add_argument(
        "--drop-dir",
        metavar="DIR",
        help="watch DIR for *.jsonl and *.json event files instead of consuming the stream",
    )
    mode.add_argument(
        "--replay",
        metavar="FILE",
        help="publish the events of this JSON Lines file to the stream, then exit",
    )

    stream.add_argument(
        "--nats", metavar="URL", help="NATS server address (default: IMMIGRATIONOS_NATS_URL)"
    )
    stream.add_argument(
        "--batch",
        type=_positive_int,
        default=50,
        help="events applied per database transaction (default 50)",
    )
    stream.add_argument(
        "--idle-exit",
        type=_positive_float,
        metavar="SECONDS",
        help="exit after this many seconds without an event (default: run until stopped)",
    )
    stream.add_argument(
        "--max-events",
        type=_positive_int,
        metavar="N",
        help="exit after N stream messages (default: no limit)",
    )
    stream.add_argument(
        "--log-every",
        type=_positive_float,
        default=10.0,
        metavar="SECONDS",
        help="seconds between two summary lines in the log (default 10)",
    )

    stream.add_argument(
        "--rate",
        type=_positive_float,
        default=100.0,
        help="with --replay: events published per second (default 100)",
    )
    stream.add_argument(
        "--keep-sent-at",
        action="store_true",
        help="with --replay: keep each event's recorded sent_at instead of the publish time",
    )
    stream.set_defaults(handler=_cmd_stream)


def _port(value: str) -> int:
    try:
        port = int(value)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"invalid port {value!r}: expected 1 to 65535")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="immigrationos",
        description="Ingest source extracts, resolve identities, derive status, prioritise "
        "and manage cases. State lives under IMMIGRATIONOS_HOME (default ./var).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    today = date.today()

    synth = commands.add_parser("synth", help="generate a synthetic population and extracts")
    synth.add_argument("--persons", type=int, default=20_000, help="number of persons")
    synth.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    synth.add_argument("--out", required=True, help="output folder (extracts/ and truth/)")
    synth.add_argument(
        "--profile",
        default="default",
        choices=("default", "hard", "clean"),
        help="defect rates: default, hard (every defect raised) or clean",
    )
    synth.add_argument(
        "--as-of", type=_as_of, default=today, help="as-of date, YYYY-MM-DD (default: today)"
    )
    synth.set_defaults(handler=_cmd_synth)

    synth_events = commands.add_parser(
        "synth-events",
        help="generate departure and arrival events of a synthetic population (JSON Lines)",
    )
    synth_events.add_argument(
        "--extracts", required=True, help="the extracts/ folder that synth wrote (truth/ beside)"
    )
    synth_events.add_argument("--out", required=True, help="JSON Lines file to write")
    synth_events.add_argument("--count", type=int, required=True, help="number of events")
    synth_events.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    synth_events.add_argument(
        "--start",
        type=_instant,
        help="time of the first event, ISO 8601 with offset (default: so that the last "
        "event falls at midnight UTC of the population's as-of date)",
    )
    synth_events.add_argument(
        "--interval", type=float, default=30.0, help="mean seconds between events (default 30)"
    )
    synth_events.add_argument(
        "--unknown-share",
        type=_share,
        default=0.1,
        help="share of departures by persons unknown to the store (default 0.1)",
    )
    synth_events.add_argument(
        "--arrival-share", type=_share, default=0.15, help="share of arrivals (default 0.15)"
    )
    synth_events.add_argument(
        "--defect-rate",
        type=_share,
        default=0.2,
        help="share of events with one identity defect (default 0.2)",
    )
    synth_events.add_argument(
        "--truth", help="also write event_id, true person_id, role and defect to this CSV file"
    )
    synth_events.set_defaults(handler=_cmd_synth_events)

    ingest = commands.add_parser("ingest", help="validate and stage the extracts in DIR")
    ingest.add_argument("dir", help="folder containing <source>.csv extracts")
    ingest.set_defaults(handler=_cmd_ingest)

    quarantine = commands.add_parser(
        "quarantine", help="list the rows and fields that ingest put in quarantine"
    )
    quarantine.add_argument("--source", help="only this source, for example visas")
    quarantine.add_argument(
        "--limit", type=int, default=100, help="number of entries to print (default 100)"
    )
    quarantine.add_argument("--csv", help="write every entry to this CSV file instead")
    quarantine.set_defaults(handler=_cmd_quarantine)

    link = commands.add_parser("link", help="link staged records into persons")
    link_mode = link.add_mutually_exclusive_group()
    link_mode.add_argument(
        "--incremental",
        action="store_true",
        help="link only records staged since the last run, with its saved model; fail when "
        "that is not possible (default: incremental when possible, else full)",
    )
    link_mode.add_argument(
        "--full", action="store_true", help="retrain and re-link every staged record"
    )
    link.set_defaults(handler=_cmd_link)

    derive = commands.add_parser("derive", help="derive each person's status")
    derive.add_argument(
        "--as-of", type=_as_of, default=today, help="as-of date, YYYY-MM-DD (default: today)"
    )
    derive.add_argument(
        "--workers",
        type=int,
        help="worker processes (default: one per usable CPU, one for small populations)",
    )
    derive.set_defaults(handler=_cmd_derive)

    report = commands.add_parser("report", help="print a report over the derived statuses")
    reports = report.add_subparsers(dest="report", required=True, metavar="REPORT")
    overstay = reports.add_parser(
        "overstay",
        help="the DHS Entry/Exit Overstay Report tables for a fiscal-year cohort",
    )
    overstay.add_argument(
        "--fy", type=int, required=True, help="fiscal year, for example 2024 (Oct 2023-Sep 2024)"
    )
    overstay_output = overstay.add_mutually_exclusive_group()
    overstay_output.add_argument("--csv", help="write the tables to this CSV file instead")
    overstay_output.add_argument("--json", action="store_true", help="print one JSON object")
    overstay.set_defaults(handler=_cmd_report_overstay)

    prioritise = commands.add_parser("prioritise", help="score persons against the policy")
    prioritise.add_argument("--policy", help="policy YAML file (default: the packaged policy)")
    prioritise.set_defaults(handler=_cmd_prioritise)

    run = commands.add_parser("run", help="ingest, link, derive, prioritise and load cases")
    run.add_argument("--input", required=True, help="folder containing <source>.csv extracts")
    run.add_argument(
        "--as-of", type=_as_of, default=today, help="as-of date, YYYY-MM-DD (default: today)"
    )
    run.set_defaults(handler=_cmd_run)

    evaluate = commands.add_parser("evaluate", help="compare the last run with ground truth")
    evaluate_input = evaluate.add_mutually_exclusive_group(required=True)
    evaluate_input.add_argument("--truth", help="the truth/ folder written by synth")
    evaluate_input.add_argument(
        "--dataset",
        choices=("febrl4", "febrl3"),
        help="link a FEBRL data set with ImmigrationOS's approach and a splink baseline "
        "instead of evaluating the last run",
    )
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")
    evaluate.set_defaults(handler=_cmd_evaluate)

    serve = commands.add_parser("serve", help="serve the web UI")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    serve.set_defaults(handler=_cmd_serve)

    demo = commands.add_parser("demo", help="synth, run, create demo accounts and serve")
    demo.add_argument("--persons", type=int, default=20_000, help="number of persons")
    demo.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
    demo.add_argument(
        "--as-of", type=_as_of, default=today, help="as-of date, YYYY-MM-DD (default: today)"
    )
    demo.add_argument("--host", default="127.0.0.1", help="address to listen on")
    demo.add_argument("--port", type=_port, default=8000, help="TCP port (default 8000)")
    demo.add_argument("--no-serve", action="store_true", help="stop after loading the data")
    demo.set_defaults(handler=_cmd_demo)

    _stream_parser_add(commands)

    manage = commands.add_parser("manage", help="run a Django management command")
    manage.add_argument("rest", nargs=argparse.REMAINDER)
    manage.set_defaults(handler=_cmd_manage)

    from immigrationos.audit.cli import audit_parser_add
    from immigrationos.cases.cli import cases_parser_add
    from immigrationos.privacy.cli import retention_parser_add

    audit_parser_add(commands)
    retention_parser_add(commands, as_of_type=_as_of)
    cases_parser_add(commands, as_of_type=_as_of)
    return parser


def _user_errors() -> tuple[type[Exception], ...]:
    """Return each package's root error, whose messages are written for the user."""
    from immigrationos.audit.errors import AuditError
    from immigrationos.cases.errors import CasesError
    from immigrationos.evaluation import EvaluationError
    from immigrationos.events.errors import EventsError
    from immigrationos.linkage.errors import LinkageError
    from immigrationos.policy.errors import PolicyError
    from immigrationos.privacy.errors import PrivacyError
    from immigrationos.sources.errors import SourceError
    from immigrationos.status.errors import StatusError
    from immigrationos.synth.errors import SynthError

    return (
        AuditError,
        PrivacyError,
        CasesError,
        EvaluationError,
        EventsError,
        LinkageError,
        PolicyError,
        SourceError,
        StatusError,
        SynthError,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return the process exit code.

    An error raised for bad input or configuration, a file that cannot be written and a
    staging store locked by another process are printed as one message, without a
    traceback, and the exit code is 2.
    """
    import duckdb

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args))
    except _user_errors() as exc:
        print(f"immigrationos {args.command}: {exc}", file=sys.stderr)
        return 2
    except duckdb.IOException as exc:
        print(
            f"immigrationos {args.command}: cannot open the staging store: {exc}. If another "
            "immigrationos command is running on the same data folder, wait for it to finish.",
            file=sys.stderr,
        )
        return 2
    except OSError as exc:
        print(f"immigrationos {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
