"""A bad hour: the mixed load (bench.mixed) at half the rate while faults
come one at a time, a quiet period between; then the invariants.

The faults, in order:
  worker    kill -9 one Celery worker (its whole process group); a new one
            starts 10 s later.
  redis     the bench's Redis server shut down without saving (every key,
            queued task and connection gone) and started again at once.
  postgres  the bench's database refuses new connections for 10 s (ALTER
            DATABASE ... ALLOW_CONNECTIONS false) and its open connections
            are ended, so every process has to reconnect; only the bench's
            own database, never the server's settings.
  web       kill -9 one granian worker process.

For each fault: the wrong answers by status from the fault until 10 s after
it was lifted, and the seconds from the fault until p95 is back under
target (50 ms) with no wrong answer for 3 s running (per-second buckets of
the load's own latencies). After the load the queues are left to drain
(up to --drain seconds) and the invariants are checked (bench.invariants:
no notification lost or sent twice per channel — the workers push to a
file and write e-mails to a directory, which are counted —, no booking
overlap, no payment applied twice, every imported ticket settled, no
invoice without its PDF, every entry balanced). A broken invariant prints
its violations and makes the exit status 1.

Targets (the issue): nothing lost, duplicated or overlapping; recovery
within 30 s of each fault; reads served during the Redis restart."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from pathlib import Path

from bench.environment import BenchEnvironment, BenchError
from bench.load import percentile
from bench.mixed import (
    TARGET_P95_MS,
    Prepared,
    _django,
    add_common_arguments,
    finish,
    prepare,
    queue_lag,
    resolve,
    route_rows,
    start_ws_clients,
    ws_delivery,
)
from bench.mixed_load import run_mix
from bench.mixed_report import Samples, per_second, recovery_seconds
from bench.report import print_table, summary_line
from bench.topology import RedisServer

NAME = "drill"
TARGET_RECOVERY_S = 30
FAULT_NAMES = ["worker", "redis", "postgres", "web"]
# Wrong answers counted from a fault until this long after it was lifted.
AFTERMATH_S = 10
DEFAULTS = {"quiet": (60.0, 10.0), "rate": (750.0, 150.0), "drain": (300.0, 150.0)}  # (full, --quick)


def add_arguments(parser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--rate", type=float, help="requests a second of the load (750: half the target; --quick 150)")
    parser.add_argument(
        "--quiet", type=float, help="seconds of quiet load before and after each fault (60; --quick 10)"
    )
    parser.add_argument("--faults", default=",".join(FAULT_NAMES), help=f"which, in order ({','.join(FAULT_NAMES)})")
    parser.add_argument("--drain", type=float, help="seconds the queues may take to drain after the load (300)")
    parser.set_defaults(duration=1.0)


def run(args) -> int:
    for name, (full, quick) in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    resolve(args)
    faults = [name.strip() for name in args.faults.split(",") if name.strip()]
    unknown = set(faults) - set(FAULT_NAMES)
    if unknown:
        raise BenchError(f"unknown faults {sorted(unknown)}; known: {FAULT_NAMES}")
    redis = RedisServer(Path(os.environ.get("TMPDIR", "/tmp")))
    prepared = None
    try:
        prepared = prepare(args, redis)
        allow_connections(prepared.env, True)  # a drill stopped halfway may have left them refused
        return _run(args, prepared, faults)
    finally:
        finish(prepared, redis)


def _run(args, prepared: Prepared, faults: list[str]) -> int:
    ws = start_ws_clients(prepared, args)
    if args.warmup > 0:
        run_mix(
            prepared.base_url, prepared.data_path, prepared.routes,
            duration=args.warmup, threads=args.connections, phase=0, rate=args.rate,
        )  # fmt: skip
    duration = args.quiet * (len(faults) + 1) + sum(FAULT_SECONDS[name] for name in faults) + 5
    started_at = _iso_now()
    result: dict = {}
    loader = threading.Thread(
        target=lambda: result.update(
            mix=run_mix(
                prepared.base_url,
                prepared.data_path,
                prepared.routes,
                duration=duration,
                threads=args.connections,
                phase=1,
                rate=args.rate,
            )
        ),
        daemon=True,
    )
    loader.start()
    time.sleep(1)
    windows = []
    try:
        for name in faults:
            time.sleep(args.quiet)
            print(f"fault: {name} ({FAULT_DESCRIPTIONS[name]})", flush=True)
            start = time.monotonic() * 1000
            FAULTS[name](prepared)
            windows.append((name, start, time.monotonic() * 1000))
    finally:
        allow_connections(prepared.env, True)
    loader.join(timeout=duration + 120)
    if "mix" not in result:
        raise BenchError("the load did not finish")
    samples = result["mix"].samples
    ws_latencies = ws_delivery(ws, samples)
    print(f"\nload: {args.rate:g} req/s asked, {args.connections} connections, {duration:.0f} s")
    print_table(
        ["route", "weight %", "req/s", "p50 ms", "p95 ms", "p99 ms", "requests", "wrong answers"],
        route_rows(samples, prepared.routes),
    )
    rows, worst, errors_total = fault_rows(samples, windows, result["mix"].started_ms)
    print()
    print_table(
        [
            "fault",
            "lasted s",
            f"wrong answers until {AFTERMATH_S} s after",
            "recovery s (p95 < 50 ms, no errors)",
            "back to quiet p95 x1.5 (s)",
        ],
        rows,
    )
    if ws:
        print(f"websocket: send -> receipt p99 {percentile(ws_latencies, 99) if ws_latencies else 0:.0f} ms")
    print(f"\nqueues draining (up to {args.drain:g} s)...", flush=True)
    lag = queue_lag(prepared.env, started_at, drain_timeout=args.drain)
    print(f"notifications of the drill: {lag['sent']} deliveries sent, not sent {lag['not_sent'] or 'none'}")
    settle_tickets(prepared, timeout=args.drain)
    report = check_invariants(prepared)
    print("\ninvariants:")
    for line in report["lines"]:
        print(f"  {line}")
    counts = report["counts"]
    recovered = all(row[3] != "never" and int(row[3]) <= TARGET_RECOVERY_S for row in rows)
    print(
        "targets: nothing lost, duplicated or overlapping: "
        + ("met" if report["ok"] else "NOT met")
        + f"; recovery within {TARGET_RECOVERY_S} s of each fault: "
        + ("met" if recovered else "NOT met")
    )
    print(
        summary_line(
            NAME,
            {
                "faults": len(windows),
                "lost": counts.get("lost", 0),
                "duplicated": counts.get("duplicated", 0),
                "overlaps": counts.get("overlaps", 0),
                "worst_recovery_s": worst,
                "errors_during_faults": errors_total,
            },
        )
    )
    if not report["ok"]:
        print("drill: FAILED: invariants broken (above)")
        return 1
    return 0


def fault_rows(samples: Samples, windows, load_started_ms: float) -> tuple[list[list[object]], object, int]:
    """Per fault: how long it lasted, wrong answers by status from its start
    to AFTERMATH_S after its end (or the next fault), and the seconds from
    its start until p95 stays under target with no wrong answer — and, as
    the machine may be too loaded for the target at all, until it stays
    under 1.5 times the p95 of the quiet period before the first fault."""
    baseline = _p95(samples.window(load_started_ms + 2000, windows[0][1])) if windows else 0.0
    rows, worst, errors_total = [], 0, 0
    for index, (name, start, end) in enumerate(windows):
        until = end + AFTERMATH_S * 1000
        if index + 1 < len(windows):
            until = min(until, windows[index + 1][1])
        during = samples.window(start, until)
        wrong: dict[str, int] = {}
        for status, ok in zip(during.status, during.ok, strict=True):
            if not ok:
                wrong[str(status)] = wrong.get(str(status), 0) + 1
        errors_total += sum(wrong.values())
        buckets = per_second(samples, start, 120)
        recovery = recovery_seconds(buckets, 0, TARGET_P95_MS)
        back = recovery_seconds(buckets, 0, 1.5 * baseline) if baseline else None
        worst = "never" if recovery is None or worst == "never" else max(worst, recovery)
        rows.append(
            [
                name,
                f"{(end - start) / 1000:.1f}",
                ", ".join(f"{status}: {count}" for status, count in sorted(wrong.items())) or "0",
                "never" if recovery is None else str(recovery),
                "never" if back is None else str(back),
            ]
        )
    return rows, worst, errors_total


def _p95(samples: Samples) -> float:
    return percentile(samples.latency_ms, 95) if len(samples) else 0.0


def settle_tickets(prepared: Prepared, timeout: float) -> None:
    """Imports whose task was lost (a Redis restart empties the broker) are
    queued again by the sweep once stale (10 min, looked at every 5: within
    15 min). The drill does not wait that long: it runs the sweep as it will
    run then (its clock moved past the staleness) and waits for the workers."""
    deadline = time.monotonic() + timeout
    swept = False
    while True:
        left = _django(prepared.env, "TICKETS", "tickets", "sweep" if not swept else "count")
        swept = True
        if left["unsettled"] == 0:
            print(f"tickets: all settled ({left['requeued']} queued again by the sweep, clock moved on)")
            return
        if time.monotonic() > deadline:
            print(f"tickets: {left['unsettled']} still unsettled after {timeout:g} s")
            return
        time.sleep(2)


def check_invariants(prepared: Prepared) -> dict:
    topology = prepared.topology
    return _django(
        prepared.env,
        "INVARIANTS",
        "invariants",
        json.dumps({"push_file": str(topology.push_file), "email_dir": str(topology.email_dir)}),
    )


def _iso_now() -> str:
    import datetime

    return datetime.datetime.now(datetime.UTC).isoformat()


# --- the faults -------------------------------------------------------------------------------


def kill_celery_worker(prepared: Prepared) -> None:
    topology = prepared.topology
    topology.workers[0].kill()
    time.sleep(10)
    topology.restart_worker(0)


def restart_redis(prepared: Prepared) -> None:
    prepared.redis.restart()


def refuse_postgres(prepared: Prepared) -> None:
    allow_connections(prepared.env, False)
    try:
        time.sleep(10)
    finally:
        allow_connections(prepared.env, True)


def kill_web_worker(prepared: Prepared) -> None:
    workers = prepared.topology.web.worker_pids()
    if not workers:
        raise BenchError("no web worker to kill")
    with contextlib.suppress(ProcessLookupError):
        os.kill(workers[0], signal.SIGKILL)


FAULTS = {
    "worker": kill_celery_worker,
    "redis": restart_redis,
    "postgres": refuse_postgres,
    "web": kill_web_worker,
}
FAULT_SECONDS = {"worker": 10, "redis": 1, "postgres": 10, "web": 0}
FAULT_DESCRIPTIONS = {
    "worker": "kill -9 a Celery worker, another one 10 s later",
    "redis": "Redis shut down without saving, started again",
    "postgres": "the database refuses connections for 10 s, open ones ended",
    "web": "kill -9 a web worker",
}


def allow_connections(env: BenchEnvironment, allowed: bool) -> None:
    """ALLOW_CONNECTIONS on the bench's own database; when refusing, its open
    connections are ended too (as a restart would), so that every process
    meets the refusal."""
    import psycopg2

    server_url, _, name = env.database_url.rpartition("/")
    if "bench" not in name:
        raise BenchError(f"refusing to touch database {name!r}: its name does not say it is a bench's")
    connection = psycopg2.connect(f"{server_url}/postgres", connect_timeout=5)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {"true" if allowed else "false"}')
            if not allowed:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    [name],
                )
    finally:
        connection.close()
