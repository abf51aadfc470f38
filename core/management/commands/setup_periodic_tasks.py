from django.core.management.base import BaseCommand

from core.services.periodic_schedule import periodic_schedule, periodic_tasks_install


class Command(BaseCommand):
    help = "Install the periodic tasks every app registered into django-celery-beat."

    def handle(self, *args, **options):
        periodic_tasks_install()
        schedule = periodic_schedule()
        for entry in schedule:
            when = (
                f"every {entry.every_seconds} s" if entry.every_seconds else f"at {entry.at[1]}:{entry.at[0]:0>2} Lima"
            )
            self.stdout.write(f"{entry.name:34} {entry.task:38} {when:16} {entry.why}")
        self.stdout.write(self.style.SUCCESS(f"{len(schedule)} periodic tasks installed."))
