"""Sales, journal-entry and imported-ticket lists, uncached, against their straightforward DRF form.

The paginated list APIs of the books on PostgreSQL next to the
straightforward DRF form of the same lists (bench.baselines) and the stack's
ceiling.

Runs the app on a WSGI server (granian by default, 2 workers, DEBUG off,
PostgreSQL, Redis) over 10,000 sales and their journal entries
and 10,000 imported tickets (bench.list_data, seeded once) and loads it with wrk on loopback, with a
staff user's token in the Authorization header:

  ceiling             /bench/bare/, a plain Django view with a fixed 2 KB body
  ventas              /api/ventas/ (50 sales a page with client, currency, totals, item count)
  ventas_baseline     /bench/baseline/ventas/ (bench.baselines: nested ModelSerializers)
  asientos            /api/asientos-contables/ (50 entries a page with their lines)
  asientos_baseline   /bench/baseline/asientos-contables/
  boletos             /api/boletos-importados/ (50 tickets a page with client, sale, segments)
  boletos_baseline    /bench/baseline/boletos-importados/

Every case is measured at 1 connection (latency) and at --connections
(throughput), round after round, all cases in turn, so they see the same
background load; each figure is the median round. "cpu server / db / wrk /
others" is the share of the whole machine (both cores) used during the run by
the server's processes, the PostgreSQL backends they are connected to, wrk
and everything else.

The project's target: ours p50 under 15 ms at 1 connection and at least
2.5x the baseline's requests/s at 16 connections."""

from __future__ import annotations

import datetime
import json
import os
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal

from bench import profiling
from bench.catalog import prepare_catalogs, server_options
from bench.cpu import CpuWatch, idle_share, machine_seconds, process_seconds
from bench.environment import (
    REPO_ROOT,
    BenchEnvironment,
    BenchError,
    add_environment_arguments,
    environment_from_args,
    machine,
)
from bench.load import LoadResult, LoadSettings, add_load_arguments, load_settings, median_round, require_wrk, run_wrk
from bench.report import format_value, print_table, summary_line
from bench.servers import SERVER_COMMANDS, Server, request

NAME = "lists"
DEFAULT_SERVER = "granian"
WORKERS = 2
PAGE_SIZE = 50
TARGET_P50_MS = 15.0
TARGET_VS_BASELINE = 2.5

CASES = {
    "ceiling": "/bench/bare/",
    "ventas": "/api/ventas/",
    "ventas_baseline": "/bench/baseline/ventas/",
    "asientos": "/api/asientos-contables/",
    "asientos_baseline": "/bench/baseline/asientos-contables/",
    "boletos": "/api/boletos-importados/",
    "boletos_baseline": "/bench/baseline/boletos-importados/",
}
# Ours, and the baseline each is compared with.
PAIRS = {"ventas": "ventas_baseline", "asientos": "asientos_baseline", "boletos": "boletos_baseline"}
# Pages compared between ours and the baseline before measuring.
CHECKED_PAGES = (1, 2, 57)


def add_arguments(parser) -> None:
    parser.add_argument(
        "--server", choices=list(SERVER_COMMANDS), default=DEFAULT_SERVER, help=f"WSGI server ({DEFAULT_SERVER})"
    )
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"worker processes ({WORKERS})")
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="KIND:OPTION",
        help="extra command-line option for one server, e.g. granian:--blocking-threads=2 (repeatable)",
    )
    parser.add_argument(
        "--profile",
        type=float,
        default=0,
        metavar="SECONDS",
        help="after measuring, sample the workers with py-spy for SECONDS under load on each --profile-case",
    )
    parser.add_argument(
        "--profile-case",
        action="append",
        choices=[case for case in CASES if case != "ceiling"],
        help="case to profile (repeatable; default: ventas, asientos and boletos)",
    )
    # --connections is the throughput level; latency is always measured at 1 connection too.
    add_load_arguments(parser, duration=6.0, warmup=2.0, connections=16, rounds=3)
    add_environment_arguments(parser)


def run(args) -> int:
    require_wrk()
    env = environment_from_args(args)
    load = load_settings(args)
    levels = sorted({1, load.connections})
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}, Linux {info['kernel']}")

    prepare_catalogs(env)
    data = prepare_data(env)
    print(
        f"data: {data['sales']} sales, {data['items']} items, {data['payments']} payments, "
        f"{data['entries']} journal entries, {data['lines']} lines, {data['tickets']} imported tickets "
        f"({data['linked_tickets']} linked to a sale item), {data['segments']} segments"
        + (f" (seeded now in {data['seconds']} s)" if data["created"] else "")
    )
    headers = {"Accept": "application/json", "Authorization": f"Token {data['token']}"}
    wrk_headers = [f"{name}: {value}" for name, value in headers.items()]
    print(
        f"load: wrk, {' and '.join(map(str, levels))} connection(s), {load.threads} thread(s), "
        f"{load.warmup:g} s warm-up + {load.rounds} x {load.duration:g} s per case and level, loopback"
    )
    idle = idle_share()
    print(f"machine idle before loading: {idle:.0%}" + ("" if idle > 0.9 else "  WARNING: other processes busy"))

    options = server_options(args.server_option).get(args.server, [])
    print(f"\n== {args.server}, {args.workers} workers {' '.join(options)}==")
    with Server(args.server, env, args.workers, options=options).start() as server:
        check_answers(server, headers, data["sales"], data["entries"], data["tickets"])
        rounds = measure_levels(server, env, load, levels, wrk_headers)
        if args.profile > 0:
            for case in args.profile_case or list(PAIRS):
                profiling.profile_under_load(server, server.base_url + CASES[case], args.profile, load, wrk_headers)

    results = {key: median_round(runs) for key, runs in rounds.items()}
    for (case, connections), result in results.items():
        if result.error_count:
            raise BenchError(f"{case} at {connections} connection(s): wrk saw errors {result.errors}")
    high = load.connections
    print_results(results, rounds, high)

    figures: dict[str, object] = {"ceiling_rps": results["ceiling", high].rps}
    verdicts = []
    for ours, baseline in PAIRS.items():
        vs = results[ours, high].rps / results[baseline, high].rps
        p50 = results[ours, 1].p50_ms
        figures.update({f"{ours}_rps": results[ours, high].rps, f"{ours}_p50_ms": p50, f"{ours}_vs_baseline": vs})
        met = p50 < TARGET_P50_MS and vs >= TARGET_VS_BASELINE
        verdicts.append(f"{ours} {'met' if met else 'NOT met'} (p50 {format_value(p50)} ms, x{format_value(vs)})")
    print(
        f"\ntarget (p50 < {TARGET_P50_MS:g} ms at 1 connection, >= {TARGET_VS_BASELINE:g}x the baseline's req/s "
        f"at {high}): " + "; ".join(verdicts)
    )
    print(
        "baselines: "
        + " ".join(
            f"{baseline}_rps={format_value(results[baseline, high].rps)} "
            f"{baseline}_p50_ms={format_value(results[baseline, 1].p50_ms)}"
            for baseline in PAIRS.values()
        )
    )
    print(summary_line(NAME, figures))
    return 0


def prepare_data(env: BenchEnvironment) -> dict:
    """Seed the sales and entries (once) and return the counts and the token."""
    seeded = subprocess.run(
        [sys.executable, "-m", "bench.list_data"],
        cwd=REPO_ROOT,
        env=env.server_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    line = next((ln for ln in seeded.stdout.splitlines() if ln.startswith("LIST_DATA ")), None)
    if seeded.returncode != 0 or line is None:
        raise BenchError(f"seeding the sales and tickets failed:\n{seeded.stdout[-2000:]}{seeded.stderr[-4000:]}")
    data = json.loads(line.removeprefix("LIST_DATA "))
    if min(data["sales"], data["entries"], data["tickets"]) < PAGE_SIZE * max(CHECKED_PAGES):
        raise BenchError(f"too few rows to list: {data}")
    return data


def measure_levels(
    server: Server, env: BenchEnvironment, load: LoadSettings, levels: list[int], headers: list[str]
) -> dict[tuple[str, int], list[LoadResult]]:
    """Warm every case up, then per round: each level, each case in turn."""
    urls = {case: server.base_url + path for case, path in CASES.items()}
    for url in urls.values():
        if load.warmup > 0:
            run_wrk(url, duration=load.warmup, connections=max(levels), threads=load.threads, headers=headers)
    rounds: dict[tuple[str, int], list[LoadResult]] = {(case, level): [] for level in levels for case in urls}
    for number in range(load.rounds):
        for level in levels:
            for case, url in urls.items():
                watch, database = CpuWatch(server.pids()), DatabaseCpuWatch(env)
                result = run_wrk(
                    url,
                    duration=load.duration,
                    connections=level,
                    threads=min(load.threads, level),
                    timeout=load.timeout,
                    headers=headers,
                )
                cpu = watch.stop()
                # PostgreSQL's share, taken out of "others".
                cpu["db"] = database.stop()
                cpu["others"] = max(0.0, cpu["others"] - cpu["db"])
                rounds[case, level].append(replace(result, cpu=cpu))
        print(
            f"round {number + 1}/{load.rounds}: "
            + ", ".join(f"{case} {format_value(rounds[case, max(levels)][-1].rps)}" for case in urls)
            + f" req/s at {max(levels)}"
        )
    return rounds


def database_backends(env: BenchEnvironment) -> list[int]:
    """PostgreSQL backend processes connected to the bench's database."""
    import psycopg2

    name = env.database_url.rpartition("/")[2]
    connection = psycopg2.connect(env.database_url, connect_timeout=5)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])
            return [row[0] for row in cursor.fetchall()]
    finally:
        connection.close()


class DatabaseCpuWatch:
    """CPU share of the machine used by the PostgreSQL backends of the bench's
    database during a run. The workers reconnect every CONN_MAX_AGE seconds: a
    backend born during the run counts whole, one that ended during it is lost
    (the share is then a lower bound)."""

    def __init__(self, env: BenchEnvironment) -> None:
        self.env = env
        self.start = {pid: process_seconds([pid]) for pid in database_backends(env)}
        self.clock = machine_seconds()[1]

    def stop(self) -> float:
        elapsed = machine_seconds()[1] - self.clock
        pids = set(self.start) | set(database_backends(self.env))
        used = sum(max(0.0, process_seconds([pid]) - self.start.get(pid, 0.0)) for pid in pids)
        return used / elapsed if elapsed > 0 else 0.0


def _cpu_ms(result: LoadResult, part: str) -> float:
    """CPU milliseconds one request cost `part` (server or db), from its
    share of the machine: steadier than req/s on a shared machine."""
    cores = os.cpu_count() or 1
    return 1000 * (result.cpu or {}).get(part, 0.0) * cores / result.rps if result.rps else 0.0


def print_results(
    results: dict[tuple[str, int], LoadResult], rounds: dict[tuple[str, int], list[LoadResult]], high: int
) -> None:
    rows = []
    for case in CASES:
        low, loaded = results[case, 1], results[case, high]
        cpu = loaded.cpu or {}
        rows.append(
            [
                case,
                low.rps,
                low.p50_ms,
                low.p99_ms,
                loaded.rps,
                loaded.p50_ms,
                loaded.p90_ms,
                loaded.p99_ms,
                round(loaded.bytes_per_request),
                _cpu_ms(loaded, "server"),
                _cpu_ms(loaded, "db"),
                " / ".join(f"{cpu.get(part, 0):.0%}" for part in ("server", "db", "loader", "others")),
            ]
        )
    print()
    print_table(
        [
            "case",
            "req/s @1",
            "p50 ms @1",
            "p99 ms @1",
            f"req/s @{high}",
            f"p50 ms @{high}",
            f"p90 ms @{high}",
            f"p99 ms @{high}",
            "bytes/req",
            "server cpu ms/req",
            "db cpu ms/req",
            f"cpu server / db / wrk / others @{high}",
        ],
        rows,
    )
    print(
        f"req/s of each round at {high}: "
        + "; ".join(f"{case} " + "/".join(format_value(r.rps) for r in rounds[case, high]) for case in CASES)
    )
    print(
        "p50 ms of each round at 1: "
        + "; ".join(f"{case} " + "/".join(format_value(r.p50_ms) for r in rounds[case, 1]) for case in CASES)
    )
    for ours, baseline in PAIRS.items():
        mine, theirs = results[ours, high], results[baseline, high]
        mine_cpu = _cpu_ms(mine, "server") + _cpu_ms(mine, "db")
        theirs_cpu = _cpu_ms(theirs, "server") + _cpu_ms(theirs, "db")
        print(
            f"{ours}: x{format_value(mine.rps / theirs.rps)} the baseline's req/s at {high}, "
            f"{format_value(mine.rps / results['ceiling', high].rps)} of the ceiling; "
            f"CPU per request (server + db) {format_value(mine_cpu)} ms vs {format_value(theirs_cpu)} ms, "
            f"x{format_value(theirs_cpu / mine_cpu if mine_cpu else 0.0)} (what req/s would show on an idle machine); "
            "ours/baseline req/s round by round "
            + "/".join(
                format_value(a.rps / b.rps) for a, b in zip(rounds[ours, high], rounds[baseline, high], strict=True)
            )
        )


# --- Checks made before anything is measured ---------------------------------


def _get_page(server: Server, path: str, headers: dict[str, str], page: int) -> dict:
    url = f"{server.base_url}{path}" + (f"?page={page}" if page > 1 else "")
    status, response_headers, body = request(url, headers)
    content_type = response_headers.get("content-type", "")
    if status != 200 or not content_type.startswith("application/json"):
        raise BenchError(f"GET {url}: {status} {content_type}\n{body[:500]!r}\n{server.log_tail()}")
    data = json.loads(body)
    if not isinstance(data, dict) or len(data.get("results") or []) != PAGE_SIZE:
        raise BenchError(f"GET {url}: expected a page of {PAGE_SIZE} results, got {str(data)[:300]}")
    return data


def _amounts(row: dict, names: tuple[str, ...]) -> tuple[Decimal, ...]:
    return tuple(Decimal(row[name]) for name in names)


def _sale_facts(sale: dict) -> tuple:
    money = ("subtotal", "tax_total", "total", "paid_total", "balance_due")
    return (
        sale["id"],
        sale["status"],
        sale["client"]["id"],
        sale["client"]["name"],
        sale["client"]["document_number"],
        sale["currency"],
        _amounts(sale, money),
        sale["notes"],
        datetime.datetime.fromisoformat(sale["created_at"]),
        sale["item_count"],
    )


def _entry_facts(entry: dict) -> tuple:
    lines = [
        (
            line["account"]["code"] if isinstance(line["account"], dict) else line["account"],
            line["account"]["name"] if isinstance(line["account"], dict) else line["account_name"],
            _amounts(line, ("debit", "credit")),
            line["currency"],
        )
        for line in entry["lines"]
    ]
    return (
        entry["id"],
        entry["date"],
        entry["description"],
        entry["source"],
        entry["source_id"],
        entry["currency"],
        Decimal(entry["total"]),
        datetime.datetime.fromisoformat(entry["posted_at"]),
        lines,
    )


def _ticket_facts(ticket: dict) -> tuple:
    """What a ticket row says; empty text and None are the same fact (ours
    prints None where the baseline prints the column's "")."""
    money = ("fare", "taxes_total", "total")
    client, sale = ticket["client"], ticket["sale"]
    return (
        ticket["id"],
        ticket["status"],
        ticket["error"] or None,
        ticket["attempts"],
        ticket["document"],
        ticket["position"],
        ticket["ticket_number"],
        ticket["pnr"],
        ticket["passenger_name"],
        ticket["passenger_document"],
        ticket["airline"]["code"],
        ticket["airline"]["name"],
        ticket["issue_date"],
        ticket["currency"] or None,
        tuple(None if ticket[name] is None else Decimal(ticket[name]) for name in money),
        ticket["is_exchange"],
        ticket["original_ticket_number"] or None,
        ticket["duplicate_of"],
        ticket["replaces"],
        None if client is None else (client["id"], client["name"], client["document_type"], client["document_number"]),
        None if sale is None else (sale["id"], sale["status"]),
        ticket["sale_item"],
        [{key: value or None for key, value in segment.items()} for segment in ticket["segments"]],
        ticket["pdf_ready"],
        datetime.datetime.fromisoformat(ticket["created_at"]),
        None if ticket["parsed_at"] is None else datetime.datetime.fromisoformat(ticket["parsed_at"]),
    )


def check_answers(server: Server, headers: dict[str, str], sales: int, entries: int, tickets: int) -> None:
    """Each list answers 50 rows a page, ours and the baseline the same rows
    with the same facts, and only to staff."""
    status, _, _ = request(server.base_url + CASES["ventas"], {"Accept": "application/json"})
    if status not in (401, 403):
        raise BenchError(f"{CASES['ventas']} answered {status} without a token; expected 401/403")
    status, _, _ = request(server.base_url + CASES["ceiling"])
    if status != 200:
        raise BenchError(f"{CASES['ceiling']} answered {status}")
    for ours, baseline, facts, total in (
        ("ventas", "ventas_baseline", _sale_facts, sales),
        ("asientos", "asientos_baseline", _entry_facts, entries),
        ("boletos", "boletos_baseline", _ticket_facts, tickets),
    ):
        for page in CHECKED_PAGES:
            mine, theirs = (_get_page(server, CASES[case], headers, page) for case in (ours, baseline))
            if not mine["count"] == theirs["count"] == total:
                raise BenchError(f"{ours}: count {mine['count']}, baseline {theirs['count']}, database {total}")
            mine_facts = [facts(row) for row in mine["results"]]
            theirs_facts = [facts(row) for row in theirs["results"]]
            if mine_facts != theirs_facts:
                differ = next(
                    i for i, pair in enumerate(zip(mine_facts, theirs_facts, strict=True)) if pair[0] != pair[1]
                )
                raise BenchError(
                    f"{ours} page {page} differs from the baseline at row {differ}:\n"
                    f"  ours     {mine_facts[differ]}\n  baseline {theirs_facts[differ]}"
                )
    print(
        f"answers checked: pages {', '.join(map(str, CHECKED_PAGES))} of ventas, asientos and boletos have "
        f"{PAGE_SIZE} rows, the same rows, amounts, lines and segments as the baseline; counts match the database; "
        "no token, no answer"
    )
