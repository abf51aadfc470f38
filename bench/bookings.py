"""Making bookings over HTTP, contended and not, and the expiry sweep, on PostgreSQL.

Runs in a database of its own (travelhub_bench_bookings, dropped and made
again at the start: created, migrated, catalogs loaded; dropped at the end
unless --keep-database) and Redis database 7 (flushed). Seeds
(bench.bookings_data) 100 hosts, --guests guests with API tokens and
--listings published listings with nothing booked, then runs the app the
production way (granian, --workers worker processes of --blocking-threads
threads each, DEBUG off) and loads it on loopback:

  contended    --contenders guests, each on a connection of their own opened
               beforehand, POST /api/bookings/ the same two nights of one
               listing at the same instant (a barrier): exactly one may get
               201, every other one 409 with code "dates_taken"; latencies
               measured by the client from sending to the whole answer.
               --contended-rounds rounds, each on a listing of its own, after
               the warm-up load and 20 refusals (so no worker loads the code
               and translations of a 409 in a measured round); the 409s of
               every round pooled for p50 and p99, contended_ok the count of
               201s of the round furthest from 1.
  uncontended  wrk (a Lua script: each request the next stay of --nights
               nights on the next of the listings, rotating guests, so no two
               ask for the same night) for --duration seconds after a
               --warmup, at --connections connections: req/s and latencies,
               every answer a 201, with the CPU share of the server, of
               PostgreSQL and of wrk.
  queries      a server with the query-count middleware (QUERY_COUNT_MIDDLEWARE)
               answers five bookings and five refusals: its log says how many
               queries each took.
  expiry       --expiry-rows bookings pending payment past their deadline,
               COPYed with their OccupiedRange rows (kind booking), one night
               each, non-overlapping, over the listings; the plan of the
               sweep's query (EXPLAIN ANALYZE); then bookings_expire_unpaid()
               in a loop until it returns 0, in one process, as the Celery
               task bookings.expire_unpaid runs it (each expiry notifies
               guest and host and writes a webhook event for each): rows/s.

Targets (the issue): contended_ok = 1, contended 409 p99 < 200 ms,
uncontended >= 300 req/s on this machine (2 cores). --quick: a small smoke
run (100 listings, 2,000 expiries, 3 s of load)."""

from __future__ import annotations

import calendar
import datetime
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from bench.catalog import prepare_catalogs
from bench.cpu import CpuWatch
from bench.environment import (
    REPO_ROOT,
    BenchEnvironment,
    BenchError,
    add_environment_arguments,
    data_module_run,
    environment_from_args,
    machine_report,
    own_database,
)
from bench.lists import DatabaseCpuWatch
from bench.load import WRK_SCRIPT, LoadResult, percentile, require_wrk, run_wrk_command
from bench.report import format_value, print_table, summary_line
from bench.servers import Server

NAME = "bookings"
DATABASE = "travelhub_bench_bookings"
REDIS_URL = "redis://127.0.0.1:6379/7"
PATH = "/api/bookings/"
TARGET_CONTENDED_P99_MS = 200.0
TARGET_UNCONTENDED_RPS = 300.0
UNCONTENDED_HEADERS = ["uncontended", "req/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "requests", "errors",
                       "cpu server", "cpu db", "cpu wrk", "cpu others", "server ms/req", "db ms/req"]  # fmt: skip
# (full run, --quick)
DEFAULTS = {
    "listings": (1000, 100),
    "guests": (1000, 200),
    "expiry_rows": (100_000, 2000),
    "duration": (10.0, 3.0),
    "warmup": (2.0, 1.0),
}


def add_arguments(parser) -> None:
    parser.add_argument("--quick", action="store_true", help="a small smoke run (100 listings, 2000 expiries, 3 s)")
    parser.add_argument("--listings", type=int, help="published listings booked by the uncontended load (1000)")
    parser.add_argument("--guests", type=int, help="guests with a token; at least --contenders (1000)")
    parser.add_argument("--contenders", type=int, default=100, help="guests asking for the same nights at once (100)")
    parser.add_argument(
        "--contended-rounds", type=int, default=3, help="contended rounds, each on a listing of its own (3)"
    )
    parser.add_argument("--nights", type=int, default=2, help="nights of each stay (2)")
    parser.add_argument("--expiry-rows", type=int, help="unpaid bookings past their deadline to expire (100000)")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes (2)")
    parser.add_argument("--blocking-threads", type=int, default=1, help="granian threads per worker (1)")
    parser.add_argument("--keep-database", action="store_true", help="leave the bench's database for inspection")
    group = parser.add_argument_group("load (wrk, loopback)")
    group.add_argument("--duration", type=float, help="seconds of measured uncontended load (10)")
    group.add_argument("--warmup", type=float, help="seconds of the same load first, unmeasured (2)")
    group.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    group.add_argument("--threads", type=int, default=1, help="wrk threads (1: leaves the cores to the server)")
    add_environment_arguments(parser)
    parser.set_defaults(database=DATABASE, redis_url=REDIS_URL)


def _resolve(args) -> None:
    for name, (full, quick) in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    args.guests = max(args.guests, args.contenders)
    if args.listings < 1 or args.contenders < 2 or args.nights < 1 or args.contended_rounds < 1:
        raise BenchError("--listings, --contenders (>= 2), --nights and --contended-rounds must be positive")


def run(args) -> int:
    _resolve(args)
    require_wrk()
    env = environment_from_args(args)
    machine_report()
    with own_database(env, keep=args.keep_database):
        return _run(args, env)


def _run(args, env: BenchEnvironment) -> int:
    prepare_catalogs(env)
    started = time.monotonic()
    data = _data(env, "seed", args.listings, args.guests, args.contended_rounds)
    print(
        f"data: {len(data['listings'])} published listings for the uncontended load, "
        f"{len(data['contended'])} for the contended rounds, {len(data['tokens'])} guests with tokens, "
        f"100 hosts, nothing booked (seeded in {time.monotonic() - started:.1f} s); server's today {data['today']}"
    )
    first_night = datetime.date.fromisoformat(data["today"]) + datetime.timedelta(days=1)
    options = ["--blocking-threads", str(args.blocking_threads)] if args.blocking_threads != 1 else []
    stays = _Stays(data["listings"], data["tokens"], first_night, args.nights)
    rounds = []
    with Server("granian", env, args.workers, options=options).start() as server:
        print(f"server: granian, {args.workers} workers x {args.blocking_threads} thread(s), DEBUG off")
        if args.warmup > 0:
            stays.load(server, args.warmup, args.connections, args.threads)
            warm_refusals(server, stays)
        stay_out = first_night + datetime.timedelta(days=args.nights)
        for listing in data["contended"]:
            rounds.append(contended_round(server, data["tokens"][: args.contenders], listing, first_night, stay_out))
        watch, database = CpuWatch(server.pids()), DatabaseCpuWatch(env)
        uncontended = stays.load(server, args.duration, args.connections, args.threads)
        cpu = watch.stop()
        cpu["db"] = database.stop()
        # CpuWatch's "others" holds PostgreSQL's backends too: counted apart here.
        cpu["others"] = max(0.0, cpu["others"] - cpu["db"])
        uncontended = replace(uncontended, cpu=cpu)
    if uncontended.error_count:
        raise BenchError(f"uncontended: wrk saw errors {uncontended.errors}; every answer should be 201")
    query_counts = count_queries(env, stays, data["contended"][0], first_night, stay_out)

    seeded = _data(env, "expiry-seed", args.expiry_rows, marker="EXPIRY_SEEDED")
    before = _data(env, "counts", marker="COUNTS")
    watch = CpuWatch([])
    expiry, plan = run_expiry(env)
    # Everything but the sweep's process (which ends inside the window) and its PostgreSQL backend.
    machine_seconds = expiry["seconds"] * (os.cpu_count() or 1)
    expiry_others = max(0.0, watch.stop()["others"] - expiry["postgres_cpu_s"] / machine_seconds)
    after = _data(env, "counts", marker="COUNTS")

    print()
    ok_counts = [result["ok"] for result in rounds]
    refused = [ms for result in rounds for ms in result["refused_ms"]]
    for number, result in enumerate(rounds, 1):
        print(
            f"contended round {number}: {args.contenders} guests at once for listing {result['listing']}'s "
            f"{first_night}..{stay_out}: {result['ok']} created (201 in {format_value(result['ok_ms'])} ms), "
            f"{len(result['refused_ms'])} refused 409 dates_taken, other answers {result['other'] or 'none'}; "
            f"409 p50 {format_value(percentile(result['refused_ms'], 50))} ms, "
            f"p99 {format_value(percentile(result['refused_ms'], 99))} ms, "
            f"max {format_value(max(result['refused_ms']))} ms; last answer after "
            f"{format_value(result['wall_ms'])} ms"
        )
    contended_ok = max(ok_counts, key=lambda ok: abs(ok - 1))
    contended_p50, contended_p99 = percentile(refused, 50), percentile(refused, 99)
    print()
    print_table(
        UNCONTENDED_HEADERS,
        [
            [
                f"{args.connections} connections, {args.duration:g} s",
                uncontended.rps,
                uncontended.p50_ms,
                uncontended.p90_ms,
                uncontended.p99_ms,
                uncontended.max_ms,
                uncontended.requests,
                uncontended.error_count,
                f"{cpu['server']:.0%}",
                f"{cpu['db']:.0%}",
                f"{cpu['loader']:.0%}",
                f"{cpu['others']:.0%}",
                _cpu_ms(cpu["server"], uncontended.rps),
                _cpu_ms(cpu["db"], uncontended.rps),
            ]
        ],
    )
    print(
        "(cpu: shares of the whole machine, every core; others: Redis, PostgreSQL's own processes, anything else; "
        "ms/req: CPU milliseconds one booking cost)"
    )
    print()
    print("queries per request (QUERY_COUNT_MIDDLEWARE, one at a time):")
    for line in query_counts:
        print(f"  {line}")

    print(f"\n-- plan of the expiry sweep's query (its first batch, {seeded['rows']} due):\n{plan}\n")
    rows, seconds = expiry["rows"], expiry["seconds"]
    rate = rows / seconds if seconds else 0.0
    print(
        f"expiry: {seeded['rows']} unpaid bookings past their deadline over {seeded['listings']} listings "
        f"({seeded['nights_per_listing']} nights each from {seeded['first_night']}, seeded in {seeded['seconds']} s)"
    )
    print(
        f"expiry: {rows} expired in {seconds:.1f} s = {rate:.0f} rows/s; {expiry['batches']} batches, "
        f"median {expiry['batch_median_s']:.2f} s, max {expiry['batch_max_s']:.2f} s; "
        f"{expiry['queries'] / max(rows, 1):.2f} queries a row, {expiry['query_seconds']:.1f} s in queries "
        f"({expiry['query_seconds'] / seconds:.0%} of the time); CPU: sweep process {expiry['python_cpu_s']:.1f} s, "
        f"its PostgreSQL backend {expiry['postgres_cpu_s']:.1f} s; other processes {expiry_others:.0%} of the machine"
    )
    made = {
        "notifications": after["notifications"] - before["notifications"],
        "webhook events": after["webhook_events"] - before["webhook_events"],
        "booking ranges freed": before["booking_ranges"] - after["booking_ranges"],
        "expired": after["bookings"].get("expired", 0) - before["bookings"].get("expired", 0),
        "still pending": after["bookings"].get("pending_payment", 0),
    }
    print("expiry wrote: " + ", ".join(f"{name} {count}" for name, count in made.items()))
    expected_pending = before["bookings"].get("pending_payment", 0) - seeded["rows"]
    if (
        rows != seeded["rows"]
        or made["expired"] != rows
        or made["notifications"] != 2 * rows
        or made["webhook events"] != 2 * rows
        or made["booking ranges freed"] != rows
        or made["still pending"] != expected_pending
    ):
        raise BenchError(f"the sweep did not expire exactly the {seeded['rows']} seeded bookings: {made}")

    verdicts = [
        f"contended_ok {contended_ok} (= 1): " + ("met" if all(ok == 1 for ok in ok_counts) else "NOT met"),
        f"contended 409 p99 {format_value(contended_p99)} ms (< {TARGET_CONTENDED_P99_MS:g}): "
        + ("met" if contended_p99 < TARGET_CONTENDED_P99_MS else "NOT met"),
        f"uncontended {format_value(uncontended.rps)} req/s (>= {TARGET_UNCONTENDED_RPS:g}): "
        + ("met" if uncontended.rps >= TARGET_UNCONTENDED_RPS else "NOT met"),
    ]
    print("targets: " + "; ".join(verdicts))
    print(
        summary_line(
            NAME,
            {
                "contended_ok": contended_ok,
                "contended_p50_ms": contended_p50,
                "contended_p99_ms": contended_p99,
                "uncontended_rps": uncontended.rps,
                "uncontended_p99_ms": uncontended.p99_ms,
                "expiry_rows_per_s": rate,
            },
        )
    )
    return 0


def _cpu_ms(share: float, rps: float) -> float:
    """CPU milliseconds a request cost, from a share of the machine."""
    return 1000 * share * (os.cpu_count() or 1) / rps if rps else 0.0


# --- the database ---------------------------------------------------------------------------


def _data(env: BenchEnvironment, command: str, *numbers: int, marker: str = "BOOKINGS_DATA") -> dict:
    return data_module_run(env, "bench.bookings_data", command, *numbers, marker=marker)


# --- contended ------------------------------------------------------------------------------


def contended_round(
    server: Server, tokens: list[str], listing: int, check_in: datetime.date, check_out: datetime.date
) -> dict:
    """Every guest asks for the same nights at the same instant, each on a
    connection opened beforehand."""
    host = server.base_url.removeprefix("http://")
    body = json.dumps({"listing": listing, "check_in": str(check_in), "check_out": str(check_out), "guests": 2})
    answers: list[tuple[int, float, bytes] | None] = [None] * len(tokens)
    barrier = threading.Barrier(len(tokens) + 1)

    def guest(index: int, token: str) -> None:
        connection = http.client.HTTPConnection(host, timeout=60)
        headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}
        try:
            connection.connect()
            barrier.wait(timeout=60)
            sent = time.perf_counter()
            connection.request("POST", PATH, body=body.encode(), headers=headers)
            response = connection.getresponse()
            content = response.read()
            answers[index] = (response.status, (time.perf_counter() - sent) * 1000, content)
        except (OSError, http.client.HTTPException, threading.BrokenBarrierError) as error:
            answers[index] = (0, 0.0, repr(error).encode())
        finally:
            connection.close()

    threads = [threading.Thread(target=guest, args=(index, token)) for index, token in enumerate(tokens)]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall_ms = (time.perf_counter() - started) * 1000
    ok_ms, refused_ms, other = [], [], {}
    for status, ms, content in answers:
        if status == 201:
            ok_ms.append(ms)
        elif status == 409 and json.loads(content).get("code") == "dates_taken":
            refused_ms.append(ms)
        else:
            key = f"{status} {content[:120]!r}"
            other[key] = other.get(key, 0) + 1
    if not refused_ms:
        raise BenchError(f"contended round on listing {listing}: no 409 dates_taken; answers {other}")
    return {
        "listing": listing,
        "ok": len(ok_ms),
        "ok_ms": max(ok_ms) if ok_ms else 0.0,
        "refused_ms": refused_ms,
        "other": other,
        "wall_ms": wall_ms,
    }


def _post(host: str, token: str, listing: int, check_in: datetime.date, check_out: datetime.date) -> int:
    connection = http.client.HTTPConnection(host, timeout=30)
    body = json.dumps({"listing": listing, "check_in": str(check_in), "check_out": str(check_out), "guests": 2})
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}
    try:
        connection.request("POST", PATH, body=body.encode(), headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def warm_refusals(server: Server, stays: _Stays, count: int = 20) -> None:
    """A few refusals before the contended rounds, as a server that has been
    up a while has answered (the warm-up load made only bookings): the code
    and translations a 409 uses are loaded in every worker."""
    host = server.base_url.removeprefix("http://")
    (listing, token, check_in, check_out), *_ = stays.take(1)
    statuses = [_post(host, token, listing, check_in, check_out)]
    statuses += [_post(host, other, listing, check_in, check_out) for other in stays.tokens[:count]]
    if statuses[0] != 201 or set(statuses[1:]) != {409}:
        raise BenchError(f"warming up the refusals: expected a 201 then 409s, got {statuses}")


# --- uncontended (wrk) ----------------------------------------------------------------------

_WRK_REQUESTS = """
local listings = {%(listings)s}
local tokens = {%(tokens)s}
local base = %(base)d
local first_night = %(first_night)d
local nights = %(nights)d
local wrk_threads = {}
local started = 0

setup = function(thread)
  thread:set("id", started)
  started = started + 1
  table.insert(wrk_threads, thread)
end

counter = 0
issued = -1

-- Request n: listing n mod L, stay number n div L of that listing: no two requests share a night.
request = function()
  local n = base + counter * %(threads)d + id
  counter = counter + 1
  issued = n
  local listing = listings[n %% #listings + 1]
  local stay = math.floor(n / #listings)
  local check_in = os.date("!%%Y-%%m-%%d", first_night + stay * nights * 86400)
  local check_out = os.date("!%%Y-%%m-%%d", first_night + (stay + 1) * nights * 86400)
  local body = string.format('{"listing": %%d, "check_in": "%%s", "check_out": "%%s", "guests": 2}',
    listing, check_in, check_out)
  local headers = {}
  headers["Authorization"] = "Token " .. tokens[(n + stay) %% #tokens + 1]
  headers["Content-Type"] = "application/json"
  headers["Accept"] = "application/json"
  return wrk.format("POST", "%(path)s", headers, body)
end
"""

_WRK_DONE = """
local report_done = done
done = function(summary, latency, requests)
  local last = -1
  for _, thread in ipairs(wrk_threads) do
    local issued_there = thread:get("issued")
    if issued_there and issued_there > last then last = issued_there end
  end
  io.write(string.format("BOOKINGS_ISSUED %d\\n", last))
  report_done(summary, latency, requests)
end
"""


class _Stays:
    """Stays that never overlap, handed out to successive wrk runs."""

    def __init__(self, listings: list[int], tokens: list[str], first_night: datetime.date, nights: int) -> None:
        self.listings = listings
        self.tokens = tokens
        self.first_night = first_night
        self.nights = nights
        self.next = 0

    def take(self, count: int) -> list[tuple[int, str, datetime.date, datetime.date]]:
        """`count` more stays (listing, token, check-in, check-out), for requests made outside wrk."""
        stays = []
        for n in range(self.next, self.next + count):
            stay = n // len(self.listings)
            check_in = self.first_night + datetime.timedelta(days=stay * self.nights)
            token = self.tokens[(n + stay) % len(self.tokens)]
            stays.append((self.listings[n % len(self.listings)], token, check_in, check_in + self._nights))
        self.next += count
        return stays

    @property
    def _nights(self) -> datetime.timedelta:
        return datetime.timedelta(days=self.nights)

    def load(self, server: Server, duration: float, connections: int, threads: int) -> LoadResult:
        threads = max(1, min(threads, connections))
        noon = datetime.datetime.combine(self.first_night, datetime.time(12))
        script = _WRK_REQUESTS % {
            "listings": ",".join(map(str, self.listings)),
            "tokens": ",".join(json.dumps(token) for token in self.tokens),
            "base": self.next,
            "first_night": calendar.timegm(noon.timetuple()),
            "nights": self.nights,
            "threads": threads,
            "path": PATH,
        }
        path = Path(tempfile.mkstemp(prefix="wrk-bookings-", suffix=".lua")[1])
        try:
            path.write_text(script + WRK_SCRIPT.read_text() + _WRK_DONE)
            result, issued = _run_wrk(server.base_url, path, duration, connections, threads)
        finally:
            path.unlink(missing_ok=True)
        # Requests still in flight when wrk stopped may yet be answered: never reuse their nights.
        self.next = issued + 1 + connections
        return result


def _run_wrk(url: str, script: Path, duration: float, connections: int, threads: int) -> tuple[LoadResult, int]:
    command = [
        require_wrk(),
        f"--threads={threads}",
        f"--connections={connections}",
        f"--duration={duration:g}s",
        "--timeout=10s",
        f"--script={script}",
        url,
    ]
    result, lines = run_wrk_command(command, url + PATH, duration)
    issued = next((ln for ln in lines if ln.startswith("BOOKINGS_ISSUED ")), None)
    if issued is None:
        raise BenchError(f"wrk's script did not say how many bookings it asked for:\n{chr(10).join(lines)}")
    return result, int(issued.split()[1])


# --- queries per request --------------------------------------------------------------------

_QUERY_LINE = re.compile(r"(POST \S+ \d{3} \d+ queries .*)$")


def count_queries(
    env: BenchEnvironment, stays: _Stays, taken_listing: int, check_in: datetime.date, check_out: datetime.date
) -> list[str]:
    """Five bookings and five refusals on a server logging each request's
    queries (core.middleware.QueryCountDebugMiddleware)."""
    extra = {"QUERY_COUNT_MIDDLEWARE": "true", "LOG_LEVEL": "INFO"}
    with Server("granian", env, 1, extra_env=extra).start() as server:
        host = server.base_url.removeprefix("http://")
        requests = stays.take(5) + [(taken_listing, token, check_in, check_out) for token in stays.tokens[-5:]]
        for listing, token, start, end in requests:
            _post(host, token, listing, start, end)
        time.sleep(0.5)
        log = server.log_path.read_text(errors="replace")
    lines = [match.group(1) for line in log.splitlines() if (match := _QUERY_LINE.search(line))]
    if len(lines) != len(requests):
        raise BenchError(f"expected {len(requests)} logged requests with their query counts, got:\n{log[-3000:]}")
    return lines


# --- expiry ---------------------------------------------------------------------------------


def run_expiry(env: BenchEnvironment) -> tuple[dict, str]:
    done = subprocess.run(
        [sys.executable, "-m", "bench.bookings_data", "expire"],
        cwd=REPO_ROOT,
        env=env.server_env(),
        capture_output=True,
        text=True,
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("EXPIRY ")), None)
    if done.returncode != 0 or line is None:
        raise BenchError(f"the expiry sweep failed:\n{done.stdout[-3000:]}{done.stderr[-4000:]}")
    plan = done.stdout.partition("PLAN\n")[2].partition("\nEND PLAN")[0]
    return json.loads(line.removeprefix("EXPIRY ")), plan
