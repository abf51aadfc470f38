import logging
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.test import override_settings

from core.selectors.notifications import delivery_count_by_channel
from core.selectors.sales import sale_count_by_status
from core.services.demo_data import (
    DEMO_PASSWORD,
    DEMO_USERS,
    demo_agency_create,
    demo_data_of_apps_create,
    demo_users_create,
)

# Each demo sale and booking runs its tasks in-process on the embedded
# default: these log a line per task and per push notification.
CHATTY_LOGGERS = ("celery.app.trace", "core.services.notification_channels")


@contextmanager
def quiet_side_effects():
    """The e-mails the demo sends to its made-up clients (whole invoices, in
    base64) are kept in memory instead of printed, and routine task logs are
    held back; warnings and errors still show."""
    levels = {name: logging.getLogger(name).level for name in CHATTY_LOGGERS}
    for name in CHATTY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            yield
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


class Command(BaseCommand):
    help = (
        "Create the demo users and a small demo agency (idempotent); print the staff login. "
        "Refused with DEBUG off unless --yes-on-production is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--yes-on-production",
            action="store_true",
            help="Run even with DEBUG off (creates a superuser whose password is published).",
        )

    def handle(self, *args, **options):
        # The demo staff is a superuser with a password printed in the README:
        # on a production database that is an open admin.
        if not settings.DEBUG and not options["yes_on_production"]:
            raise CommandError(
                f"DEBUG is off: load_demo_data would create the superuser demo-staff / {DEMO_PASSWORD}, "
                "whose password is public. Run it with DEBUG on, or pass --yes-on-production if this "
                "really is a demo installation."
            )
        started = time.monotonic()
        with quiet_side_effects():
            staff = demo_users_create()
            others = " and ".join(username for username, *_ in DEMO_USERS if username != "demo-staff")
            self.stdout.write(f"users: demo-staff / {DEMO_PASSWORD} (staff), {others} (same password)")
            step = time.monotonic()
            if demo_agency_create(staff=staff):
                sales = ", ".join(f"{count} {status}" for status, count in sale_count_by_status().items())
                self.stdout.write(f"agency: sales {sales} ({time.monotonic() - step:.1f} s)")
            else:
                self.stdout.write("agency: already there")
            step = time.monotonic()
            for line in demo_data_of_apps_create():
                self.stdout.write(f"{line} ({time.monotonic() - step:.1f} s)")
        sent = ", ".join(f"{count} {channel}" for channel, count in delivery_count_by_channel().items())
        if sent:
            self.stdout.write(f"notifications to the demo users and clients: {sent} (not printed)")
        self.stdout.write(self.style.SUCCESS(f"Demo data loaded in {time.monotonic() - started:.1f} s"))
