from django.core.management.base import BaseCommand

from core.selectors.sales import sale_count_by_status
from core.services.demo_data import DEMO_PASSWORD, demo_agency_create, demo_data_of_apps_create, demo_users_create


class Command(BaseCommand):
    help = "Create the demo users and a small demo agency (idempotent); print the staff login."

    def handle(self, *args, **options):
        staff = demo_users_create()
        if demo_agency_create(staff=staff):
            self.stdout.write(f"demo agency created: sales by status {sale_count_by_status()}")
        for line in demo_data_of_apps_create():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(f"Demo staff login: demo-staff / {DEMO_PASSWORD}"))
        self.stdout.write("Admin at /admin/, API docs at /api/docs/")
