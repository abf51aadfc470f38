"""The whole product under a realistic day's load: the issue's mix of
requests over the production topology, on PostgreSQL at scale.

Runs in a database of its own (travelhub_bench_mixed: created, migrated,
catalogs loaded, seeded once per --scale by bench.mixed_data and kept) and a
Redis server of its own (started on a free port, database 10). Starts the
topology as batch_scripts/ starts it (bench.topology: granian WSGI with 2
workers, the ASGI server for /ws/ when the chat is there, 2 Celery workers,
beat), then loads it on loopback with wrk running bench/mixed.lua: one
connection per thread, each request a route drawn by the issue's weights
(bench.mixed_load.ROUTES) with a user's token, every answer checked (its
status and a field of its body: a fast wrong answer is an error). While the
load runs, --ws-clients users stay connected over WebSocket as the
recipients of the message sends (bench.chat_ws) and time each send to its
receipt. After --warmup seconds of the same load, --duration measured.

Reports per route req/s, p50/p95/p99 and wrong answers by status; the CPU
share of the web server, the ASGI server, the workers (and beat), the bench
database's PostgreSQL backends, Redis and wrk; the notification queue's lag
(created -> delivered p95, from the database, for the notifications created
during the measured run, once the queue has drained); the WebSocket delivery
p99. Targets (the issue): p95 < 50 ms and >= 1500 req/s, wrk <= 20 % of the
machine. --profile SECONDS: py-spy samples of the web workers while the
slowest route alone is loaded; --profile-mix SECONDS: while the whole mix is.

--scale small (or --quick: small, 10 s) seeds a few thousand rows."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench.catalog import prepare_catalogs
from bench.environment import (
    REPO_ROOT,
    BenchEnvironment,
    BenchError,
    bench_environment,
    data_module_run,
    machine_report,
)
from bench.lists import DatabaseCpuWatch
from bench.load import WRK_INSTALL_HINT, percentile
from bench.mixed_data import SCALES
from bench.mixed_load import CHAT_ROUTES, data_file, mix_routes, run_mix
from bench.mixed_profile import profile_load, profile_route
from bench.mixed_report import Samples, delivery_latencies, figures
from bench.mixed_ws import CONNECTS_PER_SECOND, WsClients
from bench.report import format_value, print_table, summary_line
from bench.topology import GroupCpuWatch, RedisServer, Topology

NAME = "mixed"
DATABASE = "travelhub_bench_mixed"
REDIS_DB = 10
TARGET_P95_MS = 50.0
TARGET_RPS = 1500.0
TARGET_LOADER_SHARE = 0.20
DEFAULTS = {"duration": (60.0, 10.0), "warmup": (15.0, 3.0)}  # (full, --quick)


def add_arguments(parser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--duration", type=float, help="seconds measured (60; --quick 10)")
    parser.add_argument("--profile", type=float, default=0, help="py-spy the web workers on the slowest route (s)")
    parser.add_argument("--profile-mix", type=float, default=0, help="py-spy the web workers under the whole mix (s)")


def add_common_arguments(parser) -> None:
    parser.add_argument("--quick", action="store_true", help="small scale, short load (a smoke run)")
    parser.add_argument("--scale", choices=sorted(SCALES), help="data seeded (full; --quick small)")
    parser.add_argument("--warmup", type=float, help="seconds of the same load first, unmeasured (15; --quick 3)")
    parser.add_argument("--connections", type=int, default=16, help="wrk threads of one connection each (16)")
    parser.add_argument("--ws-clients", type=int, help="users connected over WebSocket (the scale's: 200)")
    parser.add_argument("--database", default=DATABASE, help=f"PostgreSQL database ({DATABASE})")


def resolve(args) -> None:
    for name, (full, quick) in DEFAULTS.items():
        if getattr(args, name, None) is None:
            setattr(args, name, quick if args.quick else full)
    args.scale = args.scale or ("small" if args.quick else "full")
    if args.ws_clients is None:
        args.ws_clients = SCALES[args.scale].ws_clients
    if args.connections < 1 or args.duration <= 0:
        raise BenchError("--connections and --duration must be positive")


def ensure_wrk() -> None:
    """wrk, installed from the distribution when the bench runs as root."""
    if shutil.which("wrk"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("wrk is not installed: installing it (apt-get install -y wrk)")
        subprocess.run(["apt-get", "update", "-qq"], check=False)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False)
    if not shutil.which("wrk"):
        raise BenchError(WRK_INSTALL_HINT)


def chat_available() -> bool:
    return (REPO_ROOT / "chat" / "api").is_dir() and (REPO_ROOT / "batch_scripts" / "asgi.sh").exists()


def asgi_command(port: int) -> list[str]:
    """The ASGI server as batch_scripts/asgi.sh runs it, on a loopback port."""
    return [
        str(Path(sys.executable).parent / "uvicorn"), "project.asgi:application", "--host", "127.0.0.1",
        "--port", str(port), "--workers", "1", "--ws", "websockets-sansio", "--ws-max-size", "65536", "--no-access-log",
        "--log-level", "warning",
    ]  # fmt: skip


# --- a prepared run ---------------------------------------------------------------------------


@dataclass
class Prepared:
    env: BenchEnvironment
    redis: RedisServer
    topology: Topology
    run: dict
    routes: list[tuple[str, int]]
    data_path: Path
    asgi_port: int | None
    sales_pages: int

    @property
    def base_url(self) -> str:
        return self.topology.web.base_url


def _django(env: BenchEnvironment, marker: str, *args: str, extra: dict | None = None) -> dict:
    return data_module_run(env, "bench.mixed_data", *args, marker=marker, extra=extra)


def prepare(args, scratch_redis: RedisServer) -> Prepared:
    """Database, data, topology, data file: everything but the load."""
    ensure_wrk()
    machine_report()
    redis = scratch_redis.start()
    env = bench_environment(args.database, redis.url(REDIS_DB))
    print(f"redis: a redis-server of the bench's own on port {redis.port} (database {REDIS_DB})")
    prepare_catalogs(env)
    started = time.monotonic()
    seeded = _django(env, "MIXED_SEEDED", "seed", args.scale)
    print(f"data ({args.scale}): seeded in {time.monotonic() - started:.0f} s {seeded['steps'] or '(already there)'}")
    run = _django(env, "MIXED_RUN", "prepare", args.scale)
    with_chat = chat_available() and bool(run.get("conversations"))
    if not with_chat:
        print("chat: not there (no chat app or no conversations): inbox, timeline and send left out of the mix")
    routes = mix_routes(with_chat)
    if with_chat and args.ws_clients:
        # Messages go to the users kept connected (the first --ws-clients of them).
        connected = {user for user, _token in run["conversations"]["ws_users"][: args.ws_clients]}
        run["conversations"]["send"] = [send for send in run["conversations"]["send"] if send[2] in connected]
    topology = Topology(env, worker_concurrency=2)
    asgi_port = None
    if with_chat:
        from bench.servers import free_port

        asgi_port = free_port()
    topology.start(asgi_command(asgi_port) if asgi_port else None)
    if topology.asgi is not None:
        topology.wait_asgi_ready(asgi_port)
    topology.wait_workers_ready()
    print(
        f"topology: granian {topology.web_workers} workers (1 blocking thread each), "
        + (f"ASGI server on port {asgi_port}, " if topology.asgi else "no ASGI server (no chat), ")
        + f"{len(topology.workers)} Celery workers (concurrency {topology.worker_concurrency}), beat; DEBUG off"
    )
    sales_pages = max(1, SCALES[args.scale].sales // 50 // 10)  # the first tenth of the pages: the recent sales
    path = data_file(run, routes=routes, threads=args.connections, sales_pages=sales_pages)
    return Prepared(env, redis, topology, run, routes, path, asgi_port, sales_pages)


# --- the benchmark ----------------------------------------------------------------------------


def run(args) -> int:
    resolve(args)
    redis = RedisServer(Path(os.environ.get("TMPDIR", "/tmp")))
    prepared = None
    try:
        prepared = prepare(args, redis)
        return _run(args, prepared)
    finally:
        finish(prepared, redis)


def finish(prepared: Prepared | None, redis: RedisServer) -> None:
    """Stop everything the bench started; the processes' logs stay."""
    if prepared is not None:
        prepared.topology.stop()
        print(f"logs of the web server, ASGI server, workers and beat: {prepared.topology.scratch}")
    redis.stop()


def _run(args, prepared: Prepared) -> int:
    topology, routes = prepared.topology, prepared.routes
    ws = start_ws_clients(prepared, args)
    if args.warmup > 0:
        run_mix(prepared.base_url, prepared.data_path, routes, duration=args.warmup, threads=args.connections, phase=0)
    groups = lambda: {  # noqa: E731
        **topology.pid_groups(),
        "redis": prepared.redis.pids(),
        "ws clients": ws.pids() if ws else [],
    }
    watch, database = GroupCpuWatch(groups), DatabaseCpuWatch(prepared.env)
    started_at = _now_iso()
    mix = run_mix(
        prepared.base_url, prepared.data_path, routes, duration=args.duration, threads=args.connections, phase=1
    )
    cpu = watch.stop()
    cpu["postgres"] = database.stop()
    cpu["wrk"] = mix.cpu_seconds / (mix.wall_seconds * (os.cpu_count() or 1))
    # Everything not the bench's: other people's work on a shared machine.
    cpu["others"] = max(0.0, cpu.pop("machine") - sum(cpu.values()))
    ws_latencies = ws_delivery(ws, mix.samples)
    lag = queue_lag(prepared.env, started_at)
    report(args, prepared, mix.samples, cpu, lag, ws_latencies)
    if args.profile:
        slowest = max((figures(mix.samples, name) for name, _ in routes), key=lambda f: f.p95_ms)
        profile_route(prepared, slowest.route, args.profile, args.connections)
    if args.profile_mix:
        profile_load(prepared, routes, args.profile_mix, args.connections, top=60)
    return 0


def _now_iso() -> str:
    import datetime

    return datetime.datetime.now(datetime.UTC).isoformat()


def start_ws_clients(prepared: Prepared, args) -> WsClients | None:
    if prepared.asgi_port is None or not args.ws_clients:
        return None
    clients = WsClients(prepared.asgi_port, prepared.run["conversations"]["ws_users"][: args.ws_clients]).start()
    time.sleep(2 + args.ws_clients / CONNECTS_PER_SECOND)  # connected before the load starts sending
    return clients


def ws_delivery(ws: WsClients | None, samples: Samples) -> list[float]:
    """Send -> receipt of the messages sent during the run (printed: how many never arrived)."""
    if ws is None:
        return []
    arrivals, counts = ws.stop()
    latencies, missing = delivery_latencies(samples.sends, arrivals)
    print(
        f"websocket: {counts.get('connected', 0)} connections made, {counts.get('lost', 0)} lost "
        f"(reopened asking for what they missed; {counts.get('resyncs', 0)} told to resync); "
        f"{len(samples.sends)} messages sent to them, {len(latencies)} received, {missing} never arrived"
    )
    return latencies


def queue_lag(env: BenchEnvironment, since: str, drain_timeout: float = 120) -> dict:
    """Created -> delivered of the notifications created since `since`, once
    the queue has drained — nothing pending, being sent or failed and due
    again — or drain_timeout passed: count, p50, p95, max and the deliveries
    not sent."""
    deadline = time.monotonic() + drain_timeout
    while True:
        lag = _django(env, "MIXED_LAG", "lag", since)
        waiting = sum(count for status, count in lag["not_sent"].items() if status in ("pending", "sending", "failed"))
        if not waiting or time.monotonic() > deadline:
            break
        time.sleep(2)
    latencies = lag["latencies_ms"]
    return {
        "sent": len(latencies),
        "p50_ms": percentile(latencies, 50) if latencies else 0.0,
        "p95_ms": percentile(latencies, 95) if latencies else 0.0,
        "max_ms": max(latencies, default=0.0),
        "not_sent": lag["not_sent"],
    }


ROUTE_HEADERS = ["route", "weight %", "req/s", "p50 ms", "p95 ms", "p99 ms", "requests", "wrong answers"]


def route_rows(samples: Samples, routes: list[tuple[str, int]]) -> list[list[object]]:
    rows = []
    for name, weight in [*routes, ("total", 100)]:
        route = figures(samples, None if name == "total" else name)
        errors = ", ".join(f"{status}: {count}" for status, count in route.errors.items()) or "0"
        rows.append([name, weight, route.rps, route.p50_ms, route.p95_ms, route.p99_ms, route.requests, errors])
    return rows


def report(args, prepared: Prepared, samples: Samples, cpu: dict, lag: dict, ws_latencies: list[float]) -> None:
    total = figures(samples)
    print()
    print(f"mix: {args.connections} wrk threads of one connection each, {args.duration:g} s after {args.warmup:g} s")
    print_table(ROUTE_HEADERS, route_rows(samples, prepared.routes))
    for failure in samples.failures[:10]:
        print(f"  wrong answer: {failure}")
    print()
    print(
        "cpu (share of the whole machine, every core): "
        + ", ".join(f"{name} {share:.0%}" for name, share in cpu.items())
        + " (postgres: the bench database's backends; others: every other process on the machine)"
    )
    print(
        f"queue lag (notification created -> delivered, {lag['sent']} deliveries of the measured run): "
        f"p50 {format_value(lag['p50_ms'])} ms, p95 {format_value(lag['p95_ms'])} ms, "
        f"max {format_value(lag['max_ms'])} ms; not sent: {lag['not_sent'] or 'none'}"
    )
    ws_p99 = percentile(ws_latencies, 99) if ws_latencies else 0.0
    if prepared.asgi_port:
        print(f"websocket: {len(ws_latencies)} messages received, send -> receipt p99 {format_value(ws_p99)} ms")
    verdicts = [
        f"p95 {format_value(total.p95_ms)} ms (< {TARGET_P95_MS:g}): " + _met(total.p95_ms < TARGET_P95_MS),
        f"{format_value(total.rps)} req/s (>= {TARGET_RPS:g}): " + _met(total.rps >= TARGET_RPS),
        f"wrk {cpu['wrk']:.0%} of the machine (<= {TARGET_LOADER_SHARE:.0%}): "
        + _met(cpu["wrk"] <= TARGET_LOADER_SHARE),
        f"wrong answers {total.error_count} (0): " + _met(total.error_count == 0),
    ]
    left_out = [name for name in CHAT_ROUTES if name not in dict(prepared.routes)]
    if left_out:
        verdicts.append(f"NOT measured: {', '.join(left_out)} (no chat)")
    print("targets: " + "; ".join(verdicts))
    print(
        summary_line(
            NAME,
            {
                "rps": total.rps,
                "p50_ms": total.p50_ms,
                "p95_ms": total.p95_ms,
                "p99_ms": total.p99_ms,
                "errors": total.error_count,
                "queue_lag_p95_ms": lag["p95_ms"],
                "ws_p99_ms": ws_p99 if prepared.asgi_port else "-",
            },
        )
    )


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"
