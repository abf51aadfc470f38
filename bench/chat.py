"""Chat on PostgreSQL: inbox, timeline and unread badge latency, and sending over HTTP.

Runs in a database of its own (travelhub_bench_chat, dropped and made again
at the start: created, migrated, catalogs loaded; dropped at the end unless
--keep-database) and Redis database 7 (flushed). Seeds (bench.chat_data)
--hosts hosts with a listing each and --guests guests, a conversation for
every guest and listing (100 x 200 = 20,000: each host's inbox holds 200)
and --messages-each messages in each (50: 1,000,000), by INSERT … SELECT
generate_series. Then runs the app the production way (granian, --workers
worker processes, DEBUG off, CHAT_MESSAGES_PER_MINUTE lifted for the load)
and measures on loopback with wrk:

  inbox      GET /api/conversations/ (a page of 50 of the 200, with unread
             counts and presence), one connection, rotating over the hosts:
             latency p50/p95/p99 of --latency-seconds.
  timeline   GET /api/conversations/{id}/messages/ (a page of 50), newest
             and ?before= the middle message, over a sample of
             conversations, one connection: p50/p95/p99.
  unread     GET /api/chat/unread/ (the badge) of each host, one connection.
  send       POST /api/conversations/{id}/messages/ by guests to their
             conversations, --connections connections for --duration
             seconds: req/s (every answer a 201), with p50/p99.

Then the realtime developer's WebSocket fan-out (bench.chat_ws.fanout_measure:
500 clients over 2 ASGI processes) for ws_clients and ws_p99_ms, and the
plans of the inbox and timeline queries.

Targets (the issue): inbox p95 < 20 ms, timeline p95 < 10 ms, ws p99 < 50 ms.
--quick: a small smoke run (20 x 50 conversations of 20 messages, 2 s loads,
no fan-out)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.catalog import prepare_catalogs
from bench.environment import (
    REPO_ROOT,
    BenchEnvironment,
    BenchError,
    add_environment_arguments,
    data_module_run,
    environment_from_args,
    flush_redis,
    machine_report,
    own_database,
)
from bench.load import WRK_SCRIPT, LoadResult, require_wrk, run_wrk_command
from bench.report import format_value, print_table, summary_line
from bench.servers import Server

NAME = "chat"
DATABASE = "travelhub_bench_chat"
REDIS_URL = "redis://127.0.0.1:6379/7"
TARGET_INBOX_P95_MS = 20.0
TARGET_TIMELINE_P95_MS = 10.0
# (full run, --quick)
DEFAULTS = {
    "hosts": (100, 20),
    "guests": (200, 50),
    "messages_each": (50, 20),
    "duration": (10.0, 2.0),
    "latency_seconds": (10.0, 2.0),
}
HEADERS = ["load", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms", "requests", "errors"]

# Request n goes to item n of the rotation (per wrk thread): {path, token}.
_WRK_REQUESTS = """
local items = {%(items)s}
local method = "%(method)s"
counter = 0
request = function()
  counter = counter + 1
  local item = items[(counter + id * 7919) %% #items + 1]
  local headers = {}
  headers["Authorization"] = "Token " .. item[2]
  headers["Accept"] = "application/json"
  if method == "POST" then
    headers["Content-Type"] = "application/json"
    local body = string.format('{"body": "Mensaje %%d del bench: ¿a qué hora llegan?"}', counter)
    return wrk.format("POST", item[1], headers, body)
  end
  return wrk.format("GET", item[1], headers)
end
local started = 0
setup = function(thread)
  thread:set("id", started)
  started = started + 1
end
id = 0
"""


def add_arguments(parser) -> None:
    parser.add_argument("--quick", action="store_true", help="a small smoke run")
    parser.add_argument("--hosts", type=int, help="hosts, one listing each (100)")
    parser.add_argument("--guests", type=int, help="guests, each with a conversation per listing (200)")
    parser.add_argument("--messages-each", type=int, help="messages per conversation (50)")
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes (2)")
    parser.add_argument("--keep-database", action="store_true", help="leave the bench's database for inspection")
    parser.add_argument("--no-ws", action="store_true", help="skip the WebSocket fan-out")
    group = parser.add_argument_group("load (wrk, loopback)")
    group.add_argument("--latency-seconds", type=float, help="seconds of each one-connection latency run (10)")
    group.add_argument("--duration", type=float, help="seconds of the send load (10)")
    group.add_argument("--connections", type=int, default=16, help="wrk connections of the send load (16)")
    add_environment_arguments(parser)
    parser.set_defaults(database=DATABASE, redis_url=REDIS_URL)


def run(args) -> int:
    for name, (full, quick) in DEFAULTS.items():
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if min(args.hosts, args.guests, args.messages_each) < 1:
        raise BenchError("--hosts, --guests and --messages-each must be positive")
    require_wrk()
    env = environment_from_args(args)
    machine_report()
    with own_database(env, keep=args.keep_database):
        return _run(args, env)


def _run(args, env: BenchEnvironment) -> int:
    prepare_catalogs(env)
    data = _data(env, "seed", args.hosts, args.guests, args.messages_each, marker="CHAT_DATA")
    print(
        f"data: {data['conversations']} conversations, {data['messages']} messages; {args.hosts} hosts with "
        f"{args.guests} conversations each; users in {data['users_seconds']} s, conversations and messages "
        f"(INSERT … SELECT) in {data['insert_seconds']} s, VACUUM ANALYZE {data['analyze_seconds']} s"
    )
    sample = data["sample"]
    inbox_items = [("/api/conversations/?page_size=50", token) for token in data["host_tokens"]]
    timeline_items = [
        (f"/api/conversations/{cid}/messages/?page_size=50" + (f"&before={middle}" if n % 2 else ""), host)
        for n, (cid, host, _guest, middle) in enumerate(sample)
    ]
    unread_items = [("/api/chat/unread/", token) for token in data["host_tokens"]]
    send_items = [(f"/api/conversations/{cid}/messages/", guest) for cid, _host, guest, _middle in sample]
    results: dict[str, LoadResult] = {}
    extra = {"CHAT_MESSAGES_PER_MINUTE": "100000000"}
    with Server("granian", env, args.workers, extra_env=extra).start() as server:
        print(f"server: granian, {args.workers} workers, DEBUG off")
        # Warm every worker: code loaded, connections open.
        _load(server, "GET", inbox_items + timeline_items + unread_items, 2.0, connections=4)
        results["inbox"] = _load(server, "GET", inbox_items, args.latency_seconds, connections=1)
        results["timeline"] = _load(server, "GET", timeline_items, args.latency_seconds, connections=1)
        results["unread"] = _load(server, "GET", unread_items, args.latency_seconds, connections=1)
        results["send"] = _load(server, "POST", send_items, args.duration, connections=args.connections)
    for name, result in results.items():
        if result.error_count:
            raise BenchError(f"{name}: wrk saw errors {result.errors}; every answer should be a 2xx")
    print()
    print_table(
        HEADERS,
        [
            [f"{name} ({'1 connection' if name != 'send' else f'{args.connections} connections'})",
             result.rps, result.p50_ms, result.p95_ms, result.p99_ms, result.max_ms, result.requests,
             result.error_count]
            for name, result in results.items()
        ],
    )  # fmt: skip
    print("\n" + _data_text(env, "plans"))

    if args.no_ws or args.quick:
        ws = {"ws_clients": 0, "ws_p99_ms": "n/a"}
        print("ws: skipped (--no-ws / --quick)")
    else:
        ws = _ws(env)
    verdicts = [
        f"inbox p95 {format_value(results['inbox'].p95_ms)} ms (< {TARGET_INBOX_P95_MS:g}): "
        + ("met" if results["inbox"].p95_ms < TARGET_INBOX_P95_MS else "NOT met"),
        f"timeline p95 {format_value(results['timeline'].p95_ms)} ms (< {TARGET_TIMELINE_P95_MS:g}): "
        + ("met" if results["timeline"].p95_ms < TARGET_TIMELINE_P95_MS else "NOT met"),
    ]
    print("targets: " + "; ".join(verdicts))
    print(
        summary_line(
            NAME,
            {
                "inbox_p95_ms": results["inbox"].p95_ms,
                "timeline_p95_ms": results["timeline"].p95_ms,
                "send_rps": results["send"].rps,
                "ws_clients": ws["ws_clients"],
                "ws_p99_ms": ws["ws_p99_ms"],
            },
        )
    )
    return 0


def _ws(env: BenchEnvironment) -> dict:
    """The realtime side's fan-out figures (bench.chat_ws), or n/a when it is missing."""
    try:
        from bench.chat_ws import fanout_measure
    except ImportError:
        print("ws: bench.chat_ws is not there; ws_clients=0 ws_p99_ms=n/a")
        return {"ws_clients": 0, "ws_p99_ms": "n/a"}
    flush_redis(env)
    figures = fanout_measure(env=env)
    print(
        f"ws: {figures['ws_clients']} clients over 2 ASGI processes, {figures['ws_received']} of "
        f"{figures['ws_expected']} frames received, p50 {format_value(figures['ws_p50_ms'])} ms, "
        f"p99 {format_value(figures['ws_p99_ms'])} ms"
    )
    return figures


def _load(server: Server, method: str, items: list[tuple[str, str]], seconds: float, connections: int) -> LoadResult:
    script = _WRK_REQUESTS % {
        "items": ",".join(f"{{{json.dumps(path)}, {json.dumps(token)}}}" for path, token in items),
        "method": method,
    }
    path = Path(tempfile.mkstemp(prefix="wrk-chat-", suffix=".lua")[1])
    try:
        path.write_text(script + WRK_SCRIPT.read_text())
        command = [
            require_wrk(),
            "--threads=1",
            f"--connections={connections}",
            f"--duration={seconds:g}s",
            "--timeout=10s",
            f"--script={path}",
            server.base_url,
        ]
        result, _lines = run_wrk_command(command, server.base_url + items[0][0], seconds)
    finally:
        path.unlink(missing_ok=True)
    return result


def _data_text(env: BenchEnvironment, command: str, *numbers: int) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "bench.chat_data", command, *map(str, numbers)],
        cwd=REPO_ROOT,
        env=env.server_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BenchError(f"bench.chat_data {command} failed:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")
    return done.stdout


def _data(env: BenchEnvironment, command: str, *numbers: int, marker: str) -> dict:
    started = time.monotonic()
    data = data_module_run(env, "bench.chat_data", command, *numbers, marker=marker)
    data.setdefault("seconds", round(time.monotonic() - started, 1))
    return data
