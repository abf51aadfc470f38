"""Webhook sending rate against a local receiver.

Queues --count events for one subscribed endpoint (a threaded HTTP/1.1
server in this process answering 200 on kept-alive connections), fans them
out in one process, then lets two sender processes send every delivery.
The processes start Django and connect to the database first and say when
they are ready; each then times its own work (`time.monotonic`, one clock
for every process of the machine), so the rate is deliveries sent over the
time from the first sender's start to the last sender's end, without
Django's start-up. Failures are deliveries not sent plus requests the
receiver got beyond (or short of) one per delivery."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.environment import (
    REPO_ROOT,
    BenchError,
    add_environment_arguments,
    ensure_database,
    environment_from_args,
    machine,
)
from bench.report import summary_line

NAME = "webhooks"
SENDERS = 2
SETUP = """
import sys
from core.models import User, WebhookDelivery, WebhookEndpoint, WebhookEvent
from core.services.webhooks import webhook_endpoint_create
WebhookDelivery.objects.all().delete()
WebhookEvent.objects.all().delete()
WebhookEndpoint.objects.all().delete()
owner, _ = User.objects.get_or_create(username="bench-webhooks", defaults={"email": "bench-webhooks@example.com"})
webhook_endpoint_create(owner=owner, url=sys.argv[2], event_types=["notification.created"])
WebhookEvent.objects.bulk_create(
    (WebhookEvent(event_type="notification.created", owner=owner, payload={"n": i}) for i in range(int(sys.argv[1]))),
    batch_size=5000,
)
"""
# Both print "ready" once set up, wait for a line on stdin, then print
# "<started> <finished>" (time.monotonic) around the measured call.
TIMED = """
import sys, time
from django.db import connection
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()
started = time.monotonic()
{call}
print(started, time.monotonic(), flush=True)
"""
FAN_OUT = TIMED.format(
    call="from core.services.webhooks import webhook_events_fan_out\nwebhook_events_fan_out()",
)
SEND = TIMED.format(
    call="from core.services.webhooks import webhook_deliveries_send_due\nwebhook_deliveries_send_due()",
)
COUNT = """
from core.models import WebhookDelivery
print(WebhookDelivery.objects.filter(status="sent").count(), WebhookDelivery.objects.exclude(status="sent").count())
"""


def add_arguments(parser) -> None:
    parser.add_argument("--count", type=int, default=10_000, help="events (10000)")
    add_environment_arguments(parser)


class _Receiver(BaseHTTPRequestHandler):
    # HTTP/1.1: connections stay open between requests, as a real receiver's do.
    protocol_version = "HTTP/1.1"
    requests = 0
    lock = threading.Lock()

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        with _Receiver.lock:
            _Receiver.requests += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def _python(env, code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "import django; django.setup()\n" + code, *args],
        cwd=REPO_ROOT,
        env=env.server_env(DJANGO_SETTINGS_MODULE="project.settings", WEBHOOK_ALLOW_PRIVATE_TARGETS="true"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=600)
    if process.returncode:
        raise BenchError(err[-2000:])
    return out


def _timed(processes: list[subprocess.Popen]) -> float:
    """Start the processes' measured work together once all are ready;
    seconds from the first one's start to the last one's end."""
    for process in processes:
        if process.stdout.readline().strip() != "ready":
            _finish(process)
            raise BenchError("a process ended before it was ready")
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    spans = [tuple(map(float, _finish(process).split()[-2:])) for process in processes]
    return max(finished for _, finished in spans) - min(started for started, _ in spans)


def run(args) -> int:
    env = environment_from_args(args)
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}, Linux {info['kernel']}")
    ensure_database(env)
    _Receiver.requests = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        _finish(_python(env, SETUP, str(args.count), url))
        fanned = _timed([_python(env, FAN_OUT)])
        sending = _timed([_python(env, SEND) for _ in range(SENDERS)])
        sent, not_sent = map(int, _finish(_python(env, COUNT)).split())
    finally:
        server.shutdown()
    received = _Receiver.requests
    failures = not_sent + abs(received - sent)
    print(
        f"{args.count} events, 1 endpoint, fan-out {fanned:.2f} s, {SENDERS} sender processes, "
        f"sending {sending:.2f} s (Django start-up excluded), receiver got {received} requests"
    )
    print(summary_line(NAME, {"rate": sent / sending, "failures": failures, "fan_out_s": fanned}))
    return 0 if failures == 0 else 1
