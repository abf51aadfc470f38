"""The registry of periodic tasks. Each app registers its entries from its
`registrations` module (core.apps finds it); `python manage.py
setup_periodic_tasks` installs them into django-celery-beat. Each entry says
why it runs as often as it does."""

from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

# Installed entries are named with this prefix; entries of ours no longer
# registered any more are disabled by the install.
NAME_PREFIX = "travelhub: "
BUSINESS_TIME_ZONE = "America/Lima"


@dataclass(frozen=True)
class PeriodicEntry:
    name: str
    task: str
    why: str
    every_seconds: int | None = None
    # crontab in the business time zone: (minute, hour)
    at: tuple[str, str] | None = None


_schedule: dict[str, PeriodicEntry] = {}


def periodic_entry_register(
    name: str, *, task: str, why: str, every_seconds: int | None = None, at: tuple[str, str] | None = None
) -> PeriodicEntry:
    """Declare a periodic task; apps call this from their `registrations` module."""
    entry = PeriodicEntry(name, task, why, every_seconds, at)
    if (every_seconds is None) == (at is None):
        raise ImproperlyConfigured(f"periodic entry {name!r}: give either every_seconds or at")
    if _schedule.get(name, entry) != entry:
        raise ImproperlyConfigured(f"periodic entry {name!r} is registered twice, differently")
    _schedule[name] = entry
    return entry


def periodic_schedule() -> list[PeriodicEntry]:
    return sorted(_schedule.values(), key=lambda entry: entry.name)


def periodic_tasks_install() -> list[str]:
    """Create or update every entry in django-celery-beat; disable our old
    entries that are no longer declared. Returns the installed names."""
    installed = []
    with transaction.atomic():
        for entry in periodic_schedule():
            schedule = {"interval": None, "crontab": None}
            if entry.every_seconds is not None:
                schedule["interval"], _ = IntervalSchedule.objects.get_or_create(
                    every=entry.every_seconds, period=IntervalSchedule.SECONDS
                )
            else:
                minute, hour = entry.at
                schedule["crontab"], _ = CrontabSchedule.objects.get_or_create(
                    minute=minute,
                    hour=hour,
                    day_of_week="*",
                    day_of_month="*",
                    month_of_year="*",
                    timezone=BUSINESS_TIME_ZONE,
                )
            name = NAME_PREFIX + entry.name
            PeriodicTask.objects.update_or_create(
                name=name,
                defaults={"task": entry.task, "description": entry.why, "enabled": True, **schedule},
            )
            installed.append(name)
        PeriodicTask.objects.filter(name__startswith=NAME_PREFIX).exclude(name__in=installed).update(enabled=False)
    return installed
