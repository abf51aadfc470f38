from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.selectors.sales import sale_count_by_status
from core.services.demo_data import DEMO_PASSWORD, demo_agency_create, demo_data_of_apps_create, demo_users_create


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
        staff = demo_users_create()
        if demo_agency_create(staff=staff):
            self.stdout.write(f"demo agency created: sales by status {sale_count_by_status()}")
        for line in demo_data_of_apps_create():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Demo staff login: demo-staff / {DEMO_PASSWORD}"))
        self.stdout.write("Admin at /admin/, API docs at /api/docs/")
