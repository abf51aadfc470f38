from django.core.management.base import BaseCommand

from core.models import User
from core.services.users import user_create

DEMO_PASSWORD = "travelhub-demo"
DEMO_USERS = [
    ("demo-staff", "staff@travelhub.local", User.Role.STAFF, "Ana", "Quispe"),
    ("demo-host", "host@travelhub.local", User.Role.HOST, "Luis", "Rojas"),
    ("demo-guest", "guest@travelhub.local", User.Role.GUEST, "Carmen", "Díaz"),
]


class Command(BaseCommand):
    help = "Create the demo users (idempotent) and print the staff login."

    def handle(self, *args, **options):
        for username, email, role, first_name, last_name in DEMO_USERS:
            if User.objects.filter(username=username).exists():
                continue
            user = user_create(
                username=username,
                email=email,
                password=DEMO_PASSWORD,
                role=role,
                first_name=first_name,
                last_name=last_name,
            )
            if role == User.Role.STAFF:
                # The demo staff account may manage everything in the admin.
                user.is_superuser = True
                user.save(update_fields=["is_superuser"])
        self.stdout.write(self.style.SUCCESS(f"Demo staff login: demo-staff / {DEMO_PASSWORD}"))
        self.stdout.write("Admin at /admin/, API docs at /api/docs/")
