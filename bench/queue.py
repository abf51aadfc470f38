"""Notification queue throughput: notifications/s drained by 1, 2 and 4
worker processes on PostgreSQL, with no-op delivery (in-app channel only).

Each case queues --count notifications, starts N `manage.py
run_notification_worker` processes at once and times them until the queue
is empty. Duplicates are counted from the push file each worker appends to
(one line per send); enqueue-to-delivery latency is sent_at - created_at of
each delivery. A baseline case claims the naive way (no SKIP LOCKED, no
lease) with 2 workers, to show what the locking prevents.

Target: at least 2,000 notifications/s with 2 workers, zero duplicates."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.environment import (
    REPO_ROOT,
    add_environment_arguments,
    django_code_run,
    ensure_database,
    environment_from_args,
    machine,
)
from bench.report import print_table, summary_line

NAME = "queue"
TARGET_W2_RATE = 2000
SETUP = """
import sys
from django.utils import timezone
from core.models import Notification, NotificationDelivery, NotificationPreference, User
Notification.objects.all().delete()
user, _ = User.objects.get_or_create(username="bench-queue", defaults={"email": "bench-queue@example.com"})
NotificationPreference.objects.filter(user=user).delete()
NotificationPreference.objects.bulk_create(
    [NotificationPreference(user=user, kind="webhook_endpoint_disabled", channel=c, enabled=(c == "push"))
     for c in ("email", "in_app", "push")]
)
now = timezone.now()
Notification.objects.bulk_create(
    (Notification(recipient=user, kind="webhook_endpoint_disabled", language="es", subject=f"n{i}", body="b",
                  created_at=now, available_at=now) for i in range(int(sys.argv[1]))),
    batch_size=5000,
)
"""
RESULT = """
import json
from django.db.models import F
from core.models import Notification, NotificationDelivery
latencies = sorted(
    (sent - created).total_seconds() * 1000
    for sent, created in NotificationDelivery.objects.filter(status="sent")
    .values_list("sent_at", "notification__created_at")
)
print(json.dumps({"left": Notification.objects.filter(done_at__isnull=True).count(), "latencies": latencies}))
"""


def add_arguments(parser) -> None:
    parser.add_argument("--count", type=int, default=10_000, help="notifications per case (10000)")
    parser.add_argument("--batch-size", type=int, default=200)
    add_environment_arguments(parser)


def _case(env, workers: int, count: int, batch_size: int, locking: bool = True) -> dict[str, float]:
    django_code_run(env, SETUP, str(count))
    push_file = Path(tempfile.mkstemp(prefix="bench-queue-", suffix=".jsonl")[1])
    extra = [] if locking else ["--without-locking"]
    started = time.monotonic()
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "run_notification_worker",
                "--batch-size",
                str(batch_size),
                "--name",
                f"w{n}",
                *extra,
            ],
            cwd=REPO_ROOT,
            env=env.server_env(
                DJANGO_SETTINGS_MODULE="project.settings",
                NOTIFICATION_PUSH_PROVIDER="core.services.notification_channels.FilePushProvider",
                NOTIFICATION_PUSH_FILE=str(push_file),
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for n in range(workers)
    ]
    for process in processes:
        process.wait(timeout=600)
    elapsed = time.monotonic() - started
    titles = [json.loads(line)["title"] for line in push_file.read_text().splitlines()]
    push_file.unlink()
    result = json.loads(django_code_run(env, RESULT).strip().splitlines()[-1])
    latencies = result["latencies"]
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else 0.0
    return {
        "workers": workers,
        "rate": count / elapsed,
        "seconds": elapsed,
        "sent": len(titles),
        "duplicates": len(titles) - len(set(titles)),
        "lost": count - len(set(titles)),
        "p99_ms": p99,
    }


def run(args) -> int:
    env = environment_from_args(args)
    info = machine()
    print(f"machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}, Linux {info['kernel']}")
    ensure_database(env)
    print(f"{args.count} notifications per case, batches of {args.batch_size}, no-op (file) push delivery")
    print("rate includes starting the worker processes (about 1 s of Django start-up each)")
    cases = [_case(env, workers, args.count, args.batch_size) for workers in (1, 2, 4)]
    naive = _case(env, 2, args.count, args.batch_size, locking=False)
    print_table(
        ["case", "notifications/s", "seconds", "sent", "duplicates", "lost", "p99 ms enqueue→delivery"],
        [
            [
                f"skip locked, {c['workers']} worker(s)",
                c["rate"],
                c["seconds"],
                c["sent"],
                c["duplicates"],
                c["lost"],
                c["p99_ms"],
            ]
            for c in cases
        ]
        + [
            [
                "naive claim, 2 workers",
                naive["rate"],
                naive["seconds"],
                naive["sent"],
                naive["duplicates"],
                naive["lost"],
                naive["p99_ms"],
            ]
        ],
    )
    by_workers = {c["workers"]: c for c in cases}
    figures = {
        "w1_rate": by_workers[1]["rate"],
        "w2_rate": by_workers[2]["rate"],
        "w4_rate": by_workers[4]["rate"],
        "duplicates": sum(c["duplicates"] for c in cases),
        "lost": sum(c["lost"] for c in cases),
        "p99_ms": by_workers[2]["p99_ms"],
        "naive_duplicates": naive["duplicates"],
    }
    print(summary_line(NAME, figures))
    ok = figures["duplicates"] == 0 and figures["lost"] == 0 and figures["w2_rate"] >= TARGET_W2_RATE
    return 0 if ok else 1
