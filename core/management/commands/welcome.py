import json
import os

from django.core.management.base import BaseCommand

from core.services.demo_data import DEMO_PASSWORD

ROLES = {
    "demo-staff": "agency staff, may use the admin",
    "demo-host": "rentals host with three listings",
    "demo-guest": "guest with two trips",
}


class Command(BaseCommand):
    help = "Print where a started TravelHub answers, the demo logins and how to get an API token."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000/", help="where the server listens")

    def handle(self, *args, base_url: str, **options):
        base = base_url.rstrip("/")
        body = json.dumps({"username": "demo-staff", "password": DEMO_PASSWORD})
        # cmd.exe knows no single quotes: there the JSON's quotes are escaped.
        quoted = f'"{body.replace(chr(34), chr(92) + chr(34))}"' if os.name == "nt" else f"'{body}'"
        manage = r"batch_scripts\manage.bat" if os.name == "nt" else "batch_scripts/manage.sh"
        lines = [
            self.style.SUCCESS(f"TravelHub is at {base}/"),
            f"  API docs   {base}/api/docs/",
            f"  Admin      {base}/admin/",
            f"  Health     {base}/health/ready",
            f"  Metrics    {base}/metrics",
            f"Demo logins (password {DEMO_PASSWORD}):",
            *(f"  {username:<12}{role}" for username, role in ROLES.items()),
            "An API token (send it as 'Authorization: Token <token>'):",
            f"  curl -s -H 'Content-Type: application/json' -d {quoted} {base}/api/auth/token/"
            if os.name != "nt"
            else f'  curl -s -H "Content-Type: application/json" -d {quoted} {base}/api/auth/token/',
            f"Other commands: {manage} <command> (e.g. {manage} warmup_cache). Stop the server with Ctrl+C.",
        ]
        self.stdout.write("\n".join(lines))
