"""A notification worker outside Celery: drains the queue in this process.
For operations (empty a backlog by hand) and for the tests and the benchmark,
which start several of these as separate processes."""

import os
import socket

from django.core.management.base import BaseCommand

from core.services.notification_queue import notification_deliveries_retry_due, notification_queue_drain


class Command(BaseCommand):
    help = "Claim, fan out and send queued notifications, then due retries, until none is due."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=200)
        parser.add_argument("--max-seconds", type=float, default=None)
        parser.add_argument("--name", default=f"{socket.gethostname()}:{os.getpid()}")
        parser.add_argument(
            "--without-locking",
            action="store_true",
            help="claim the naive way (no SKIP LOCKED, no lease): only to show the duplicates it causes",
        )

    def handle(self, *args, **options):
        handled = notification_queue_drain(
            worker=options["name"],
            batch_size=options["batch_size"],
            max_seconds=options["max_seconds"],
            locking=not options["without_locking"],
        )
        # Then the deliveries that are due again: failed ones past their wait,
        # and those a dead worker was sending when its lease ran out.
        retried = notification_deliveries_retry_due(
            batch_size=options["batch_size"], max_seconds=options["max_seconds"]
        )
        self.stdout.write(f"{options['name']}: {handled} notification(s), {retried} retried deliveries sent")
