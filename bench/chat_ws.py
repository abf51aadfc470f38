"""Chat WebSocket fan-out: send-to-receipt latency with 500 clients
connected to 2 ASGI processes (uvicorn, as batch_scripts/asgi.sh runs it).

Each client is a user with an API token; users are paired (one of each
pair on each server, so every event crosses processes). A publisher
process (as a web process would after its commit) publishes
`message.created` to both users of a pair through
chat.realtime.events_publish at a steady rate, stamping the time it sent;
every socket notes when the frame arrived (same machine, same clock). With
--via http the guest of each pair sends a real message instead (POST
/api/conversations/{id}/messages/ to granian, the production web server),
and the latency runs from the start of the request. Figures: clients connected, frames received of those sent,
latency p50/p99/max. The clients run in this process (asyncio + websockets),
so on a small machine their own work is part of the figure.

Target: p99 < 50 ms."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

from bench.environment import (
    REPO_ROOT,
    BenchEnvironment,
    BenchError,
    add_environment_arguments,
    bench_environment,
    django_code_run,
    ensure_database,
    environment_from_args,
    flush_redis,
    machine,
)
from bench.report import print_table, summary_line
from bench.servers import Server, free_port

NAME = "chat_ws"
TARGET_P99_MS = 50
# Users bench-ws-0..N-1, each with one fresh API token; prints [[id, key], ...].
USERS = """
import json, sys
from core.models import ApiToken, User
from core.services.api_tokens import api_token_create
count = int(sys.argv[1])
users = []
for n in range(count):
    user, _ = User.objects.get_or_create(username=f"bench-ws-{n}", defaults={"email": f"bench-ws-{n}@example.com"})
    users.append(user)
ApiToken.objects.filter(user__in=users).delete()
print(json.dumps([[user.pk, api_token_create(user=user, name="bench")[1]] for user in users]))
"""
# A conversation for each pair [guest, host] about a listing of the host's; prints their ids.
CONVERSATIONS = """
import json, sys
from bookings.models import Listing
from bookings.tests.factories import ListingFactory
from chat.services.conversations import conversation_ensure
from core.models import User
ids = []
for guest_id, host_id in json.loads(sys.argv[1]):
    host = User.objects.get(pk=host_id)
    listing = Listing.objects.filter(host=host).first() or ListingFactory(host=host)
    ids.append(conversation_ensure(guest=User.objects.get(pk=guest_id), listing=listing)[0].pk)
print(json.dumps(ids))
"""
# Publishes `count` events at `rate` per second, round robin over the pairs.
PUBLISH = """
import json, sys, time
from chat.realtime import events_publish
pairs, count, rate = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
start = time.monotonic()
for n in range(count):
    pause = start + n / rate - time.monotonic()
    if pause > 0:
        time.sleep(pause)
    events_publish(
        user_ids=pairs[n % len(pairs)], event_type="message.created", payload={"bench": n, "sent_at": time.time()}
    )
print(json.dumps({"seconds": time.monotonic() - start}))
"""


def add_arguments(parser) -> None:
    parser.add_argument("--clients", type=int, default=500, help="connected sockets (500)")
    parser.add_argument("--processes", type=int, default=2, help="ASGI server processes (2)")
    parser.add_argument("--messages", type=int, default=1000, help="events published, each to 2 users (1000)")
    parser.add_argument("--rate", type=float, default=50, help="events published per second (50)")
    parser.add_argument(
        "--via",
        choices=["http", "publish"],
        default="publish",
        help="publish: chat.realtime.events_publish called by a publisher process, as a web process does after "
        "its commit (default); http: messages sent with POST /api/conversations/{id}/messages/ to 2 granian "
        "workers (the figure then includes the web tier, and --rate must stay under its capacity)",
    )
    add_environment_arguments(parser)


def run(args) -> int:
    env = environment_from_args(args)
    ensure_database(env)
    flush_redis(env)
    figures = fanout_measure(
        clients=args.clients, processes=args.processes, messages=args.messages, rate=args.rate, via=args.via, env=env
    )
    print(f"sent via {args.via}")
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f} (CPU per frame received: servers, clients)")
    print_table(
        ["clients", "processes", "sent", "received", "p50 ms", "p99 ms", "max ms", "server cpu ms", "client cpu ms"],
        [
            [
                figures["ws_clients"],
                args.processes,
                figures["ws_expected"],
                figures["ws_received"],
                figures["ws_p50_ms"],
                figures["ws_p99_ms"],
                figures["ws_max_ms"],
                figures["server_cpu_ms_per_frame"],
                figures["client_cpu_ms_per_frame"],
            ]
        ],
    )
    print(summary_line(NAME, {key: figures[key] for key in ("ws_clients", "ws_p99_ms")}))
    return 0 if figures["ws_received"] == figures["ws_expected"] else 1


def fanout_measure(
    *,
    clients: int = 500,
    processes: int = 2,
    messages: int = 1000,
    rate: float = 50,
    via: str = "publish",
    env: BenchEnvironment | None = None,
) -> dict:
    """Start `processes` ASGI servers, connect `clients` sockets spread over
    them, send `messages` messages (each reaching the two users of a pair):
    over HTTP to the production web server (`via="http"`) or straight
    through chat.realtime.events_publish (`via="publish"`), and measure
    send-to-receipt latency. The database must be migrated
    (bench.environment.ensure_database)."""
    if clients < 2 or clients % 2:
        raise BenchError("--clients must be an even number of at least 2")
    env = env or bench_environment()
    users = json.loads(django_code_run(env, USERS, str(clients)).strip().splitlines()[-1])
    servers = [_AsgiServer(env) for _ in range(processes)]
    try:
        for server in servers:
            server.wait_ready()
        # User 2k and 2k+1 talk; consecutive users sit on different servers.
        urls = [
            f"ws://127.0.0.1:{servers[n % processes].port}/ws/chat/?token={key}" for n, (_, key) in enumerate(users)
        ]
        pairs = [[users[n][0], users[n + 1][0]] for n in range(0, clients, 2)]
        if via == "http":
            conversations = json.loads(django_code_run(env, CONVERSATIONS, json.dumps(pairs)).strip().splitlines()[-1])
            guest_keys = [users[n][1] for n in range(0, clients, 2)]
            with Server("granian", env, workers=2, extra_env={"CHAT_MESSAGES_PER_MINUTE": "1000000"}) as web:
                sender = _HttpSender(web.base_url, conversations, guest_keys)
                figures = asyncio.run(_measure(urls, sender, messages, rate, servers))
        else:
            figures = asyncio.run(_measure(urls, _Publisher(env, pairs), messages, rate, servers))
        if figures["ws_received"] < figures["ws_expected"]:
            for server in servers:
                print(f"uvicorn on port {server.port}:\n{server.log_tail()}", file=sys.stderr)
        return figures
    finally:
        for server in servers:
            server.stop()


class _Publisher:
    """Publishes through chat.realtime.events_publish in a process of its own;
    each event carries the time it was sent."""

    def __init__(self, env: BenchEnvironment, pairs: list[list[int]]) -> None:
        self.env, self.pairs = env, pairs

    def sent_at(self, payload: dict) -> float:
        return payload["sent_at"]

    async def send(self, messages: int, rate: float) -> None:
        publisher = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "import django; django.setup()\n" + PUBLISH,
            json.dumps(self.pairs),
            str(messages),
            str(rate),
            cwd=REPO_ROOT,
            env=self.env.server_env(DJANGO_SETTINGS_MODULE="project.settings"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await publisher.communicate()
        if publisher.returncode:
            raise BenchError(f"publisher failed: {err.decode()[-2000:]}")


class _HttpSender:
    """Sends messages as the guests, POST /api/conversations/{id}/messages/,
    round robin over the conversations (one in flight per conversation), and
    notes when each conversation's latest send began."""

    def __init__(self, base_url: str, conversations: list[int], guest_keys: list[str]) -> None:
        self.address = base_url.removeprefix("http://")
        self.conversations, self.guest_keys = conversations, guest_keys
        self.started: dict[int, float] = {}

    def sent_at(self, payload: dict) -> float:
        return self.started[payload["conversation"]]

    async def send(self, messages: int, rate: float) -> None:
        loop = asyncio.get_running_loop()
        start, posts = loop.time(), []
        for n in range(messages):
            await asyncio.sleep(max(0, start + n / rate - loop.time()))
            k = n % len(self.conversations)
            self.started[self.conversations[k]] = time.time()
            posts.append(asyncio.create_task(asyncio.to_thread(self._post, k, n)))
        statuses = await asyncio.gather(*posts)
        refused = [status for status in statuses if status != 201]
        if refused:
            raise BenchError(f"{len(refused)} of {messages} sends were not 201: {refused[:5]}")

    def _post(self, k: int, n: int) -> int:
        connection = http.client.HTTPConnection(self.address, timeout=30)
        try:
            connection.request(
                "POST",
                f"/api/conversations/{self.conversations[k]}/messages/",
                body=json.dumps({"body": f"Mensaje de prueba {n}"}),
                headers={"Authorization": f"Token {self.guest_keys[k]}", "Content-Type": "application/json"},
            )
            response = connection.getresponse()
            response.read()
            return response.status
        finally:
            connection.close()


async def _measure(urls: list[str], sender, messages: int, rate: float, servers: list) -> dict:
    latencies: list[float] = []
    connected = 0
    all_connected = asyncio.Event()
    sockets = []
    opening = asyncio.Semaphore(50)

    async def client(url: str) -> None:
        nonlocal connected
        async with opening:
            websocket = await connect(url, open_timeout=60, max_queue=None)
        sockets.append(websocket)
        hello = json.loads(await websocket.recv())
        if hello["type"] != "hello":
            raise BenchError(f"socket refused: {hello}")
        connected += 1
        if connected == len(urls):
            all_connected.set()
        async for text in websocket:
            arrived = time.time()
            frame = json.loads(text)
            if frame["type"] == "message.created":
                latencies.append((arrived - sender.sent_at(frame["payload"])) * 1000)

    tasks = [asyncio.create_task(client(url)) for url in urls]
    try:
        await asyncio.wait_for(all_connected.wait(), timeout=180)
    except TimeoutError:
        failed = [task.exception() for task in tasks if task.done() and task.exception()]
        raise BenchError(f"only {connected} of {len(urls)} sockets opened: {failed[:3]}") from None
    # CPU the servers and these clients spend on the events (from here to the last frame).
    server_cpu, client_cpu = sum(server.cpu_seconds() for server in servers), time.process_time()
    send_started = time.monotonic()
    await sender.send(messages, rate)
    send_seconds = time.monotonic() - send_started
    expected = messages * 2
    deadline = time.monotonic() + 10
    while len(latencies) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    server_cpu = sum(server.cpu_seconds() for server in servers) - server_cpu
    client_cpu = time.process_time() - client_cpu
    await asyncio.gather(*(websocket.close() for websocket in sockets))
    await asyncio.gather(*tasks, return_exceptions=True)
    ordered = sorted(latencies)
    return {
        "ws_clients": connected,
        "ws_p99_ms": _percentile(ordered, 99),
        "ws_p50_ms": _percentile(ordered, 50),
        "ws_max_ms": ordered[-1] if ordered else float("nan"),
        "ws_mean_ms": statistics.fmean(ordered) if ordered else float("nan"),
        "ws_received": len(ordered),
        "ws_expected": expected,
        "send_seconds": send_seconds,
        "server_cpu_ms_per_frame": server_cpu * 1000 / max(1, len(ordered)),
        "client_cpu_ms_per_frame": client_cpu * 1000 / max(1, len(ordered)),
    }


def _percentile(ordered: list[float], percent: float) -> float:
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(len(ordered) * percent / 100))]


class _AsgiServer:
    """uvicorn serving project.asgi, as batch_scripts/asgi.sh, on a loopback port."""

    def __init__(self, env: BenchEnvironment) -> None:
        self.port = free_port()
        # A file, not a pipe: a server that logs much must never block on it.
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by stop())
        self.process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "uvicorn"),
                "project.asgi:application",
                *("--host", "127.0.0.1", "--port", str(self.port)),
                *("--ws", "websockets-sansio", "--ws-max-size", "65536", "--no-access-log", "--log-level", "warning"),
            ],
            cwd=REPO_ROOT,
            env=env.server_env(DJANGO_SETTINGS_MODULE="project.settings"),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.log.seek(0)
                raise BenchError(f"uvicorn exited: {self.log.read().decode(errors='replace')[-2000:]}")
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            time.sleep(0.1)
        raise BenchError("uvicorn did not start")

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server process so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, characters: int = 3000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-characters:]

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
