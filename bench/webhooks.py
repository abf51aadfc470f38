"""Webhook fan-out and sending rate against a local receiver.

Queues --count events for one subscribed endpoint (a threaded HTTP server in
this process answering 200), then times the fan-out and two sender processes
until every delivery is sent; failures are deliveries not sent."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
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
FAN_OUT = "from core.services.webhooks import webhook_events_fan_out\nwebhook_events_fan_out()"
SEND = "from core.services.webhooks import webhook_deliveries_send_due\nwebhook_deliveries_send_due()"
COUNT = """
from core.models import WebhookDelivery
print(WebhookDelivery.objects.filter(status="sent").count(), WebhookDelivery.objects.exclude(status="sent").count())
"""


def add_arguments(parser) -> None:
    parser.add_argument("--count", type=int, default=2000, help="events (2000)")
    add_environment_arguments(parser)


class _Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


def _python(env, code: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "import django; django.setup()\n" + code, *args],
        cwd=REPO_ROOT,
        env=env.server_env(DJANGO_SETTINGS_MODULE="project.settings", WEBHOOK_ALLOW_PRIVATE_TARGETS="true"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen) -> str:
    out, err = process.communicate(timeout=600)
    if process.returncode:
        raise BenchError(err[-2000:])
    return out


def run(args) -> int:
    env = environment_from_args(args)
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}, Linux {info['kernel']}")
    ensure_database(env)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        _finish(_python(env, SETUP, str(args.count), url))
        started = time.monotonic()
        _finish(_python(env, FAN_OUT))
        fanned = time.monotonic() - started
        for sender in [_python(env, SEND) for _ in range(SENDERS)]:
            _finish(sender)
        elapsed = time.monotonic() - started
        sent, not_sent = map(int, _finish(_python(env, COUNT)).split())
    finally:
        server.shutdown()
    print(f"{args.count} events, 1 endpoint, fan-out {fanned:.2f} s, {SENDERS} sender processes, total {elapsed:.2f} s")
    print("rate includes starting the processes (about 1 s of Django start-up each)")
    print(summary_line(NAME, {"rate": sent / elapsed, "failures": not_sent, "fan_out_s": fanned}))
    return 0 if not_sent == 0 else 1
