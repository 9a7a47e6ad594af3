"""Measure the search, person and case pages under load from concurrent signed-in users.

    python bench/web_load.py --users 20 --seconds 60

The script fills a PostgreSQL database of its own through the real path (``immigrationos
synth``, then ``immigrationos run``). The default policy gives only about 8% of the persons a
tier, so it then opens lead cases for other unprotected persons until the store contains
--cases. It creates one officer account per simulated user, starts the project's waitress
server on 127.0.0.1 with DEBUG off, and runs the users as threads of this process. Each user
signs in through the sign-in form, chooses the purpose of use ``case_work`` and then loops:
search, open the person page, open the case page, with a think time drawn uniformly from
--think-min to --think-max seconds before each request. Requests that start during the
warm-up are left out of the figures. Progress goes to stderr; the last line on stdout is one
JSON object with ``p95_ms`` per page.

Officers see only their office's cases, so each user works in one office and draws its
persons and cases from that office. Search queries are drawn from the same persons: 40% by
name, 20% each by date of birth, A-number and passport number.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

AS_OF = "2026-12-04"
HOST = "127.0.0.1"
PAGES = ("search", "person", "case")
PURPOSE = "case_work"
TARGET_P95_MS = 150.0
USERNAME_PREFIX = "bench_officer_"
# Share of searches by each query kind.
QUERY_KIND_WEIGHTS = {"name": 0.4, "dob": 0.2, "a_number": 0.2, "passport": 0.2}
# Persons (each with a case) drawn per office for the users of that office.
SAMPLE_PER_OFFICE = 2_000
SERVER_START_TIMEOUT_SECONDS = 120.0
REQUEST_TIMEOUT_SECONDS = 30.0
_CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# Database: fill, reuse and sample.


def _admin_url(database_url: str) -> str:
    """Return the URL of the server's ``postgres`` database, for CREATE and DROP DATABASE."""
    parts = urllib.parse.urlsplit(database_url)
    return urllib.parse.urlunsplit(parts._replace(path="/postgres"))


def _database_name(database_url: str) -> str:
    return urllib.parse.urlsplit(database_url).path.lstrip("/")


def database_exists(database_url: str) -> bool:
    with psycopg.connect(_admin_url(database_url), autocommit=True) as con:
        row = con.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [_database_name(database_url)]
        ).fetchone()
    return row is not None


def database_recreate(database_url: str) -> None:
    name = _database_name(database_url)
    with psycopg.connect(_admin_url(database_url), autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        con.execute(f'CREATE DATABASE "{name}"')


def database_drop(database_url: str) -> None:
    name = _database_name(database_url)
    with psycopg.connect(_admin_url(database_url), autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_counts(database_url: str) -> tuple[int, int]:
    """Return (persons, cases) in the operational store, or (0, 0) before its migration."""
    with psycopg.connect(database_url) as con:
        tables = con.execute(
            "SELECT count(*) FROM pg_tables WHERE tablename IN ('cases_person', 'cases_case')"
        ).fetchone()
        if tables is None or tables[0] < 2:
            return 0, 0
        persons = con.execute("SELECT count(*) FROM cases_person").fetchone()
        cases = con.execute("SELECT count(*) FROM cases_case").fetchone()
    return (persons[0] if persons else 0), (cases[0] if cases else 0)


def _command_run(command: Sequence[str], *, env: dict[str, str]) -> float:
    """Run ``command`` with its output on stderr and return its wall time in seconds."""
    _log("$ " + " ".join(command))
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=sys.stderr, stderr=sys.stderr)
    return time.perf_counter() - started


def database_fill(args: argparse.Namespace, *, env: dict[str, str]) -> dict[str, float]:
    """Generate the population, load it through the pipeline and return seconds per step."""
    workdir = Path(args.workdir)
    for stale in ("home", "synth"):
        shutil.rmtree(workdir / stale, ignore_errors=True)
    (workdir / "home").mkdir(parents=True)
    database_recreate(args.database_url)
    cli = [sys.executable, "-m", "immigrationos.cli"]
    synth_seconds = _command_run(
        [
            *cli,
            "synth",
            "--persons",
            str(args.persons),
            "--seed",
            str(args.seed),
            "--out",
            str(workdir / "synth"),
            "--as-of",
            AS_OF,
        ],
        env=env,
    )
    run_seconds = _command_run(
        [*cli, "run", "--input", str(workdir / "synth" / "extracts"), "--as-of", AS_OF],
        env=env,
    )
    return {"synth": round(synth_seconds, 1), "run": round(run_seconds, 1)}


def cases_top_up(args: argparse.Namespace, *, env: dict[str, str]) -> float | None:
    """Open cases until the store contains --cases and return the seconds, or None if none."""
    _persons, cases = database_counts(args.database_url)
    if cases >= args.cases:
        return None
    _log(f"the store holds {cases:,} cases; opening {args.cases - cases:,} more")
    command = [sys.executable, __file__, "--extra-cases", str(args.cases - cases)]
    seconds = _command_run([*command, "--seed", str(args.seed)], env=env)
    return round(seconds, 1)


@dataclass(frozen=True)
class Target:
    """One person with a case in an office, and the values a user may search them by."""

    case_id: int
    person_id: str
    name: str
    dob: str
    a_number: str
    passport: str


def _first_string(values: Any, key: str) -> str:
    """Return the first identifier in a JSON list of strings or of objects with ``key``."""
    for value in values or []:
        if isinstance(value, str) and value:
            return value
        if isinstance(value, dict) and value.get(key):
            return str(value[key])
    return ""


def targets_sample(database_url: str, *, seed: int) -> dict[str, list[Target]]:
    """Return up to SAMPLE_PER_OFFICE persons with a case per office, largest office first."""
    rows_by_office: dict[str, list[Target]] = {}
    with psycopg.connect(database_url) as con:
        rows = con.execute(
            "SELECT c.office_id, c.id, p.person_id, p.given_name, p.family_name, p.dob, "
            "p.a_numbers, p.passports FROM cases_case c "
            "JOIN cases_person p ON p.person_id = c.person_id ORDER BY c.id"
        ).fetchall()
    for office, case_id, person_id, given, family, dob, a_numbers, passports in rows:
        rows_by_office.setdefault(office, []).append(
            Target(
                case_id=case_id,
                person_id=person_id,
                name=f"{given} {family}".strip(),
                dob=dob.isoformat() if dob else "",
                a_number=_first_string(a_numbers, "a_number"),
                passport=_first_string(passports, "number"),
            )
        )
    rng = random.Random(seed)
    sampled: dict[str, list[Target]] = {}
    for office in sorted(rows_by_office, key=lambda code: -len(rows_by_office[code])):
        targets = rows_by_office[office]
        sampled[office] = rng.sample(targets, min(SAMPLE_PER_OFFICE, len(targets)))
    return sampled


# Accounts, made in a child process through the project's own helpers.


def accounts_create(offices: list[str]) -> dict[str, str]:
    """Create or reset one officer per entry of ``offices`` and return username -> password.

    Runs inside Django (the ``--accounts`` mode), with DATABASE_URL naming the bench store.
    """
    from immigrationos.site.setup import django_setup

    django_setup()
    from django.contrib.auth import get_user_model

    from immigrationos.access.policy import OFFICER
    from immigrationos.access.roles import user_role_assign

    user_model = get_user_model()
    passwords: dict[str, str] = {}
    for number, office in enumerate(offices, start=1):
        username = f"{USERNAME_PREFIX}{number:02d}"
        user, _ = user_model.objects.get_or_create(username=username)
        password = secrets.token_urlsafe(16)
        user.set_password(password)
        user.is_active = True
        user.save()
        user_role_assign(user=user, role=OFFICER, office_code=office)
        passwords[username] = password
    return passwords


def extra_cases_open(count: int, *, seed: int) -> int:
    """Open ``count`` more lead cases for unprotected persons without one and count them.

    Runs inside Django (the ``--extra-cases`` mode), with DATABASE_URL and IMMIGRATIONOS_HOME
    naming the filled stores. The default policy gives about 8% of a synthetic population a
    tier, so 100,000 persons yield about 8,000 cases. The extra cases go through the
    pipeline's own case-opening code, routed to offices from the staging store like the
    pipeline's cases.
    """
    from immigrationos.site.setup import django_setup

    django_setup()
    from django.db import transaction
    from django.utils import timezone

    from immigrationos import paths, staging
    from immigrationos.cases import cases_open, snapshot
    from immigrationos.cases.models import Person

    candidates = sorted(
        Person.objects.filter(
            protected=False, superseded=False, merged_into="", cases__isnull=True
        ).values_list("person_id", flat=True)
    )
    chosen = random.Random(seed).sample(candidates, min(count, len(candidates)))
    con = staging.connect(paths.staging_path(), read_only=True)
    try:
        hints = snapshot.office_hints_read(con)
    finally:
        con.close()
    rows = [
        snapshot.PersonRow(
            person_id=person_id,
            enforcement_aor=hints.get(person_id, (None, None))[0],
            arrival_port=hints.get(person_id, (None, None))[1],
        )
        for person_id in chosen
    ]
    # NOTE: these cases carry tier 3, the lowest tier of the default policy, although their
    # persons have no tier. They exist only to give the pages the number of cases to load.
    priorities: dict[str, dict[str, Any]] = {person_id: {"tier": 3} for person_id in chosen}
    with transaction.atomic():
        return cases_open.leads_open(
            rows, priorities=priorities, run_id="bench-web-load", now=timezone.now()
        )


# Server.


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
    return port


def server_start(*, env: dict[str, str], port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``immigrationos serve`` on HOST:port and wait until /healthz returns 200."""
    command = [sys.executable, "-m", "immigrationos.cli", "serve", "--host", HOST]
    command += ["--port", str(port)]
    _log("$ " + " ".join(command) + f"  (log: {log_path})")
    log = log_path.open("wb")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + SERVER_START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server exited with code {server.returncode}; see {log_path}")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                return server
        except OSError:
            pass
        time.sleep(0.5)
    server.terminate()
    raise SystemExit(
        f"the server's /healthz did not return 200 within "
        f"{SERVER_START_TIMEOUT_SECONDS:.0f} s; see {log_path}"
    )


def process_cpu_seconds(pid: int) -> float:
    """Return user plus system CPU seconds used so far by process ``pid`` (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15 of /proc/PID/stat, in clock ticks.
    ticks = int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


# Simulated users.


@dataclass(frozen=True)
class Sample:
    """One timed page request."""

    page: str
    started: float
    ms: float
    status: int


class BrowserSession:
    """One keep-alive HTTP connection with the cookies a browser would send back."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_SECONDS)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        """Send one request and return (status, body); a failed connection gives status 0."""
        headers = {"Host": f"{HOST}:{self.port}", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            text = response.read().decode("utf-8", errors="replace")
        except (OSError, http.client.HTTPException):
            # The next request opens a new connection.
            self.connection.close()
            return 0, ""
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, text

    def close(self) -> None:
        self.connection.close()


def _csrf_token(page: str, *, path: str) -> str:
    match = _CSRF_INPUT.search(page)
    if match is None:
        raise RuntimeError(f"no CSRF token in the form of {path}")
    return match.group(1)


def sign_in(session: BrowserSession, *, username: str, password: str) -> None:
    """Sign in through /login/ and choose the purpose of use; raise RuntimeError on failure."""
    status, page = session.request("GET", "/login/")
    if status != 200:
        raise RuntimeError(f"GET /login/ returned {status}")
    form = {
        "username": username,
        "password": password,
        "csrfmiddlewaretoken": _csrf_token(page, path="/login/"),
        "next": "/search/",
    }
    status, _ = session.request("POST", "/login/", form)
    if status != 302:
        raise RuntimeError(f"sign-in of {username} returned {status}, expected 302")
    # Django rotates the CSRF token at sign-in, so the purpose form carries a new one.
    status, page = session.request("GET", "/purpose/?next=/search/")
    if status != 200:
        raise RuntimeError(f"GET /purpose/ returned {status} for {username}")
    form = {
        "purpose": PURPOSE,
        "next": "/search/",
        "csrfmiddlewaretoken": _csrf_token(page, path="/purpose/"),
    }
    status, _ = session.request("POST", "/purpose/", form)
    if status != 302:
        raise RuntimeError(f"choosing purpose {PURPOSE} for {username} returned {status}")


def search_query(target: Target, rng: random.Random) -> str:
    """Draw a query kind by QUERY_KIND_WEIGHTS and return the target's value of that kind."""
    kinds = list(QUERY_KIND_WEIGHTS)
    kind = rng.choices(kinds, weights=[QUERY_KIND_WEIGHTS[k] for k in kinds])[0]
    values = {
        "name": target.name,
        "dob": target.dob,
        "a_number": target.a_number,
        "passport": target.passport,
    }
    # A person without the drawn identifier is searched by name instead.
    return values[kind] or target.name


@dataclass
class UserRun:
    """The timed requests and the sign-in failure of one simulated user."""

    username: str
    samples: list[Sample] = field(default_factory=list)
    failure: str = ""


def user_loop(
    run: UserRun,
    *,
    port: int,
    password: str,
    targets: list[Target],
    think: tuple[float, float],
    seed: int,
    stop: threading.Event,
) -> None:
    """Sign in, then search, open the person and open the case until ``stop`` is set."""
    rng = random.Random(seed)
    session = BrowserSession(port)
    try:
        # Users start within the first two seconds, not all in the same instant.
        if stop.wait(rng.uniform(0, 2)):
            return
        sign_in(session, username=run.username, password=password)
        while not stop.is_set():
            target = rng.choice(targets)
            query = urllib.parse.urlencode({"q": search_query(target, rng)})
            steps = (
                ("search", f"/search/?{query}"),
                ("person", f"/persons/{urllib.parse.quote(target.person_id)}/"),
                ("case", f"/cases/{target.case_id}/"),
            )
            for page, path in steps:
                if stop.wait(rng.uniform(*think)):
                    return
                started = time.monotonic()
                status, _ = session.request("GET", path)
                elapsed_ms = (time.monotonic() - started) * 1000
                run.samples.append(Sample(page=page, started=started, ms=elapsed_ms, status=status))
    except RuntimeError as exc:
        run.failure = str(exc)
    finally:
        session.close()


def load_run(
    *,
    port: int,
    accounts: dict[str, tuple[str, list[Target]]],
    think: tuple[float, float],
    warmup: float,
    seconds: float,
    seed: int,
    server_pid: int,
) -> dict[str, Any]:
    """Run every user for warm-up plus ``seconds`` and return the figures of the measured part."""
    stop = threading.Event()
    runs = [UserRun(username=username) for username in accounts]
    threads = []
    for number, run in enumerate(runs):
        password, targets = accounts[run.username]
        thread = threading.Thread(
            target=user_loop,
            name=run.username,
            args=(run,),
            kwargs={
                "port": port,
                "password": password,
                "targets": targets,
                "think": think,
                "seed": seed * 1000 + number,
                "stop": stop,
            },
        )
        threads.append(thread)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    _log(f"{len(threads)} users started; warm-up {warmup:.0f} s, then {seconds:.0f} s measured")
    time.sleep(warmup)
    window_start = time.monotonic()
    cpu_start = process_cpu_seconds(server_pid)
    load_start = os.getloadavg()[0]
    time.sleep(seconds)
    window_end = time.monotonic()
    cpu_end = process_cpu_seconds(server_pid)
    stop.set()
    for thread in threads:
        thread.join()
    _log(f"load finished after {time.monotonic() - started:.1f} s")

    failures = {run.username: run.failure for run in runs if run.failure}
    measured = [
        sample
        for run in runs
        for sample in run.samples
        if window_start <= sample.started < window_end
    ]
    figures = figures_compute(measured)
    figures["sign_in_failures"] = failures
    # CPU seconds of the server process per measured second: 1.0 is one core busy.
    figures["server_cpu_share"] = round((cpu_end - cpu_start) / (window_end - window_start), 2)
    figures["load_average_1min"] = [round(load_start, 2), round(os.getloadavg()[0], 2)]
    return figures


def _percentile(values: list[float], percent: int) -> float:
    """Return the ``percent`` percentile, interpolated between the closest ranks."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]


def figures_compute(samples: list[Sample]) -> dict[str, Any]:
    """Return percentiles of the successful requests and counts per page, with errors."""
    figures: dict[str, Any] = {
        "p50_ms": {},
        "p95_ms": {},
        "p99_ms": {},
        "max_ms": {},
        "requests": {},
        "errors": 0,
        "errors_by_status": {},
    }
    for page in PAGES:
        on_page = [sample for sample in samples if sample.page == page]
        ok = sorted(sample.ms for sample in on_page if sample.status == 200)
        figures["requests"][page] = len(on_page)
        for sample in on_page:
            if sample.status != 200:
                figures["errors"] += 1
                key = f"{page} {sample.status}"
                figures["errors_by_status"][key] = figures["errors_by_status"].get(key, 0) + 1
        if not ok:
            for name in ("p50_ms", "p95_ms", "p99_ms", "max_ms"):
                figures[name][page] = None
            continue
        figures["p50_ms"][page] = round(_percentile(ok, 50), 1)
        figures["p95_ms"][page] = round(_percentile(ok, 95), 1)
        figures["p99_ms"][page] = round(_percentile(ok, 99), 1)
        figures["max_ms"][page] = round(ok[-1], 1)
    return figures


# Orchestration.


def _child_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env["IMMIGRATIONOS_HOME"] = str(Path(args.workdir) / "home")
    env["DATABASE_URL"] = args.database_url
    env["IMMIGRATIONOS_CASE_OPEN_MAX_TIER"] = str(args.max_tier)
    env["IMMIGRATIONOS_DB_CONN_MAX_AGE"] = str(args.conn_max_age)
    env.pop("IMMIGRATIONOS_DEBUG", None)
    return env


def data_prepare(args: argparse.Namespace, *, env: dict[str, str]) -> dict[str, float]:
    """Reuse the database under --keep when it contains the persons, else fill it anew.

    Then opens cases up to --cases. Returns the seconds of each step taken. An empty result
    means that the data was reused as it was.
    """
    figures: dict[str, float] = {}
    persons = 0
    if args.keep and database_exists(args.database_url):
        persons, cases = database_counts(args.database_url)
        _log(f"{args.database_url} holds {persons:,} persons and {cases:,} cases")
    # Linkage leaves some records of one true person apart, so the count of persons differs
    # a little from the number generated. A count within 5% is taken as the same population.
    if not 0.95 * args.persons <= persons <= 1.05 * args.persons:
        figures = database_fill(args, env=env)
    extra_seconds = cases_top_up(args, env=env)
    if extra_seconds is not None:
        figures["extra_cases"] = extra_seconds
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent simulated users")
    parser.add_argument("--seconds", type=float, default=60, help="measured seconds")
    parser.add_argument(
        "--warmup", type=float, default=15, help="seconds of load before measuring starts"
    )
    parser.add_argument("--persons", type=int, default=100_000, help="persons to generate")
    parser.add_argument(
        "--cases", type=int, default=20_000, help="minimum cases the database must hold"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of data and users")
    parser.add_argument(
        "--think-min", type=float, default=0.5, help="minimum think time, in seconds"
    )
    parser.add_argument(
        "--think-max", type=float, default=1.5, help="maximum think time, in seconds"
    )
    parser.add_argument(
        "--max-tier",
        type=int,
        default=3,
        help="IMMIGRATIONOS_CASE_OPEN_MAX_TIER for the fill: a case opens for every "
        "unprotected person of this tier number or lower (default 3, every tier)",
    )
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="IMMIGRATIONOS_DB_CONN_MAX_AGE for the server, in seconds (default 0: a new "
        "database connection per request, the project's default)",
    )
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/immigrationos_bench_web",
        help="PostgreSQL database to fill; it is dropped and created again unless --keep "
        "finds the data in it",
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        help="reuse the database when it already contains the data, and keep it afterwards "
        "(without --keep it is filled anew and dropped at the end)",
    )
    parser.add_argument(
        "--workdir",
        default="/tmp/immigrationos-bench-web",
        help="folder for the generated extracts, the staging store and the server log",
    )
    parser.add_argument("--accounts", help=argparse.SUPPRESS)
    parser.add_argument("--extra-cases", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.accounts:
        print(json.dumps(accounts_create(json.loads(args.accounts))))
        return 0
    if args.extra_cases is not None:
        opened = extra_cases_open(args.extra_cases, seed=args.seed)
        _log(f"opened {opened:,} extra cases")
        return 0
    if args.users < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--users must be at least 1, --seconds above 0 and --warmup 0 or more")
    if not 0 <= args.think_min <= args.think_max:
        parser.error("--think-min must be 0 or more and at most --think-max")

    env = _child_env(args)
    Path(args.workdir).mkdir(parents=True, exist_ok=True)
    fill_seconds = data_prepare(args, env=env)
    persons, cases = database_counts(args.database_url)
    if cases < args.cases:
        raise SystemExit(
            f"the store contains {cases:,} cases, fewer than --cases {args.cases:,}, because "
            "too few unprotected persons have no case. Raise --persons or lower --cases."
        )
    _log(f"data: {persons:,} persons, {cases:,} cases")

    targets = targets_sample(args.database_url, seed=args.seed)
    offices = list(targets)
    # Users go to the offices with the most cases first, one office after another.
    user_offices = [offices[number % len(offices)] for number in range(args.users)]
    created = subprocess.run(
        [sys.executable, __file__, "--accounts", json.dumps(user_offices)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    passwords: dict[str, str] = json.loads(created.stdout.strip().splitlines()[-1])
    accounts = {
        username: (password, targets[office])
        for (username, password), office in zip(passwords.items(), user_offices, strict=True)
    }

    port = free_port()
    server = server_start(env=env, port=port, log_path=Path(args.workdir) / "server.log")
    try:
        figures = load_run(
            port=port,
            accounts=accounts,
            think=(args.think_min, args.think_max),
            warmup=args.warmup,
            seconds=args.seconds,
            seed=args.seed,
            server_pid=server.pid,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    if not args.keep:
        database_drop(args.database_url)

    p95 = [value for value in figures["p95_ms"].values() if value is not None]
    result = {
        **figures,
        "target_p95_ms": TARGET_P95_MS,
        "target_met": len(p95) == len(PAGES)
        and max(p95) < TARGET_P95_MS
        and figures["errors"] == 0,
        "users": args.users,
        "seconds": args.seconds,
        "warmup_seconds": args.warmup,
        "think_seconds": [args.think_min, args.think_max],
        "persons": persons,
        "cases": cases,
        "offices": sorted(set(user_offices)),
        "fill_seconds": fill_seconds,
        "conn_max_age": args.conn_max_age,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
